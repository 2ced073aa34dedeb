package dev.streamlake.flink.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TimestampsTest {
  @Test
  void parsesRealInstants() {
    assertEquals(0L, Timestamps.parseContractInstant("1970-01-01T00:00:00.000Z"));
    assertEquals(951782400123L, Timestamps.parseContractInstant("2000-02-29T00:00:00.123Z"));
    assertEquals(1795132800000L, Timestamps.parseContractInstant("2026-11-20T00:00:00.000Z"));
  }

  @Test
  void rejectsShapesThatAreNotCalendarInstants() {
    for (String bad :
        new String[] {
          "2026-02-29T00:00:00.000Z",
          "2100-02-29T00:00:00.000Z",
          "2026-04-31T00:00:00.000Z",
          "2026-13-01T00:00:00.000Z",
          "2026-00-10T00:00:00.000Z",
          "0000-01-01T00:00:00.000Z",
          "2026-11-20T24:00:00.000Z",
          "2026-11-20T23:60:00.000Z",
          "2026-11-20T23:59:60.000Z"
        }) {
      assertEquals(Timestamps.NOT_AN_INSTANT, Timestamps.parseContractInstant(bad), bad);
    }
  }

  @Test
  void rejectsMisshapenTimestamps() {
    for (String bad :
        new String[] {
          "2026-11-20T23:59:59.000+00:00",
          "2026-11-20T23:59:59.000z",
          "2026-11-2\u0661T23:59:59.000Z",
          "2026-11-20 23:59:59.000Z",
          "2026-11-20T23:59:59.00Z",
          "2026-11-2aT23:59:59.000Z",
          ""
        }) {
      assertEquals(Timestamps.BAD_SHAPE, Timestamps.parseContractInstant(bad), bad);
    }
  }
}
