package dev.streamlake.flink.sink;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.flink.connector.dynamodb.sink.client.SdkClientProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * An in-process stand-in for DynamoDB's BatchWriteItem with a fixed latency per request (the benchmark's "DynamoDB-like
 * latency", and unit tests). It checks what DynamoDB checks (≤ 25 items, no key twice in one request) and what the
 * views sink promises (no key in two outstanding requests), and applies a request's PUTs when it answers it.
 */
public final class FakeDynamoDb implements DynamoDbAsyncClient {
  /** Every fake created by {@link #factory} (the benchmark reads their counters after a run). */
  public static final Queue<FakeDynamoDb> CREATED = new ConcurrentLinkedQueue<>();

  private final long latencyMicros;
  private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fake-dynamodb");
    t.setDaemon(true);
    return t;
  });
  /** The table: item key (pk, sk) → item. */
  public final Map<String, Map<String, AttributeValue>> table = new ConcurrentHashMap<>();
  private final Set<String> outstandingKeys = ConcurrentHashMap.newKeySet();
  public final AtomicLong requests = new AtomicLong();
  public final AtomicLong itemsWritten = new AtomicLong();
  public final AtomicInteger inFlight = new AtomicInteger();
  public final AtomicInteger maxInFlight = new AtomicInteger();
  /** Violations of the sink's promises (a key in two outstanding requests), as messages. */
  public final Queue<String> violations = new ConcurrentLinkedQueue<>();
  /**
   * Optional fault injection, asked once per request before it is applied: returns the items to leave unprocessed
   * (throttled), or throws to fail the whole request. Default: none.
   */
  public volatile Function<List<WriteRequest>, List<WriteRequest>> faults = items -> List.of();

  /** False: count writes without keeping the items (benchmarks write millions). */
  private final boolean keepItems;
  /** System.nanoTime() of the first request and of the last answer. */
  public volatile long firstRequestNanos;
  public volatile long lastAnswerNanos;
  /** Sum over requests of the time from the request to its answer (the latency the sink saw). */
  public final AtomicLong answerNanos = new AtomicLong();

  public FakeDynamoDb(long latencyMicros) {
    this(latencyMicros, true);
  }

  public FakeDynamoDb(long latencyMicros, boolean keepItems) {
    this.latencyMicros = latencyMicros;
    this.keepItems = keepItems;
  }

  /** A serializable client factory for {@link ViewsSink}: one fake per writer, each with this latency. */
  public static ViewsSink.ClientFactory factory(long latencyMicros, boolean keepItems) {
    return properties -> {
      FakeDynamoDb fake = new FakeDynamoDb(latencyMicros, keepItems);
      CREATED.add(fake);
      return fake.provider();
    };
  }

  public SdkClientProvider<DynamoDbAsyncClient> provider() {
    FakeDynamoDb self = this;
    return new SdkClientProvider<>() {
      @Override
      public DynamoDbAsyncClient getClient() {
        return self;
      }

      @Override
      public void close() {
        self.close();
      }
    };
  }

  @Override
  public CompletableFuture<BatchWriteItemResponse> batchWriteItem(BatchWriteItemRequest request) {
    if (requests.getAndIncrement() == 0) {
      firstRequestNanos = System.nanoTime();
    }
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    if (request.requestItems().size() != 1) {
      return fail("exactly one table per request expected");
    }
    String tableName = request.requestItems().keySet().iterator().next();
    List<WriteRequest> items = request.requestItems().get(tableName);
    if (items.isEmpty() || items.size() > 25) {
      return fail("Too many items requested for the BatchWriteItem call");
    }
    Set<String> keys = new HashSet<>();
    for (WriteRequest w : items) {
      String key = ViewsSinkWriter.key(w.putRequest().item());
      if (!keys.add(key)) {
        return fail("Provided list of item keys contains duplicates");
      }
      if (!outstandingKeys.add(key)) {
        violations.add("key " + key.replace('\u0000', ' ') + " sent while an earlier write of it was outstanding");
      }
    }
    CompletableFuture<BatchWriteItemResponse> answer = new CompletableFuture<>();
    long sentNanos = System.nanoTime();
    clock.schedule(
        () -> {
          answerNanos.addAndGet(System.nanoTime() - sentNanos);
          List<WriteRequest> unprocessed;
          try {
            unprocessed = faults.apply(items);
          } catch (RuntimeException e) {
            keys.forEach(outstandingKeys::remove);
            inFlight.decrementAndGet();
            answer.completeExceptionally(e);
            return;
          }
          Set<WriteRequest> skipped = new HashSet<>(unprocessed);
          for (WriteRequest w : items) {
            if (!skipped.contains(w)) {
              if (keepItems) {
                table.put(ViewsSinkWriter.key(w.putRequest().item()), w.putRequest().item());
              }
              itemsWritten.incrementAndGet();
            }
          }
          keys.forEach(outstandingKeys::remove);
          inFlight.decrementAndGet();
          lastAnswerNanos = System.nanoTime();
          BatchWriteItemResponse.Builder r = BatchWriteItemResponse.builder();
          if (!unprocessed.isEmpty()) {
            r.unprocessedItems(Map.of(tableName, new ArrayList<>(unprocessed)));
          }
          answer.complete(r.build());
        },
        latencyMicros,
        TimeUnit.MICROSECONDS);
    return answer;
  }

  private CompletableFuture<BatchWriteItemResponse> fail(String message) {
    inFlight.decrementAndGet();
    return CompletableFuture.failedFuture(
        DynamoDbException.builder()
            .message(message)
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationException").errorMessage(message).build())
            .build());
  }

  @Override
  public String serviceName() {
    return "dynamodb";
  }

  @Override
  public void close() {
    clock.shutdownNow();
  }
}
