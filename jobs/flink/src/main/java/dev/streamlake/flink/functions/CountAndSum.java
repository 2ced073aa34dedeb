package dev.streamlake.flink.functions;

import dev.streamlake.flink.model.Event;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Incremental window aggregate: {count, sum(watchSeconds)}; the window keeps two longs, not its events. */
public class CountAndSum implements AggregateFunction<Event, long[], long[]> {
  private static final long serialVersionUID = 1L;

  @Override
  public long[] createAccumulator() {
    return new long[2];
  }

  @Override
  public long[] add(Event event, long[] acc) {
    acc[0] += 1;
    acc[1] += event.watchSeconds;
    return acc;
  }

  @Override
  public long[] getResult(long[] acc) {
    return acc;
  }

  @Override
  public long[] merge(long[] a, long[] b) {
    return new long[] {a[0] + b[0], a[1] + b[1]};
  }
}
