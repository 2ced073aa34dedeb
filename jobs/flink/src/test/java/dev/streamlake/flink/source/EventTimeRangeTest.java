package dev.streamlake.flink.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventTimeRangeTest {
  private static final Instant FROM = Instant.parse("2026-11-20T23:00:00Z");
  private static final Instant UNTIL = Instant.parse("2026-11-20T23:55:00Z");
  private static final EventTimeRange RANGE = EventTimeRange.of(FROM, UNTIL);

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] event(String occurredAt) {
    return b("{\"eventId\":\"x\",\"occurredAt\":\"" + occurredAt + "\",\"type\":\"like\"}");
  }

  @Test
  void keepsEventsInsideTheHalfOpenRangeOnly() {
    assertTrue(RANGE.keeps(event("2026-11-20T23:00:00.000Z")), "from is inclusive");
    assertTrue(RANGE.keeps(event("2026-11-20T23:54:59.999Z")));
    assertFalse(RANGE.keeps(event("2026-11-20T23:55:00.000Z")), "until is exclusive");
    assertFalse(RANGE.keeps(event("2026-11-20T22:59:59.999Z")));
  }

  @Test
  void readsTheInstantWithWhitespaceAroundTheColon() {
    assertEquals(
        Instant.parse("2026-11-20T23:10:00Z").toEpochMilli(),
        EventTimeRange.occurredAt(b("{ \"occurredAt\" :\t \"2026-11-20T23:10:00.000Z\" }")));
  }

  @Test
  void keepsRecordsWhoseEventTimeCannotBeReadSoThatParsingDeadLettersThem() {
    assertTrue(RANGE.keeps(b("not json at all")));
    assertTrue(RANGE.keeps(b("{\"eventId\":\"x\"}")), "missing occurredAt");
    assertTrue(RANGE.keeps(event("2026-11-31T23:00:00.000Z")), "not a calendar instant");
    assertTrue(RANGE.keeps(event("2026-11-20 23:00:00.000Z")), "wrong shape");
    assertTrue(RANGE.keeps(b("{\"occurredAt\":1763679600000}")), "not a string");
    assertTrue(
        RANGE.keeps(b("{\"occurredAt\":\"2026-11-20T22:00:00.000Z\",\"occurredAt\":\"2026-11-20T22:00:00.000Z\"}")),
        "a key given twice is left to the parser");
  }

  @Test
  void allKeepsEverythingAndOpenBoundsWork() {
    assertTrue(EventTimeRange.ALL.keeps(event("1999-01-01T00:00:00.000Z")));
    EventTimeRange since = EventTimeRange.of(UNTIL, null);
    assertTrue(since.keeps(event("2030-01-01T00:00:00.000Z")));
    assertFalse(since.keeps(event("2026-11-20T23:54:00.000Z")));
  }

  @Test
  void rejectsAnEmptyRange() {
    assertThrows(IllegalArgumentException.class, () -> EventTimeRange.of(UNTIL, FROM));
    assertThrows(IllegalArgumentException.class, () -> EventTimeRange.of(FROM, FROM));
  }
}
