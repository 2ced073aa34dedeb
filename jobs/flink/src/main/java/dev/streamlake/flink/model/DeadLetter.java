package dev.streamlake.flink.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** A record that is not counted, with why: a contract violation or an event later than the allowed lateness. */
public class DeadLetter {
  /** Reason returned by the contract for too-late events. */
  public static final String TOO_LATE = "too_late";
  /** {@link #occurredAt} of a record whose event time cannot be read. */
  public static final long UNTIMED = Long.MIN_VALUE;

  /** Short category (e.g. invalid_json, too_late). */
  public String reason;
  /** Human-readable detail (which field, which rule). */
  public String detail;
  /** The record as received (UTF-8 decoded with replacement characters when it is not valid UTF-8). */
  public String payload;
  /** SHA-256 (hex) of the record's bytes as received: with the reason, what identifies this dead letter. */
  public String recordSha256;
  /** The record's occurredAt (epoch ms) when it can be read, else {@link #UNTIMED}. */
  public long occurredAt = UNTIMED;

  public DeadLetter() {}

  public DeadLetter(String reason, String detail, String payload) {
    this.reason = reason;
    this.detail = detail;
    this.payload = payload;
  }

  /** Sets what identifies the record (its hash) and its event time, if known. */
  public DeadLetter identifiedBy(String recordSha256, long occurredAt) {
    this.recordSha256 = recordSha256;
    this.occurredAt = occurredAt;
    return this;
  }

  /** SHA-256 of bytes, lower-case hex. */
  public static String sha256(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      StringBuilder hex = new StringBuilder(64);
      for (byte b : digest) {
        hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The hash of the payload text, for letters built without {@link #identifiedBy}. */
  public String recordSha256OrPayloadHash() {
    return recordSha256 != null
        ? recordSha256
        : sha256((payload == null ? "" : payload).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "DeadLetter{" + reason + ": " + detail + "}";
  }
}
