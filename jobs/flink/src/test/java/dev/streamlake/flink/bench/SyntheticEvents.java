package dev.streamlake.flink.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction;

/**
 * Seeded in-memory source of contract events for the benchmark (so no emulator is measured). Each subtask emits its
 * share as fresh byte[] records, patched into per-type templates: event time advances 1 ms per record per subtask
 * with up to 3 s of jitter (out of order, within the watermark bound), 1% exact re-sends of a recent record (dropped
 * by the dedupe) and 0.1% malformed records (dead-lettered). 50 contentIds × 6 types.
 */
public class SyntheticEvents extends RichParallelSourceFunction<byte[]> {
  private static final long serialVersionUID = 1L;
  private static final long BASE = Instant.parse("2026-11-20T23:40:00Z").toEpochMilli();
  private static final String[] TYPES = {"view_start", "heartbeat", "heartbeat", "like", "view_end", "comment"};
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final long total;
  private volatile boolean running = true;

  public SyntheticEvents(long total) {
    this.total = total;
  }

  /** A record template: the JSON bytes and the offsets of the parts patched per record. */
  private static final class Template {
    final byte[] bytes;
    final int eventId;
    final int content;
    final int user;
    final int at;

    Template(String type) {
      String watch = type.equals("heartbeat") || type.equals("view_end") ? ",\"watchSeconds\":30" : "";
      String json =
          "{\"eventId\":\"00000000-0000-4000-8000-000000000000\",\"type\":\"" + type
              + "\",\"userId\":\"user-0000000\",\"contentId\":\"match-00\","
              + "\"occurredAt\":\"2026-11-20T23:40:00.000Z\",\"region\":\"IN-MH\",\"device\":\"android\""
              + watch + ",\"appVersion\":\"7.3.1\"}";
      bytes = json.getBytes(StandardCharsets.UTF_8);
      eventId = json.indexOf("00000000-0000");
      content = json.indexOf("match-00") + 6;
      user = json.indexOf("user-0000000") + 5;
      at = json.indexOf("2026-11-20T23:40:00.000Z");
    }
  }

  @Override
  public void run(SourceContext<byte[]> ctx) {
    int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    int subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    long count = total / subtasks + (subtask < total % subtasks ? 1 : 0);
    Template[] templates = new Template[TYPES.length];
    for (int t = 0; t < TYPES.length; t++) {
      templates[t] = new Template(TYPES[t]);
    }
    long seed = 0x9E3779B97F4A7C15L * (subtask + 1);
    for (long j = 0; j < count && running; j++) {
      seed ^= seed << 13;
      seed ^= seed >>> 7;
      seed ^= seed << 17;
      long r = seed & Long.MAX_VALUE;
      long serial = j;
      if (j > 100 && r % 100 == 0) {
        serial = j - 50; // an exact re-send of a recent record
      }
      long rs = mix(serial + ((long) subtask << 40));
      Template tpl = templates[(int) (rs % TYPES.length)];
      byte[] b = tpl.bytes.clone();
      writeHex(b, tpl.eventId + 24, serial, 12);
      writeHex(b, tpl.eventId, subtask, 8);
      writeDec(b, tpl.content, rs % 50, 2);
      writeDec(b, tpl.user, (rs >>> 8) % 10_000_000, 7);
      writeInstant(b, tpl.at, BASE + serial - (rs >>> 20) % 3000);
      if (r % 1000 == 1) {
        b = java.util.Arrays.copyOf(b, b.length - 9); // truncated: malformed
      }
      synchronized (ctx.getCheckpointLock()) {
        ctx.collect(b);
      }
    }
  }

  private static long mix(long x) {
    x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
    x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
    return (x ^ (x >>> 31)) & Long.MAX_VALUE;
  }

  private static void writeHex(byte[] b, int at, long value, int digits) {
    for (int i = digits - 1; i >= 0; i--) {
      b[at + i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
  }

  private static void writeDec(byte[] b, int at, long value, int digits) {
    for (int i = digits - 1; i >= 0; i--) {
      b[at + i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }

  /** Writes yyyy-MM-ddTHH:mm:ss.SSSZ; the benchmark's event time stays within 2026-11-20/21. */
  private static void writeInstant(byte[] b, int at, long millis) {
    long dayStart = BASE - (BASE % 86_400_000L);
    long day = Math.floorDiv(millis - dayStart, 86_400_000L);
    long inDay = millis - dayStart - day * 86_400_000L;
    writeDec(b, at + 8, 20 + day, 2); // 2026-11-20 + day (stays in November for < 10 days)
    writeDec(b, at + 11, inDay / 3_600_000, 2);
    writeDec(b, at + 14, inDay / 60_000 % 60, 2);
    writeDec(b, at + 17, inDay / 1000 % 60, 2);
    writeDec(b, at + 20, inDay % 1000, 3);
  }

  @Override
  public void cancel() {
    running = false;
  }
}
