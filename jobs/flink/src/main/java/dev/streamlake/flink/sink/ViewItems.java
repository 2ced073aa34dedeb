package dev.streamlake.flink.sink;

import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.TimeFormat;
import dev.streamlake.flink.model.WindowTotal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
  public static final String DEAD_LETTER_PREFIX = "deadletter#";

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
   * A dead-letter item: pk = deadletter#{view}#{day received}, sk = {reason}#{sha256(payload)}, so a replay of the same
   * record overwrites its item rather than adding one.
   */
  public static Map<String, AttributeValue> deadLetterItem(
      String view, DeadLetter d, long nowMillis, int ttlDays) {
    String payload = d.payload == null ? "" : d.payload;
    Map<String, AttributeValue> item = new HashMap<>(10);
    item.put(PK, s(DEAD_LETTER_PREFIX + view + "#" + TimeFormat.day(nowMillis)));
    item.put(SK, s(d.reason + "#" + sha256(payload)));
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

  static String sha256(String payload) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(payload.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(64);
      for (byte b : digest) {
        hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static AttributeValue s(String value) {
    // DynamoDB rejects empty strings in key attributes only, but keep every attribute non-empty for readers.
    return AttributeValue.builder().s(value.isEmpty() ? "-" : value).build();
  }

  private static AttributeValue n(long value) {
    return AttributeValue.builder().n(Long.toString(value)).build();
  }
}
