package dev.streamlake.flink.functions;

/** Strict parsing of the contract's occurredAt ({@code yyyy-MM-ddTHH:mm:ss.SSSZ}, a real UTC instant). */
public final class Timestamps {
  /** Returned when the text does not have the shape yyyy-MM-ddTHH:mm:ss.SSSZ (ASCII digits). */
  public static final long BAD_SHAPE = Long.MIN_VALUE;

  /** Returned when the shape is right but the fields are not a calendar instant (02-30, 24:00, :60, month 0). */
  public static final long NOT_AN_INSTANT = Long.MIN_VALUE + 1;

  private Timestamps() {}

  /** Epoch milliseconds, {@link #BAD_SHAPE} or {@link #NOT_AN_INSTANT}. Allocation-free: it runs once per event. */
  public static long parseContractInstant(String s) {
    if (s.length() != 24
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(19) != '.'
        || s.charAt(23) != 'Z') {
      return BAD_SHAPE;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    int millis = digits(s, 20, 3);
    if ((year | month | day | hour | minute | second | millis) < 0) {
      return BAD_SHAPE;
    }
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
        || second < 0 || second > 59) {
      return NOT_AN_INSTANT;
    }
    if (day > daysInMonth(year, month)) {
      return NOT_AN_INSTANT;
    }
    long days = daysFromCivil(year, month, day);
    return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
  }

  private static int digits(String s, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1_000_000;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static int daysInMonth(int year, int month) {
    switch (month) {
      case 2:
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return leap ? 29 : 28;
      case 4:
      case 6:
      case 9:
      case 11:
        return 30;
      default:
        return 31;
    }
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
  private static long daysFromCivil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }
}
