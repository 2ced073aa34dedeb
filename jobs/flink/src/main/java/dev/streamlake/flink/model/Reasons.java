package dev.streamlake.flink.model;

/**
 * Dead-letter reason categories, identical in every implementation of the event contract (see
 * test/fixtures/generate.py, the independent reference). When a record breaks several rules, the first failing field
 * in contract order (eventId, type, userId, contentId, occurredAt, region, device, watchSeconds) names the reason.
 */
public final class Reasons {
  private Reasons() {}

  public static final String INVALID_UTF8 = "invalid_utf8";
  public static final String INVALID_JSON = "invalid_json";
  public static final String NOT_AN_OBJECT = "not_an_object";
  /** occurredAt has the right shape but is not a calendar instant (2026-02-30, 24:00, :60). */
  public static final String INVALID_TIMESTAMP = "invalid_timestamp";
  /** A valid watchSeconds on a type other than heartbeat and view_end. */
  public static final String WATCH_SECONDS_NOT_ALLOWED = "watch_seconds_not_allowed";
  /** Later than the allowed lateness of its window. */
  public static final String TOO_LATE = DeadLetter.TOO_LATE;

  /** A field missing, of the wrong JSON type, or breaking its rule: {@code schema:<field>}. */
  public static String schema(String field) {
    return "schema:" + field;
  }
}
