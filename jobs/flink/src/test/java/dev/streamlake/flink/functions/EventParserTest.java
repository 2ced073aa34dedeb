package dev.streamlake.flink.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.streamlake.flink.Fixtures;
import dev.streamlake.flink.model.Event;
import dev.streamlake.flink.model.Reasons;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventParserTest {
  private final EventParser parser = new EventParser();

  private static final String VALID =
      "{\"eventId\":\"123e4567-e89b-12d3-a456-426614174000\",\"type\":\"heartbeat\",\"userId\":\"u-1\","
          + "\"contentId\":\"match-42\",\"occurredAt\":\"2026-11-20T23:59:59.250Z\",\"region\":\"IN-MH\","
          + "\"device\":\"tv\",\"watchSeconds\":30,\"extra\":{\"nested\":[1,2]}}";

  private Event parse(String json) throws MalformedEventException {
    return parser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private String reasonOf(String json) {
    return reasonOf(json.getBytes(StandardCharsets.UTF_8));
  }

  private String reasonOf(byte[] record) {
    return assertThrows(MalformedEventException.class, () -> parser.parse(record)).reason();
  }

  @Test
  void parsesAValidEventIgnoringUnknownFields() throws Exception {
    Event e = parse(VALID);
    assertEquals("123e4567-e89b-12d3-a456-426614174000", e.eventId);
    assertEquals("heartbeat", e.type);
    assertEquals("match-42", e.contentId);
    assertEquals(1795219199250L, e.occurredAt); // 2026-11-20T23:59:59.250Z
    assertEquals(30, e.watchSeconds);
  }

  @Test
  void absentWatchSecondsIsZero() throws Exception {
    assertEquals(0, parse(VALID.replace(",\"watchSeconds\":30", "").replace("heartbeat", "like")).watchSeconds);
  }

  @Test
  void rejectsRecordsThatAreNotJsonObjects() {
    assertEquals(Reasons.INVALID_JSON, reasonOf("{\"eventId\":"));
    assertEquals(Reasons.INVALID_JSON, reasonOf(""));
    assertEquals(Reasons.INVALID_JSON, reasonOf(VALID + " {}"));
    assertEquals(Reasons.NOT_AN_OBJECT, reasonOf("[1,2]"));
    assertEquals(Reasons.NOT_AN_OBJECT, reasonOf("\"text\""));
    assertEquals(Reasons.INVALID_UTF8, reasonOf(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}));
  }

  @Test
  void rejectsBrokenFieldsNamingTheField() {
    assertEquals("schema:userId", reasonOf(VALID.replace("\"userId\":\"u-1\",", "")));
    assertEquals("schema:eventId", reasonOf(VALID.replace("123e4567-e89b", "123e4567_e89b")));
    assertEquals("schema:type", reasonOf(VALID.replace("\"heartbeat\"", "\"pause\"")));
    assertEquals("schema:contentId", reasonOf(VALID.replace("match-42", "match#42")));
    assertEquals("invalid_timestamp", reasonOf(VALID.replace("2026-11-20T23", "2026-02-30T23")));
    assertEquals("schema:occurredAt", reasonOf(VALID.replace("59.250Z", "59Z")));
    assertEquals("schema:userId", reasonOf(VALID.replace("\"u-1\"", "\"\"")));
    assertEquals("schema:userId", reasonOf(VALID.replace("\"u-1\"", "7")));
    assertEquals("schema:watchSeconds", reasonOf(VALID.replace(":30", ":3601")));
    assertEquals("schema:watchSeconds", reasonOf(VALID.replace(":30", ":-1")));
    assertEquals("schema:watchSeconds", reasonOf(VALID.replace(":30", ":null")));
    assertEquals("schema:watchSeconds", reasonOf(VALID.replace(":30", ":30.0")));
    assertEquals("schema:watchSeconds", reasonOf(VALID.replace(":30", ":true")));
    assertEquals("watch_seconds_not_allowed", reasonOf(VALID.replace("\"heartbeat\"", "\"like\"")));
  }

  @Test
  void theFirstBrokenFieldInContractOrderNamesTheReason() {
    assertEquals(
        "schema:type", reasonOf(VALID.replace("\"heartbeat\"", "\"pause\"").replace("match-42", "match#42")));
  }

  @Test
  void rejectsAByteOrderMarkAsInvalidJson() {
    byte[] json = VALID.getBytes(StandardCharsets.UTF_8);
    byte[] withBom = new byte[json.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(json, 0, withBom, 3, json.length);
    assertEquals("invalid_json", reasonOf(withBom));
  }

  @Test
  void classifiesEveryFixtureLineLikeMalformedJson() throws Exception {
    List<byte[]> lines = Fixtures.eventLines();
    Map<Integer, String> expected = Fixtures.malformed();
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      int line = i + 1;
      String got;
      try {
        parser.parse(lines.get(i));
        got = null;
      } catch (MalformedEventException e) {
        got = e.reason() + " (" + e.getMessage() + ")";
      }
      String want = expected.get(line);
      String gotReason = got == null ? null : got.substring(0, got.indexOf(' '));
      if (want == null ? gotReason != null : !want.equals(gotReason)) {
        mismatches.add("line " + line + ": expected " + want + ", got " + got);
      }
    }
    if (!mismatches.isEmpty()) {
      fail(mismatches.size() + " lines misclassified:\n" + String.join("\n", mismatches));
    }
  }
}
