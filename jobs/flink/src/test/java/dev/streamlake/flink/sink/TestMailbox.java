package dev.streamlake.flink.sink;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.InternalSinkWriterMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * A task's mailbox and processing-time service for driving a sink writer outside a job: mails (responses, timers) run
 * on the test thread when the writer yields, as they would on the task thread. Timers fire on real time.
 */
final class TestMailbox implements MailboxExecutor, ProcessingTimeService, AutoCloseable {
  private final LinkedBlockingQueue<ThrowingRunnable<? extends Exception>> mails = new LinkedBlockingQueue<>();
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  /** Gauges the writer registered, by name. */
  final Map<String, Gauge<?>> gauges = new HashMap<>();

  @Override
  public void execute(
      MailOptions options, ThrowingRunnable<? extends Exception> command, String format, Object... args) {
    mails.add(command);
  }

  @Override
  public void yield() throws InterruptedException {
    run(mails.take());
  }

  @Override
  public boolean tryYield() {
    ThrowingRunnable<? extends Exception> mail = mails.poll();
    if (mail == null) {
      return false;
    }
    run(mail);
    return true;
  }

  /** Runs every mail that is already there. */
  void drain() {
    while (tryYield()) {
      // keep going
    }
  }

  private static void run(ThrowingRunnable<? extends Exception> mail) {
    try {
      mail.run();
    } catch (Exception e) {
      throw new IllegalStateException("mail failed (would fail the task)", e);
    }
  }

  @Override
  public boolean shouldInterrupt() {
    return false;
  }

  @Override
  public long getCurrentProcessingTime() {
    return System.currentTimeMillis();
  }

  @Override
  public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback target) {
    long delay = Math.max(0, timestamp - System.currentTimeMillis());
    return timers.schedule(
        () -> mails.add(() -> target.onProcessingTime(timestamp)), delay, TimeUnit.MILLISECONDS);
  }

  /** A sink writer metric group that records the gauges registered on it. */
  InternalSinkWriterMetricGroup metrics() {
    OperatorMetricGroup recording =
        new UnregisteredMetricGroups.UnregisteredOperatorMetricGroup() {
          @Override
          public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            gauges.put(name, gauge);
            return gauge;
          }
        };
    return InternalSinkWriterMetricGroup.wrap(recording);
  }

  long gauge(String name) {
    return ((Number) gauges.get(name).getValue()).longValue();
  }

  @Override
  public void close() {
    timers.shutdownNow();
  }
}
