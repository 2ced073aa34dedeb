package dev.streamlake.flink;

import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.WindowTotal;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;

/**
 * In-memory stand-ins for the DynamoDB sinks with the same semantics: a window total is PUT by (contentId, type,
 * minute), so the last emission of a window is what the table holds. Static: shared by the job's parallel instances.
 */
public final class TableSink {
  public static final Map<String, WindowTotal> TABLE = new ConcurrentHashMap<>();
  public static final AtomicInteger PUTS = new AtomicInteger();
  public static final Queue<DeadLetter> DEAD_LETTERS = new ConcurrentLinkedQueue<>();

  private TableSink() {}

  public static void reset() {
    TABLE.clear();
    PUTS.set(0);
    DEAD_LETTERS.clear();
  }

  /** PUT of a window total. */
  public static final class Totals implements SinkFunction<WindowTotal> {
    private static final long serialVersionUID = 1L;

    @Override
    public void invoke(WindowTotal t, Context context) {
      // Copy: with object reuse enabled upstream, the instance may be recycled.
      TABLE.put(
          t.contentId + "|" + t.type + "|" + t.minute(),
          new WindowTotal(t.contentId, t.type, t.windowStart, t.count, t.watchSeconds));
      PUTS.incrementAndGet();
    }
  }

  /** Dead letters, in arrival order per sink instance. */
  public static final class DeadLetters implements SinkFunction<DeadLetter> {
    private static final long serialVersionUID = 1L;

    @Override
    public void invoke(DeadLetter d, Context context) {
      DEAD_LETTERS.add(new DeadLetter(d.reason, d.detail, d.payload));
    }
  }
}
