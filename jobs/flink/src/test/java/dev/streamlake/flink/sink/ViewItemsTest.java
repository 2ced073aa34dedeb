package dev.streamlake.flink.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamlake.flink.Fixtures;
import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.WindowTotal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ViewItemsTest {
  private static final long WINDOW = Instant.parse("2026-11-20T23:59:00Z").toEpochMilli();
  private static final long NOW = Instant.parse("2026-11-21T00:00:07.123Z").toEpochMilli();

  @Test
  void attributeNamesFollowTheViewTableContract() throws Exception {
    JsonNode table = Fixtures.json("lib/contracts/view-table.json");
    assertEquals(table.get("partitionKey").asText(), ViewItems.PK);
    assertEquals(table.get("sortKey").asText(), ViewItems.SK);
    JsonNode attributes = table.get("attributes");
    assertEquals(attributes.get("count").asText(), ViewItems.EVENT_COUNT);
    assertEquals(attributes.get("watchSeconds").asText(), ViewItems.WATCH_SECONDS);
    assertEquals(attributes.get("bucketStart").asText(), ViewItems.BUCKET_START);
    assertEquals(attributes.get("updatedAt").asText(), ViewItems.UPDATED_AT);
    assertEquals(attributes.get("expiresAt").asText(), ViewItems.EXPIRES_AT);
    assertEquals("m#{yyyy-MM-ddTHH:mm}", table.get("minuteSortKeyFormat").asText());
    assertEquals("{view}#{contentId}#{type}", table.get("partitionKeyFormat").asText());
    assertEquals("flink-v", table.get("views").get("flinkPrefix").asText());
  }

  @Test
  void aWindowTotalIsOneMinuteRowOfTheFlinkView() {
    Map<String, AttributeValue> item =
        ViewItems.windowItem("flink-v1", new WindowTotal("match-1", "heartbeat", WINDOW, 3, 95), NOW);
    assertEquals("flink-v1#match-1#heartbeat", item.get("pk").s());
    assertEquals("m#2026-11-20T23:59", item.get("sk").s());
    assertEquals("3", item.get("eventCount").n());
    assertEquals("95", item.get("watchSeconds").n());
    assertEquals("2026-11-20T23:59:00.000Z", item.get("bucketStart").s());
    assertEquals("2026-11-21T00:00:07.123Z", item.get("updatedAt").s());
    assertEquals(Set.of("pk", "sk", "eventCount", "watchSeconds", "bucketStart", "updatedAt"), item.keySet());
  }

  @Test
  void aDeadLetterWithoutAReadableTimeIsKeyedUndatedByReasonAndPayloadHash() {
    Map<String, AttributeValue> item =
        ViewItems.deadLetterItem("flink-v1", new DeadLetter("invalid_json", "truncated", "ping"), NOW, 14);
    assertEquals("deadletter#flink-v1#undated", item.get("pk").s());
    // sha256("ping"), computed with sha256sum
    assertEquals(
        "invalid_json#758d61f26a44448384e5c4468a0dcb7a2abe456067b0f7b505bc28b9411fe931", item.get("sk").s());
    assertEquals("ping", item.get("payload").s());
    assertFalse(item.get("payloadTruncated").bool());
    assertEquals(String.valueOf(NOW / 1000 + 14 * 86_400), item.get("expiresAt").n());
  }

  @Test
  void aDeadLetterIsKeyedByTheDayOfItsEventAndTheHashOfTheRecordBytesNotByWhenItWasReceived() {
    byte[] record = {'{', (byte) 0xC3, '}'}; // not UTF-8: the payload text would lose the byte, the hash does not
    DeadLetter d =
        new DeadLetter("invalid_utf8", "x", "{\uFFFD}")
            .identifiedBy(DeadLetter.sha256(record), java.time.Instant.parse("2026-11-19T23:59:59.999Z").toEpochMilli());
    Map<String, AttributeValue> today = ViewItems.deadLetterItem("flink-v1", d, NOW, 14);
    Map<String, AttributeValue> nextWeek = ViewItems.deadLetterItem("flink-v1", d, NOW + 7 * 86_400_000L, 14);
    assertEquals("deadletter#flink-v1#2026-11-19", today.get("pk").s());
    assertEquals("invalid_utf8#" + DeadLetter.sha256(record), today.get("sk").s());
    assertEquals(today.get("pk"), nextWeek.get("pk"));
    assertEquals(today.get("sk"), nextWeek.get("sk"));
    DeadLetter other = new DeadLetter("invalid_utf8", "x", "{\uFFFD}").identifiedBy(
        DeadLetter.sha256(new byte[] {'{', (byte) 0xC4, '}'}), d.occurredAt);
    assertFalse(today.get("sk").equals(ViewItems.deadLetterItem("flink-v1", other, NOW, 14).get("sk")),
        "records that decode to the same text keep distinct keys");
  }

  @Test
  void theDeadLetterKeyIsTheSameForTheSameRecord() {
    DeadLetter d = new DeadLetter("schema:type", "type is missing", "{\"a\":1}");
    assertEquals(
        ViewItems.deadLetterItem("flink-v1", d, NOW, 0).get("sk"),
        ViewItems.deadLetterItem("flink-v1", d, NOW + 1000, 0).get("sk"));
    assertFalse(ViewItems.deadLetterItem("flink-v1", d, NOW, 0).containsKey("expiresAt"));
  }
}
