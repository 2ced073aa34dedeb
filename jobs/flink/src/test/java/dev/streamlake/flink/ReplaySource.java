package dev.streamlake.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.source.SourceFunction;

/**
 * A bounded, checkpointed source replaying records in order (parallelism 1), like a Kinesis shard: its offset is
 * part of the checkpoint. Optionally it pauses at an offset (emitting nothing) until cancelled, so a test can take a
 * checkpoint mid-stream, stop the job and restore it. Static flags: one test at a time per JVM (Surefire runs test
 * classes sequentially here).
 */
public class ReplaySource implements SourceFunction<byte[]>, CheckpointedFunction, CheckpointListener {
  private static final long serialVersionUID = 1L;

  /** Set once the source reached its pause offset. */
  public static final AtomicBoolean PAUSED = new AtomicBoolean();
  /** Checkpoints completed while paused. */
  public static final AtomicInteger CHECKPOINTS_WHILE_PAUSED = new AtomicInteger();

  private final ArrayList<byte[]> records;
  private final int pauseAt;
  private final long pauseMillisPerRecord;
  private long offset;
  private volatile boolean running = true;
  private transient ListState<Long> offsetState;

  /**
   * @param pauseAt offset to pause at until cancelled; -1 to run to the end
   * @param pauseMillisPerRecord sleep between records, so that periodic watermarks advance while records arrive (as
   *     they do on a live stream) and late events really are late
   */
  public ReplaySource(List<byte[]> records, int pauseAt, long pauseMillisPerRecord) {
    this.records = new ArrayList<>(records);
    this.pauseAt = pauseAt;
    this.pauseMillisPerRecord = pauseMillisPerRecord;
  }

  public static void reset() {
    PAUSED.set(false);
    CHECKPOINTS_WHILE_PAUSED.set(0);
  }

  @Override
  public void run(SourceContext<byte[]> ctx) throws Exception {
    while (running && offset < records.size()) {
      if (offset == pauseAt) {
        PAUSED.set(true);
        Thread.sleep(5);
        continue;
      }
      synchronized (ctx.getCheckpointLock()) {
        ctx.collect(records.get((int) offset));
        offset++;
      }
      if (pauseMillisPerRecord > 0) {
        Thread.sleep(pauseMillisPerRecord);
      }
    }
  }

  @Override
  public void cancel() {
    running = false;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    offsetState.update(List.of(offset));
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    offsetState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("offset", Types.LONG));
    for (Long restored : offsetState.get()) {
      offset = restored;
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    if (PAUSED.get()) {
      CHECKPOINTS_WHILE_PAUSED.incrementAndGet();
    }
  }
}
