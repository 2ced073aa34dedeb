package dev.streamlake.flink.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamlake.flink.model.WindowTotal;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.connector.dynamodb.sink.client.DynamoDbAsyncClientProvider;
import org.apache.flink.connector.dynamodb.sink.client.SdkClientProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Regression test of the views sink's per-key ordering against a real DynamoDB emulator (dynalite): the first write of a
 * window total is throttled and retried while a late correction of the same window arrives. The table must end with
 * the correction. A sink that lets one key be in two requests at once (the connector with several requests in flight,
 * before the one-request fix) ends with the stale total: the last test shows this check catches it.
 */
class ViewsSinkOrderingDynaliteTest {
  static final String TABLE = "views";
  static Dynalite dynalite;
  static SdkClientProvider<DynamoDbAsyncClient> real;

  final TestMailbox mailbox = new TestMailbox();

  @BeforeAll
  static void startDynalite() throws Exception {
    dynalite = Dynalite.start();
    Properties p = new Properties();
    p.setProperty("aws.region", "us-east-1");
    p.setProperty("aws.endpoint", dynalite.endpoint);
    p.setProperty("aws.credentials.provider", "BASIC");
    p.setProperty("aws.credentials.provider.basic.accesskeyid", "local");
    p.setProperty("aws.credentials.provider.basic.secretkey", "local");
    real = new DynamoDbAsyncClientProvider(p);
    real.getClient()
        .createTable(
            CreateTableRequest.builder()
                .tableName(TABLE)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                    AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build(),
                    AttributeDefinition.builder().attributeName("sk").attributeType(ScalarAttributeType.S).build())
                .keySchema(
                    KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                    KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build())
                .build())
        .join();
  }

  @AfterAll
  static void stopDynalite() throws Exception {
    if (real != null) {
      real.close();
    }
    if (dynalite != null) {
      dynalite.close();
    }
  }

  @AfterEach
  void closeMailbox() {
    mailbox.close();
  }

  /** How the first write of the window fails (both are retried by the sink). */
  enum Failure {
    /** BatchWriteItem succeeds but returns the item in UnprocessedItems (throttled). */
    UNPROCESSED_ITEM,
    /** The whole request fails with a retryable error. */
    REQUEST_THROTTLED
  }

  /**
   * Passes requests to dynalite, except the first one, which it holds until {@link #fail} and then answers with the
   * chosen failure without writing anything.
   */
  static final class FirstRequestFails implements DynamoDbAsyncClient {
    final Failure failure;
    final CompletableFuture<BatchWriteItemResponse> first = new CompletableFuture<>();
    final ConcurrentLinkedQueue<CompletableFuture<?>> passed = new ConcurrentLinkedQueue<>();
    List<WriteRequest> firstItems;

    FirstRequestFails(Failure failure) {
      this.failure = failure;
    }

    @Override
    public synchronized CompletableFuture<BatchWriteItemResponse> batchWriteItem(BatchWriteItemRequest request) {
      if (firstItems == null) {
        firstItems = request.requestItems().get(TABLE);
        return first;
      }
      CompletableFuture<BatchWriteItemResponse> r = real.getClient().batchWriteItem(request);
      passed.add(r);
      return r;
    }

    /** Waits for every request passed to dynalite so far, then fails the held first one. */
    void fail() {
      passed.forEach(CompletableFuture::join);
      if (failure == Failure.UNPROCESSED_ITEM) {
        first.complete(BatchWriteItemResponse.builder().unprocessedItems(Map.of(TABLE, firstItems)).build());
      } else {
        first.completeExceptionally(
            ProvisionedThroughputExceededException.builder().statusCode(400).message("throttled").build());
      }
    }

    @Override
    public String serviceName() {
      return "dynamodb";
    }

    @Override
    public void close() {}
  }

  static WindowTotal total(String content, long count) {
    return new WindowTotal(content, "like", 1_795_218_000_000L, count, 0); // 2026-11-20T23:40Z
  }

  long storedCount(String content) {
    Map<String, AttributeValue> key =
        Map.of("pk", AttributeValue.fromS("flink-v1#" + content + "#like"), "sk", AttributeValue.fromS("m#2026-11-20T23:40"));
    return Long.parseLong(
        real.getClient().getItem(GetItemRequest.builder().tableName(TABLE).key(key).consistentRead(true).build())
            .join().item().get("eventCount").n());
  }

  /** Writes total 10, then the late correction 11 of the same window while 10 is in flight and then fails. */
  long lastTotalWritten(String content, Failure failure, boolean keyOrdering) throws Exception {
    FirstRequestFails client = new FirstRequestFails(failure);
    ViewsSink.Settings s = new ViewsSink.Settings(TABLE, "flink-v1", new Properties(), 25, 8, 10_000, keyOrdering);
    SdkClientProvider<DynamoDbAsyncClient> provider =
        new SdkClientProvider<>() {
          @Override
          public DynamoDbAsyncClient getClient() {
            return client;
          }

          @Override
          public void close() {}
        };
    ViewsSinkWriter w = new ViewsSinkWriter(s, mailbox, mailbox, mailbox.metrics(), provider, List.of());
    w.write(total(content, 10), null); // sent at once, held by the client
    w.write(total(content, 11), null); // the late correction
    mailbox.drain();
    client.fail();
    w.flush(false);
    w.close();
    assertTrue(client.firstItems != null && client.firstItems.size() == 1, "the first request held the first total");
    return storedCount(content);
  }

  @ParameterizedTest
  @EnumSource(Failure.class)
  void aRetriedWriteAndALateCorrectionOfTheSameKeyEndWithTheLatestTotal(Failure failure) throws Exception {
    assertEquals(11, lastTotalWritten("ordered-" + failure, failure, true));
  }

  @ParameterizedTest
  @EnumSource(Failure.class)
  void aSinkThatAllowsTwoWritesOfOneKeyInFlightLeavesTheStaleTotal(Failure failure) throws Exception {
    // The check above fails on such a sink: the retried first total lands after the correction.
    assertEquals(10, lastTotalWritten("unordered-" + failure, failure, false));
  }
}
