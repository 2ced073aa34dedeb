package dev.streamlake.flink.bench;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.sink.RichSinkFunction;

/** Discards records, counting them in an accumulator (so the benchmark can show what it processed). */
public class CountingDiscard<T> extends RichSinkFunction<T> {
  private static final long serialVersionUID = 1L;
  private final String name;
  private transient LongCounter counter;

  public CountingDiscard(String name) {
    this.name = name;
  }

  @Override
  public void open(Configuration parameters) {
    counter = new LongCounter();
    getRuntimeContext().addAccumulator(name, counter);
  }

  @Override
  public void invoke(T value, Context context) {
    counter.add(1L);
  }
}
