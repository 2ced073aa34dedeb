package dev.streamlake.flink.sink;

import dev.streamlake.flink.config.RuntimeContract;
import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.TimeFormat;
import dev.streamlake.flink.model.WindowTotal;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB items of the views table (key design: {@code lib/contracts/view-table.json}) and of the dead letters.
 * Pure functions of their input and a clock, so they are unit-tested without a sink.
 */
public final class ViewItems {
  public static final String PK = "pk";
  public static final String SK = "sk";
  public static final String EVENT_COUNT = "eventCount";
  public static final String WATCH_SECONDS = "watchSeconds";
  public static final String BUCKET_START = "bucketStart";
  public static final String UPDATED_AT = "updatedAt";
  public static final String EXPIRES_AT = "expiresAt";
  public static final String MINUTE_PREFIX = "m#";
  public static final String DEAD_LETTER_PREFIX = RuntimeContract.DEAD_LETTER_PREFIX;

  /** DynamoDB items are at most 400 KB; the payload is cut to leave room for the other attributes. */
  static final int MAX_PAYLOAD_CHARS = 100_000;

  private ViewItems() {}

  /** The minute row of a window total: PUT as a whole, so re-emissions and replays overwrite instead of adding. */
  public static Map<String, AttributeValue> windowItem(String view, WindowTotal t, long nowMillis) {
    Map<String, AttributeValue> item = new HashMap<>(8);
    item.put(PK, s(view + "#" + t.contentId + "#" + t.type));
    item.put(SK, s(MINUTE_PREFIX + t.minute()));
    item.put(EVENT_COUNT, n(t.count));
    item.put(WATCH_SECONDS, n(t.watchSeconds));
    item.put(BUCKET_START, s(TimeFormat.iso(t.windowStart)));
    item.put(UPDATED_AT, s(TimeFormat.iso(nowMillis)));
    return item;
  }

  /**
   * A dead-letter item, keyed by the record alone (lib/contracts/flink-runtime.json, {@code deadLetterKeys}): pk =
   * deadletter#{view}#{day of its occurredAt, or "undated"}, sk = {reason}#{sha256 of the record's bytes}. The same
   * record dead-lettered again (a replay, a restore, a retried write, another day) overwrites its item.
   */
  public static Map<String, AttributeValue> deadLetterItem(
      String view, DeadLetter d, long nowMillis, int ttlDays) {
    String payload = d.payload == null ? "" : d.payload;
    Map<String, AttributeValue> item = new HashMap<>(10);
    item.put(PK, s(deadLetterPartitionKey(view, d.occurredAt)));
    item.put(SK, s(d.reason + "#" + d.recordSha256OrPayloadHash()));
    item.put("reason", s(d.reason));
    item.put("detail", s(d.detail == null || d.detail.isEmpty() ? "-" : d.detail));
    item.put(
        "payload",
        s(payload.length() > MAX_PAYLOAD_CHARS ? payload.substring(0, MAX_PAYLOAD_CHARS) : payload));
    item.put("payloadTruncated", AttributeValue.builder().bool(payload.length() > MAX_PAYLOAD_CHARS).build());
    item.put("receivedAt", s(TimeFormat.iso(nowMillis)));
    if (ttlDays > 0) {
      item.put(EXPIRES_AT, n(nowMillis / 1000 + ttlDays * 86_400L));
    }
    return item;
  }

  /** deadletter#{view}#{yyyy-MM-dd of occurredAt}, or deadletter#{view}#undated when the time is unknown. */
  public static String deadLetterPartitionKey(String view, long occurredAt) {
    return RuntimeContract.DEAD_LETTER_PREFIX
        + view
        + "#"
        + (occurredAt == DeadLetter.UNTIMED ? RuntimeContract.DEAD_LETTER_UNDATED : TimeFormat.day(occurredAt));
  }

  private static AttributeValue s(String value) {
    // DynamoDB rejects empty strings in key attributes only, but keep every attribute non-empty for readers.
    return AttributeValue.builder().s(value.isEmpty() ? "-" : value).build();
  }

  private static AttributeValue n(long value) {
    return AttributeValue.builder().n(Long.toString(value)).build();
  }
}
