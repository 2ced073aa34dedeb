package dev.streamlake.flink.sink;

import dev.streamlake.flink.model.WindowTotal;
import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequest;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriterStateSerializer;
import org.apache.flink.connector.dynamodb.sink.client.DynamoDbAsyncClientProvider;
import org.apache.flink.connector.dynamodb.sink.client.SdkClientProvider;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The views table sink: window totals as idempotent PUTs, per-key ordered, batched, several requests in flight (see
 * {@link ViewsSinkWriter} and {@link WriteScheduler}). Its writer state is the connector's {@code DynamoDbSink} state,
 * so a checkpoint or snapshot taken by an earlier version of the job (which used that sink under the same operator
 * uid) restores without losing the writes it had buffered; this writer itself never has any buffered at a checkpoint.
 */
public final class ViewsSink
    implements Sink<WindowTotal>, SupportsWriterState<WindowTotal, BufferedRequestState<DynamoDbWriteRequest>> {
  private static final long serialVersionUID = 1L;

  /** BatchWriteItem holds at most 25 items. */
  public static final int MAX_BATCH_SIZE = 25;
  /**
   * Requests in flight per subtask. Different keys only (the per-key lock), so any number keeps the order; 32 × 25
   * items at a few ms per request is far more than one subtask produces (see the README's figures).
   */
  public static final int DEFAULT_MAX_IN_FLIGHT_REQUESTS = 32;
  /** Totals accepted but not yet written before {@code write} blocks (backpressure). */
  public static final int DEFAULT_MAX_BUFFERED_WRITES = 10_000;

  /** Creates the DynamoDB client of a writer (tests and the benchmark pass fakes). */
  @FunctionalInterface
  public interface ClientFactory extends Serializable {
    SdkClientProvider<DynamoDbAsyncClient> create(Properties clientProperties);
  }

  /** What a writer needs; validated here, on the client, before the job is submitted. */
  public static final class Settings implements Serializable {
    private static final long serialVersionUID = 1L;
    final String tableName;
    final String viewName;
    final Properties clientProperties;
    final int maxBatchSize;
    final int maxInFlightRequests;
    final int maxBufferedWrites;
    final boolean keyOrdering;

    Settings(
        String tableName,
        String viewName,
        Properties clientProperties,
        int maxBatchSize,
        int maxInFlightRequests,
        int maxBufferedWrites,
        boolean keyOrdering) {
      new WriteScheduler<>(maxBatchSize, maxInFlightRequests, keyOrdering); // validates the limits
      if (maxBufferedWrites < 1) {
        throw new IllegalArgumentException("maxBufferedWrites must be >= 1, got " + maxBufferedWrites);
      }
      this.tableName = tableName;
      this.viewName = viewName;
      this.clientProperties = clientProperties;
      this.maxBatchSize = maxBatchSize;
      this.maxInFlightRequests = maxInFlightRequests;
      this.maxBufferedWrites = maxBufferedWrites;
      this.keyOrdering = keyOrdering;
    }
  }

  private final Settings settings;
  private final ClientFactory clients;

  private ViewsSink(Settings settings, ClientFactory clients) {
    this.settings = settings;
    this.clients = clients;
  }

  /** The production sink: per-key ordering, {@link #DEFAULT_MAX_IN_FLIGHT_REQUESTS} requests in flight. */
  public static ViewsSink of(String tableName, String viewName, Properties clientProperties) {
    return withLimits(
        tableName, viewName, clientProperties, DEFAULT_MAX_IN_FLIGHT_REQUESTS, DynamoDbAsyncClientProvider::new);
  }

  /**
   * A sink with another number of requests in flight (1 = the strictly sequential writer of earlier versions, the
   * benchmark's baseline) and another client.
   */
  public static ViewsSink withLimits(
      String tableName, String viewName, Properties clientProperties, int maxInFlightRequests, ClientFactory clients) {
    return new ViewsSink(
        new Settings(
            tableName, viewName, clientProperties, MAX_BATCH_SIZE, maxInFlightRequests, DEFAULT_MAX_BUFFERED_WRITES,
            true),
        clients);
  }

  /** Any settings (tests: small batches, or no per-key ordering to show what it prevents). */
  static ViewsSink withSettings(Settings settings, ClientFactory clients) {
    return new ViewsSink(settings, clients);
  }

  @Override
  @Deprecated
  public ViewsSinkWriter createWriter(InitContext context) {
    return new ViewsSinkWriter(
        settings, context.getMailboxExecutor(), context.getProcessingTimeService(), context.metricGroup(),
        clients.create(settings.clientProperties), List.of());
  }

  @Override
  public ViewsSinkWriter createWriter(WriterInitContext context) {
    return restore(context, List.of());
  }

  @Override
  public StatefulSinkWriter<WindowTotal, BufferedRequestState<DynamoDbWriteRequest>> restoreWriter(
      WriterInitContext context, Collection<BufferedRequestState<DynamoDbWriteRequest>> recoveredState) {
    return restore(context, recoveredState);
  }

  private ViewsSinkWriter restore(
      WriterInitContext context, Collection<BufferedRequestState<DynamoDbWriteRequest>> recoveredState) {
    return new ViewsSinkWriter(
        settings, context.getMailboxExecutor(), context.getProcessingTimeService(), context.metricGroup(),
        clients.create(settings.clientProperties), recoveredState);
  }

  @Override
  public SimpleVersionedSerializer<BufferedRequestState<DynamoDbWriteRequest>> getWriterStateSerializer() {
    return new DynamoDbWriterStateSerializer();
  }
}
