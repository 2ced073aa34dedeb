package dev.streamlake.flink.functions;

/** A record that breaks the event contract; cheap (no stack trace) because malformed records are routine. */
public final class MalformedEventException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public MalformedEventException(String reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  /** The short category written to the dead letters. */
  public String reason() {
    return reason;
  }
}
