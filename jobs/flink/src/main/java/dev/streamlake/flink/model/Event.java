package dev.streamlake.flink.model;

import java.util.Objects;

/** A valid event of the shared contract (a Flink POJO: public fields, no-arg constructor). */
public class Event {
  public String eventId;
  public String type;
  public String userId;
  public String contentId;
  /** occurredAt as epoch milliseconds (UTC). */
  public long occurredAt;

  public String region;
  public String device;
  /** watchSeconds, 0 when absent. */
  public int watchSeconds;

  public Event() {}

  /** The window key: contentId cannot contain '#', so the pair is unambiguous. */
  public String windowKey() {
    return contentId + "#" + type;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Event)) {
      return false;
    }
    Event e = (Event) o;
    return occurredAt == e.occurredAt
        && watchSeconds == e.watchSeconds
        && Objects.equals(eventId, e.eventId)
        && Objects.equals(type, e.type)
        && Objects.equals(userId, e.userId)
        && Objects.equals(contentId, e.contentId)
        && Objects.equals(region, e.region)
        && Objects.equals(device, e.device);
  }

  @Override
  public int hashCode() {
    return Objects.hash(eventId, occurredAt);
  }

  @Override
  public String toString() {
    return "Event{" + eventId + " " + type + " " + contentId + " @" + occurredAt + " ws=" + watchSeconds + "}";
  }
}
