package dev.streamlake.flink.functions;

import dev.streamlake.flink.model.WindowTotal;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns a window's {count, watchSeconds} into a {@link WindowTotal}. Called on the on-time firing and again for every
 * late event within the allowed lateness, each time with the window's whole corrected total.
 */
public class EmitWindowTotal extends ProcessWindowFunction<long[], WindowTotal, String, TimeWindow> {
  private static final long serialVersionUID = 1L;

  @Override
  public void process(String key, Context ctx, Iterable<long[]> totals, Collector<WindowTotal> out) {
    long[] acc = totals.iterator().next();
    int hash = key.indexOf('#');
    out.collect(
        new WindowTotal(key.substring(0, hash), key.substring(hash + 1), ctx.window().getStart(), acc[0], acc[1]));
  }
}
