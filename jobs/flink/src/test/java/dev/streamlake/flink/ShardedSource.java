package dev.streamlake.flink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A bounded FLIP-27 stand-in for a Kinesis stream with several shards: one split per shard, split {@code s} read by
 * subtask {@code s % parallelism}, records emitted through per-split outputs exactly as the Kinesis source's reader
 * does (so the job's per-split watermarks apply). Every reader follows one global arrival order (a list of shard
 * numbers): a shard whose records come late in that order lags behind the others, deterministically. The reader sleeps
 * a little every few records so that periodic watermarks are emitted while records arrive, as on a live stream.
 */
final class ShardedSource implements Source<byte[], ShardedSource.Shard, List<ShardedSource.Shard>> {
  private static final long serialVersionUID = 1L;

  private final List<List<byte[]>> shards;
  private final int[] arrival;
  private final int recordsPerPause;

  /**
   * @param shards records of each shard, in shard order
   * @param arrival the shard of each record in global arrival order (shard s appears shards.get(s).size() times)
   */
  ShardedSource(List<List<byte[]>> shards, int[] arrival, int recordsPerPause) {
    this.shards = shards;
    this.arrival = arrival;
    this.recordsPerPause = recordsPerPause;
  }

  /** One shard. */
  static final class Shard implements SourceSplit {
    final int index;

    Shard(int index) {
      this.index = index;
    }

    @Override
    public String splitId() {
      return "shard-" + index;
    }
  }

  @Override
  public Boundedness getBoundedness() {
    return Boundedness.BOUNDED;
  }

  @Override
  public SplitEnumerator<Shard, List<Shard>> createEnumerator(SplitEnumeratorContext<Shard> context) {
    return restoreEnumerator(context, null);
  }

  @Override
  public SplitEnumerator<Shard, List<Shard>> restoreEnumerator(
      SplitEnumeratorContext<Shard> context, List<Shard> checkpoint) {
    int count = shards.size();
    return new SplitEnumerator<>() {
      @Override
      public void start() {}

      @Override
      public void handleSplitRequest(int subtaskId, String requesterHostname) {}

      @Override
      public void addSplitsBack(List<Shard> splits, int subtaskId) {}

      @Override
      public void addReader(int subtaskId) {
        List<Shard> mine = new ArrayList<>();
        for (int s = 0; s < count; s++) {
          if (s % context.currentParallelism() == subtaskId) {
            mine.add(new Shard(s));
          }
        }
        Map<Integer, List<Shard>> assignment = new HashMap<>();
        assignment.put(subtaskId, mine);
        context.assignSplits(new org.apache.flink.api.connector.source.SplitsAssignment<>(assignment));
        context.signalNoMoreSplits(subtaskId);
      }

      @Override
      public List<Shard> snapshotState(long checkpointId) {
        return List.of();
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public SourceReader<byte[], Shard> createReader(SourceReaderContext context) {
    return new Reader();
  }

  private final class Reader implements SourceReader<byte[], Shard> {
    private final Map<Integer, Integer> next = new TreeMap<>();
    private final Map<Integer, SourceOutput<byte[]>> outputs = new HashMap<>();
    private int position;
    private int emitted;
    private boolean noMoreSplits;
    private CompletableFuture<Void> available = new CompletableFuture<>();

    @Override
    public void start() {}

    @Override
    public InputStatus pollNext(ReaderOutput<byte[]> output) throws InterruptedException {
      if (!noMoreSplits) {
        return InputStatus.NOTHING_AVAILABLE;
      }
      while (position < arrival.length && !next.containsKey(arrival[position])) {
        position++;
      }
      if (position == arrival.length) {
        for (Integer s : outputs.keySet()) {
          output.releaseOutputForSplit(new Shard(s).splitId());
        }
        outputs.clear();
        return InputStatus.END_OF_INPUT;
      }
      int shard = arrival[position++];
      int offset = next.get(shard);
      next.put(shard, offset + 1);
      outputs
          .computeIfAbsent(shard, s -> output.createOutputForSplit(new Shard(s).splitId()))
          .collect(shards.get(shard).get(offset));
      if (++emitted % recordsPerPause == 0) {
        Thread.sleep(1);
      }
      return InputStatus.MORE_AVAILABLE;
    }

    @Override
    public List<Shard> snapshotState(long checkpointId) {
      return List.of();
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
      return noMoreSplits ? CompletableFuture.completedFuture(null) : available;
    }

    @Override
    public void addSplits(List<Shard> splits) {
      for (Shard s : splits) {
        next.put(s.index, 0);
      }
    }

    @Override
    public void notifyNoMoreSplits() {
      noMoreSplits = true;
      available.complete(null);
    }

    @Override
    public void close() {}
  }

  @Override
  public SimpleVersionedSerializer<Shard> getSplitSerializer() {
    return new SimpleVersionedSerializer<>() {
      @Override
      public int getVersion() {
        return 1;
      }

      @Override
      public byte[] serialize(Shard shard) {
        return new byte[] {(byte) shard.index};
      }

      @Override
      public Shard deserialize(int version, byte[] serialized) {
        return new Shard(serialized[0]);
      }
    };
  }

  @Override
  public SimpleVersionedSerializer<List<Shard>> getEnumeratorCheckpointSerializer() {
    return new SimpleVersionedSerializer<>() {
      @Override
      public int getVersion() {
        return 1;
      }

      @Override
      public byte[] serialize(List<Shard> shards) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
          out.writeInt(shards.size());
          for (Shard s : shards) {
            out.writeInt(s.index);
          }
        }
        return bytes.toByteArray();
      }

      @Override
      public List<Shard> deserialize(int version, byte[] serialized) throws IOException {
        List<Shard> out = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
          for (int n = in.readInt(); n > 0; n--) {
            out.add(new Shard(in.readInt()));
          }
        }
        return out;
      }
    };
  }
}
