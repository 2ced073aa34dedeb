package dev.streamlake.flink.sink;

import static org.apache.flink.connector.aws.util.AWSCredentialFatalExceptionClassifiers.getInvalidCredentialsExceptionClassifier;
import static org.apache.flink.connector.aws.util.AWSCredentialFatalExceptionClassifiers.getSdkClientMisconfiguredExceptionClassifier;
import static org.apache.flink.connector.base.sink.writer.AsyncSinkFatalExceptionClassifiers.getInterruptedExceptionClassifier;

import dev.streamlake.flink.config.RuntimeContract;
import dev.streamlake.flink.model.WindowTotal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.connector.base.sink.throwable.FatalExceptionClassifier;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.dynamodb.sink.DynamoDbSinkException;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequest;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequestType;
import org.apache.flink.connector.dynamodb.sink.client.SdkClientProvider;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Writes window totals to the views table with BatchWriteItem PUTs, several requests in flight but never two writes
 * of one item key at once ({@link WriteScheduler}). Responses come back on the SDK's threads and are handed to the
 * task's mailbox, so all bookkeeping is single-threaded.
 *
 * <p>Exactly once, together with the idempotent PUT of whole totals: {@link #flush} (called before the checkpoint
 * barrier passes the sink, and at the end of input) returns only when every total accepted before it is acknowledged
 * by DynamoDB, so a completed checkpoint never depends on an unacknowledged write and the writer keeps no state.
 * Throttled or unprocessed items and retryable errors are retried with exponential back-off, without limit (the job
 * backpressures and checkpoints stall, which alarms show); errors that cannot succeed on retry (missing table, bad
 * credentials, a validation error) fail the job.
 */
final class ViewsSinkWriter implements StatefulSinkWriter<WindowTotal, BufferedRequestState<DynamoDbWriteRequest>> {
  private static final Logger LOG = LoggerFactory.getLogger(ViewsSinkWriter.class);
  static final long BACKOFF_BASE_MILLIS = 50;
  static final long BACKOFF_MAX_MILLIS = 5_000;

  private static final FatalExceptionClassifier FATAL =
      FatalExceptionClassifier.createChain(
          getInterruptedExceptionClassifier(),
          getInvalidCredentialsExceptionClassifier(),
          FatalExceptionClassifier.withRootCauseOfType(
              ResourceNotFoundException.class,
              e -> new DynamoDbSinkException("the views table does not exist", e)),
          new FatalExceptionClassifier(
              e -> e instanceof DynamoDbException
                  && ((DynamoDbException) e).awsErrorDetails() != null
                  && "ValidationException".equalsIgnoreCase(((DynamoDbException) e).awsErrorDetails().errorCode()),
              e -> new DynamoDbSinkException("DynamoDB rejected the request (validation)", e)),
          getSdkClientMisconfiguredExceptionClassifier());

  private final ViewsSink.Settings settings;
  private final MailboxExecutor mailbox;
  private final ProcessingTimeService time;
  private final SdkClientProvider<DynamoDbAsyncClient> client;
  private final WriteScheduler<Map<String, AttributeValue>> scheduler;
  private final Counter sent;
  private final Counter sendErrors;
  private long completedWrites;
  private int consecutiveFailures;
  private Exception fatal;

  ViewsSinkWriter(
      ViewsSink.Settings settings,
      MailboxExecutor mailbox,
      ProcessingTimeService time,
      SinkWriterMetricGroup metrics,
      SdkClientProvider<DynamoDbAsyncClient> client,
      Collection<BufferedRequestState<DynamoDbWriteRequest>> restored) {
    this.settings = settings;
    this.mailbox = mailbox;
    this.time = time;
    this.client = client;
    this.scheduler =
        new WriteScheduler<>(settings.maxBatchSize, settings.maxInFlightRequests, settings.keyOrdering);
    this.sent = metrics.getNumRecordsSendCounter();
    this.sendErrors = metrics.getNumRecordsSendErrorsCounter();
    metrics.gauge(RuntimeContract.SINK_IN_FLIGHT_REQUESTS, scheduler::inFlightRequests);
    metrics.gauge(RuntimeContract.SINK_BUFFERED_WRITES, scheduler::buffered);
    metrics.gauge(RuntimeContract.SINK_COMPLETED_WRITES, () -> completedWrites);
    metrics.gauge("viewsSinkSupersededWrites", scheduler::superseded);
    // State of the connector's DynamoDbSink (this operator's sink up to version 0.1.0): writes it had buffered at the
    // checkpoint. They are older than anything written after the restore, so they are queued first.
    for (BufferedRequestState<DynamoDbWriteRequest> state : restored) {
      for (RequestEntryWrapper<DynamoDbWriteRequest> entry : state.getBufferedRequestEntries()) {
        DynamoDbWriteRequest r = entry.getRequestEntry();
        if (r.getType() == DynamoDbWriteRequestType.PUT) {
          scheduler.add(key(r.getItem()), r.getItem());
        }
      }
    }
  }

