package dev.streamlake.flink.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamlake.flink.config.RuntimeContract;
import dev.streamlake.flink.model.WindowTotal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequest;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequestType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** The views sink writer against the in-process fake, driven like a task drives it (write, flush, mailbox). */
class ViewsSinkWriterTest {
  static final long MINUTE = 1_763_682_000_000L; // 2025-11-20T23:40:00Z

  private final TestMailbox mailbox = new TestMailbox();
  private final FakeDynamoDb db = new FakeDynamoDb(2_000);

  @AfterEach
  void close() {
    mailbox.close();
    db.close();
  }

  ViewsSinkWriter writer(int maxInFlight, List<BufferedRequestState<DynamoDbWriteRequest>> restored) {
    ViewsSink.Settings s =
        new ViewsSink.Settings("views", "flink-v1", new Properties(), 25, maxInFlight, 10_000, true);
    return new ViewsSinkWriter(s, mailbox, mailbox, mailbox.metrics(), db.provider(), restored);
  }

  static WindowTotal total(int content, int minute, long count) {
    return new WindowTotal("c" + content, "like", MINUTE + minute * 60_000L, count, 0);
  }

  static long countIn(Map<String, AttributeValue> item) {
    return Long.parseLong(item.get(ViewItems.EVENT_COUNT).n());
  }

  long stored(int content, int minute) {
    return countIn(db.table.get("flink-v1#c" + content + "#like\u0000m#" + total(content, minute, 0).minute()));
  }

  @Test
  void writesEveryTotalInBatchesWithSeveralRequestsInFlightAndFlushWaitsForEveryAcknowledgement() throws Exception {
    ViewsSinkWriter w = writer(8, List.of());
    for (int round = 1; round <= 3; round++) {
      for (int c = 0; c < 400; c++) {
        w.write(total(c, 0, round * 1000 + c), null);
      }
    }
    w.flush(false);
    assertEquals(400, db.table.size());
    for (int c = 0; c < 400; c++) {
      assertEquals(3000 + c, stored(c, 0), "the newest total of key " + c);
    }
    assertTrue(db.maxInFlight.get() > 1, "requests overlapped: " + db.maxInFlight.get());
    assertTrue(db.maxInFlight.get() <= 8, "never more than the limit: " + db.maxInFlight.get());
    assertTrue(db.violations.isEmpty(), db.violations.toString());
    assertEquals(0, mailbox.gauge(RuntimeContract.SINK_IN_FLIGHT_REQUESTS));
    assertEquals(0, mailbox.gauge(RuntimeContract.SINK_BUFFERED_WRITES));
    // Written + superseded before sending = accepted; written is what DynamoDB acknowledged.
    assertEquals(db.itemsWritten.get(), mailbox.gauge(RuntimeContract.SINK_COMPLETED_WRITES));
    assertEquals(1200, db.itemsWritten.get() + mailbox.gauge("viewsSinkSupersededWrites"));
  }

  @Test
  void withOneRequestInFlightRequestsNeverOverlap() throws Exception {
    ViewsSinkWriter w = writer(1, List.of());
    for (int c = 0; c < 300; c++) {
      w.write(total(c % 40, c / 40, c), null);
    }
    w.flush(true);
    assertEquals(1, db.maxInFlight.get());
    assertEquals(300, db.table.size());
  }

  @Test
  void unprocessedItemsAreRetriedAndANewerTotalWaitingForTheKeyReplacesTheRetry() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    // The first request comes back with every item unprocessed (throttled), the rest succeed.
    db.faults = items -> calls.getAndIncrement() == 0 ? new ArrayList<>(items) : List.of();
    ViewsSinkWriter w = writer(4, List.of());
    w.write(total(1, 0, 10), null); // sent at once (capacity free)
    w.write(total(2, 0, 20), null);
    w.write(total(1, 0, 11), null); // key 1 is locked: waits for the first write of key 1
    w.flush(false);
    assertEquals(11, stored(1, 0), "the late correction landed last");
    assertEquals(20, stored(2, 0));
    assertTrue(db.violations.isEmpty(), db.violations.toString());
  }

  @Test
  void aRetryableErrorRetriesTheWholeRequest() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    db.faults = items -> {
      if (calls.getAndIncrement() < 2) {
        throw DynamoDbException.builder().statusCode(500).message("internal server error").build();
      }
      return List.of();
    };
    ViewsSinkWriter w = writer(4, List.of());
    w.write(total(1, 0, 5), null);
    w.flush(false);
    assertEquals(5, stored(1, 0));
    assertTrue(calls.get() >= 3);
  }

  @Test
  void aMissingTableFailsTheJobInsteadOfRetryingForever() throws Exception {
    db.faults = items -> {
      throw ResourceNotFoundException.builder().message("Requested resource not found").build();
    };
    ViewsSinkWriter w = writer(4, List.of());
    w.write(total(1, 0, 5), null);
    IllegalStateException failedMail = assertThrows(IllegalStateException.class, () -> w.flush(false));
    assertTrue(failedMail.getCause() instanceof IOException, String.valueOf(failedMail.getCause()));
    assertThrows(IOException.class, () -> w.write(total(2, 0, 1), null));
  }

  @Test
  void writesBufferedByTheConnectorSinkInARestoredCheckpointAreWrittenFirst() throws Exception {
    Map<String, AttributeValue> older = ViewItems.windowItem("flink-v1", total(7, 3, 1), 0);
    DynamoDbWriteRequest put =
        DynamoDbWriteRequest.builder().setType(DynamoDbWriteRequestType.PUT).setItem(older).build();
    BufferedRequestState<DynamoDbWriteRequest> state =
        new BufferedRequestState<>(List.of(new RequestEntryWrapper<>(put, 100)));
    ViewsSinkWriter w = writer(4, List.of(state));
    assertEquals(1, mailbox.gauge(RuntimeContract.SINK_BUFFERED_WRITES));
    w.flush(false);
    assertEquals(1, stored(7, 3));
    assertTrue(w.snapshotState(1).isEmpty(), "nothing is buffered at a checkpoint");
  }

  @Test
  void theFakeRejectsWhatDynamoDbRejects() {
    // The checks above rely on the fake noticing a key twice in one request.
    Map<String, AttributeValue> item = ViewItems.windowItem("flink-v1", total(1, 0, 1), 0);
    WriteRequest put =
        WriteRequest.builder()
            .putRequest(software.amazon.awssdk.services.dynamodb.model.PutRequest.builder().item(item).build())
            .build();
    assertThrows(
        Exception.class,
        () -> db.batchWriteItem(
                software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest.builder()
                    .requestItems(Map.of("views", List.of(put, put)))
                    .build())
            .join());
  }
}
