package dev.streamlake.flink.functions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.streamlake.flink.model.Event;
import org.junit.jupiter.api.Test;

class CountAndSumTest {
  private static Event withWatch(int seconds) {
    Event e = new Event();
    e.watchSeconds = seconds;
    return e;
  }

  @Test
  void countsAndSumsWatchSeconds() {
    CountAndSum f = new CountAndSum();
    long[] acc = f.createAccumulator();
    acc = f.add(withWatch(30), acc);
    acc = f.add(withWatch(0), acc);
    acc = f.add(withWatch(12), acc);
    assertArrayEquals(new long[] {3, 42}, f.getResult(acc));
  }

  @Test
  void mergesAccumulators() {
    assertArrayEquals(new long[] {5, 70}, new CountAndSum().merge(new long[] {2, 30}, new long[] {3, 40}));
  }
}
