package dev.streamlake.flink.functions;

import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.Event;
import dev.streamlake.flink.source.EventTimeRange;
import java.nio.charset.StandardCharsets;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Raw record → valid {@link Event}; a malformed record goes to {@link #MALFORMED} with its reason, never fails. An
 * operator rather than a ProcessFunction so that each event leaves stamped with its parsed {@code occurredAt}, whatever
 * timestamped the record upstream (see {@link dev.streamlake.flink.source.EventTimeWatermarks}).
 */
public class ParseEvents extends AbstractStreamOperator<Event> implements OneInputStreamOperator<byte[], Event> {
  private static final long serialVersionUID = 1L;

  /** Side output of records that break the contract. */
  public static final OutputTag<DeadLetter> MALFORMED = new OutputTag<DeadLetter>("malformed") {};

  private transient EventParser parser;
  private transient StreamRecord<DeadLetter> deadLetterRecord;

  public ParseEvents() {
    chainingStrategy = ChainingStrategy.ALWAYS;
  }

  @Override
  public void open() throws Exception {
    super.open();
    parser = new EventParser();
    deadLetterRecord = new StreamRecord<>(null);
  }

  @Override
  public void processElement(StreamRecord<byte[]> element) {
    byte[] record = element.getValue();
    try {
      Event event = parser.parse(record);
      output.collect(element.replace(event, event.occurredAt));
    } catch (MalformedEventException e) {
      DeadLetter letter =
          new DeadLetter(e.reason(), e.getMessage(), new String(record, StandardCharsets.UTF_8))
              .identifiedBy(DeadLetter.sha256(record), EventTimeRange.occurredAt(record));
      output.collect(MALFORMED, deadLetterRecord.replace(letter));
    }
  }
}