  @Override
  public void write(WindowTotal total, Context context) throws IOException, InterruptedException {
    throwIfFailed();
    Map<String, AttributeValue> item = ViewItems.windowItem(settings.viewName, total, time.getCurrentProcessingTime());
    scheduler.add(key(item), item);
    send(false);
    while (scheduler.buffered() >= settings.maxBufferedWrites) {
      mailbox.yield(); // backpressure: wait for a response (or a retry timer) before accepting more
      throwIfFailed();
      send(false);
    }
  }

  @Override
  public void flush(boolean endOfInput) throws IOException, InterruptedException {
    throwIfFailed();
    send(true);
    while (!scheduler.idle()) {
      mailbox.yield();
      throwIfFailed();
      send(true);
    }
  }

  /** Always empty: {@link #flush} ran before every snapshot, so nothing is buffered. */
  @Override
  public List<BufferedRequestState<DynamoDbWriteRequest>> snapshotState(long checkpointId) {
    return List.of();
  }

  @Override
  public void close() {
    client.close();
  }

  private void send(boolean flushing) {
    List<Map.Entry<String, Map<String, AttributeValue>>> batch;
    while (!(batch = scheduler.nextBatch(flushing)).isEmpty()) {
      List<WriteRequest> puts = new ArrayList<>(batch.size());
      for (Map.Entry<String, Map<String, AttributeValue>> e : batch) {
        puts.add(WriteRequest.builder().putRequest(PutRequest.builder().item(e.getValue()).build()).build());
      }
      BatchWriteItemRequest request =
          BatchWriteItemRequest.builder().requestItems(Map.of(settings.tableName, puts)).build();
      List<Map.Entry<String, Map<String, AttributeValue>>> inRequest = batch;
      CompletableFuture<BatchWriteItemResponse> response;
      try {
        response = client.getClient().batchWriteItem(request);
      } catch (RuntimeException e) {
        response = CompletableFuture.failedFuture(e);
      }
      response.whenComplete(
          (r, err) -> mailbox.execute(() -> answered(inRequest, r, err), "views sink: BatchWriteItem answered"));
    }
  }

  private void answered(
      List<Map.Entry<String, Map<String, AttributeValue>>> batch, BatchWriteItemResponse response, Throwable err)
      throws IOException {
    List<Map.Entry<String, Map<String, AttributeValue>>> failed = new ArrayList<>();
    Set<String> failedKeys = new HashSet<>();
    if (err != null) {
      Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      if (!FATAL.isFatal(cause, e -> fatal = e)) { // isFatal is true when the error is NOT fatal
        scheduler.answered(List.of(), 0);
        throwIfFailed(); // fails the task: this runs in its mailbox
      }
      LOG.warn("views sink: BatchWriteItem of {} items failed, retrying", batch.size(), cause);
      failed.addAll(batch);
      batch.forEach(e -> failedKeys.add(e.getKey()));
    } else {
      List<WriteRequest> unprocessed =
          response.hasUnprocessedItems()
              ? response.unprocessedItems().getOrDefault(settings.tableName, List.of())
              : List.of();
      if (!unprocessed.isEmpty()) {
        for (WriteRequest w : unprocessed) {
          failedKeys.add(key(w.putRequest().item()));
        }
        for (Map.Entry<String, Map<String, AttributeValue>> e : batch) {
          if (failedKeys.contains(e.getKey())) {
            failed.add(e);
          }
        }
      }
    }
    List<String> written = new ArrayList<>(batch.size() - failed.size());
    for (Map.Entry<String, Map<String, AttributeValue>> e : batch) {
      if (!failedKeys.contains(e.getKey())) {
        written.add(e.getKey());
      }
    }
    completedWrites += written.size();
    sent.inc(written.size());
    scheduler.answered(written, failed.size());
    if (failed.isEmpty()) {
      consecutiveFailures = 0;
    } else {
      sendErrors.inc(failed.size());
      long delay = backoffMillis(++consecutiveFailures);
      time.registerTimer(
          time.getCurrentProcessingTime() + delay,
          t -> {
            scheduler.retry(failed);
            send(false);
          });
    }
    send(false);
  }

  /** Exponential back-off with full jitter, capped. */
  static long backoffMillis(int attempt) {
    long ceiling = Math.min(BACKOFF_MAX_MILLIS, BACKOFF_BASE_MILLIS << Math.min(attempt - 1, 20));
    return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
  }

  private void throwIfFailed() throws IOException {
    if (fatal != null) {
      throw new IOException("views sink: writing to " + settings.tableName + " failed and cannot be retried", fatal);
    }
  }

  /** The item key (pk, sk): one window of one view. */
  static String key(Map<String, AttributeValue> item) {
    return item.get(ViewItems.PK).s() + '\u0000' + item.get(ViewItems.SK).s();
  }
}
