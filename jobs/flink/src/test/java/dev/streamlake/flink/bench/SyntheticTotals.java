package dev.streamlake.flink.bench;

import dev.streamlake.flink.model.WindowTotal;
import java.time.Instant;
import org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction;

/**
 * Window totals of distinct keys (contentId × 6 types, one minute), as fast as the sink takes them, for a fixed wall
 * time: what the minute windows emit when the watermark passes a minute of high key cardinality. Distinct keys, so
 * nothing is coalesced and every total is one item written.
 */
public class SyntheticTotals extends RichParallelSourceFunction<WindowTotal> {
  private static final long serialVersionUID = 1L;
  private static final long MINUTE = Instant.parse("2026-11-20T23:40:00Z").toEpochMilli();
  private static final String[] TYPES = {"view_start", "heartbeat", "like", "share", "comment", "view_end"};

  private final long millis;
  private volatile boolean running = true;

  public SyntheticTotals(long millis) {
    this.millis = millis;
  }

  @Override
  public void run(SourceContext<WindowTotal> ctx) {
    int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    long end = System.currentTimeMillis() + millis;
    for (long i = 0; running; i++) {
      if ((i & 255) == 0 && System.currentTimeMillis() >= end) {
        break;
      }
      WindowTotal t = new WindowTotal("c" + subtask + "-" + (i / TYPES.length), TYPES[(int) (i % TYPES.length)],
          MINUTE, 1 + (i & 7), 0);
      synchronized (ctx.getCheckpointLock()) {
        ctx.collect(t);
      }
    }
  }

  @Override
  public void cancel() {
    running = false;
  }
}
