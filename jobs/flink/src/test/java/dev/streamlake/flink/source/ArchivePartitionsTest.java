package dev.streamlake.flink.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

class ArchivePartitionsTest {
  private final ArchivePartitions range =
      new ArchivePartitions(Instant.parse("2026-11-20T22:30:00Z"), Instant.parse("2026-11-21T01:00:00Z"));

  private static Path p(String s) {
    return new Path("s3://raw-bucket/raw/events/" + s);
  }

  @Test
  void keepsOnlyTheDaysAndHoursOverlappingTheRange() {
    assertTrue(range.test(new Path("s3://raw-bucket/raw/events")), "the root");
    assertTrue(range.test(p("dt=2026-11-20")));
    assertTrue(range.test(p("dt=2026-11-21")));
    assertFalse(range.test(p("dt=2026-11-19")));
    assertFalse(range.test(p("dt=2026-11-22")));
    assertTrue(range.test(p("dt=2026-11-20/hour=22")), "22:00-23:00 overlaps from 22:30");
    assertFalse(range.test(p("dt=2026-11-20/hour=21")));
    assertTrue(range.test(p("dt=2026-11-21/hour=00")));
    assertFalse(range.test(p("dt=2026-11-21/hour=01")), "until is exclusive");
    assertTrue(range.test(p("dt=2026-11-20/hour=23/events-1-2026-11-20-23-10-00-abc.gz")));
  }

  @Test
  void skipsHiddenAndMalformedNames() {
    assertFalse(range.test(p("dt=2026-11-20/hour=23/.tmp")));
    assertFalse(range.test(p("dt=2026-11-20/hour=23/_SUCCESS")));
    assertFalse(range.test(p("dt=2026-11-31")));
    assertFalse(range.test(p("dt=2026-11-20/hour=24")));
    assertFalse(range.test(p("dt=2026-11-20/hour=7")));
  }

  @Test
  void orderedAssignerHandsOutSplitsInPathOrder() {
    List<FileSourceSplit> splits = new ArrayList<>();
    for (String name : Arrays.asList("dt=2026-11-21/hour=00/b", "dt=2026-11-20/hour=23/b", "dt=2026-11-20/hour=23/a")) {
      splits.add(new FileSourceSplit(name, p(name), 0, 10, 0, 10));
    }
    OrderedSplitAssigner assigner = new OrderedSplitAssigner(splits.subList(0, 2));
    assigner.addSplits(splits.subList(2, 3));
    List<String> order = new ArrayList<>();
    assigner.getNext(null).ifPresent(s -> order.add(s.splitId()));
    assertEquals(2, assigner.remainingSplits().size());
    assigner.getNext(null).ifPresent(s -> order.add(s.splitId()));
    assigner.getNext(null).ifPresent(s -> order.add(s.splitId()));
    assertFalse(assigner.getNext(null).isPresent());
    assertEquals(Arrays.asList("dt=2026-11-20/hour=23/a", "dt=2026-11-20/hour=23/b", "dt=2026-11-21/hour=00/b"), order);
  }
}
