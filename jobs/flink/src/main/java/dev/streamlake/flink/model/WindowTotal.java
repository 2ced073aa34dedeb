package dev.streamlake.flink.model;

import java.util.Objects;

/** The running total of one 1-minute window of one (contentId, type): what the sink PUTs. */
public class WindowTotal {
  public String contentId;
  public String type;
  /** Window start, epoch milliseconds (UTC). */
  public long windowStart;

  public long count;
  public long watchSeconds;

  public WindowTotal() {}

  public WindowTotal(String contentId, String type, long windowStart, long count, long watchSeconds) {
    this.contentId = contentId;
    this.type = type;
    this.windowStart = windowStart;
    this.count = count;
    this.watchSeconds = watchSeconds;
  }

  /** Minute bucket {@code yyyy-MM-ddTHH:mm} (UTC). */
  public String minute() {
    return TimeFormat.minute(windowStart);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof WindowTotal)) {
      return false;
    }
    WindowTotal w = (WindowTotal) o;
    return windowStart == w.windowStart
        && count == w.count
        && watchSeconds == w.watchSeconds
        && Objects.equals(contentId, w.contentId)
        && Objects.equals(type, w.type);
  }

  @Override
  public int hashCode() {
    return Objects.hash(contentId, type, windowStart, count, watchSeconds);
  }

  @Override
  public String toString() {
    return contentId + "/" + type + "/" + minute() + " count=" + count + " watchSeconds=" + watchSeconds;
  }
}
