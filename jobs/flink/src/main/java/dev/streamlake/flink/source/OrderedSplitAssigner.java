package dev.streamlake.flink.source;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.assigners.FileSplitAssigner;

/**
 * Hands out the archive's files in path order: {@code dt=…/hour=…/} sorts chronologically and Firehose object names
 * start with the delivery time, so each reader sees event time advance roughly as the stream delivered it. Flink's
 * default assigners give no order (the simple one pops the last split), which would make whole hours arrive behind
 * the watermark and be dead-lettered as too late.
 */
public final class OrderedSplitAssigner implements FileSplitAssigner {
  private static final Comparator<FileSourceSplit> ORDER =
      Comparator.comparing((FileSourceSplit s) -> s.path().toString())
          .thenComparingLong(FileSourceSplit::offset)
          .thenComparing(FileSourceSplit::splitId);

  private final TreeSet<FileSourceSplit> splits = new TreeSet<>(ORDER);

  public OrderedSplitAssigner(Collection<FileSourceSplit> initial) {
    splits.addAll(initial);
  }

  @Override
  public Optional<FileSourceSplit> getNext(@Nullable String hostname) {
    return Optional.ofNullable(splits.pollFirst());
  }

  @Override
  public void addSplits(Collection<FileSourceSplit> newSplits) {
    splits.addAll(newSplits);
  }

  @Override
  public Collection<FileSourceSplit> remainingSplits() {
    return new ArrayList<>(splits);
  }
}
