package dev.streamlake.flink.model;

/** A record that is not counted, with why: a contract violation or an event later than the allowed lateness. */
public class DeadLetter {
  /** Reason returned by the contract for too-late events. */
  public static final String TOO_LATE = "too_late";

  /** Short category (e.g. invalid_json, too_late). */
  public String reason;
  /** Human-readable detail (which field, which rule). */
  public String detail;
  /** The record as received (UTF-8 decoded with replacement characters when it is not valid UTF-8). */
  public String payload;

  public DeadLetter() {}

  public DeadLetter(String reason, String detail, String payload) {
    this.reason = reason;
    this.detail = detail;
    this.payload = payload;
  }

  @Override
  public String toString() {
    return "DeadLetter{" + reason + ": " + detail + "}";
  }
}
