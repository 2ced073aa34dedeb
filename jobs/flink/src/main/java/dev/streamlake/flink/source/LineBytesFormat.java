package dev.streamlake.flink.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads the raw archive's objects (newline-delimited events, as Firehose writes them) as one byte[] per line, the
 * same record type the Kinesis source gives, keeping only lines in an {@link EventTimeRange}. Empty lines are skipped;
 * a trailing {@code \r} is kept (the parser rejects it like any other byte). Decompression ({@code .gz}) is done by the
 * FileSource from the file extension. Files are not split: one reader reads a file from start to end, in order.
 */
public final class LineBytesFormat extends SimpleStreamFormat<byte[]> {
  private static final long serialVersionUID = 1L;
  private static final int BUFFER = 64 * 1024;

  private final EventTimeRange range;

  public LineBytesFormat(EventTimeRange range) {
    this.range = range;
  }

  @Override
  public StreamFormat.Reader<byte[]> createReader(Configuration config, FSDataInputStream stream) {
    return new LineReader(stream, range);
  }

  @Override
  public TypeInformation<byte[]> getProducedType() {
    return PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
  }

  /** Splits an input stream at '\n'. */
  static final class LineReader implements StreamFormat.Reader<byte[]> {
    private final InputStream in;
    private final EventTimeRange range;
    private final byte[] buf = new byte[BUFFER];
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private int pos;
    private int limit;
    private boolean eof;

    LineReader(InputStream in, EventTimeRange range) {
      this.in = in;
      this.range = range;
    }

    @Nullable
    @Override
    public byte[] read() throws IOException {
      byte[] next;
      do {
        next = nextLine();
      } while (next != null && (next.length == 0 || !range.keeps(next)));
      return next;
    }

    private byte[] nextLine() throws IOException {
      line.reset();
      while (true) {
        if (pos == limit) {
          if (eof) {
            return line.size() > 0 ? line.toByteArray() : null;
          }
          limit = in.read(buf);
          pos = 0;
          if (limit <= 0) {
            limit = 0;
            eof = true;
            continue;
          }
        }
        for (int i = pos; i < limit; i++) {
          if (buf[i] == '\n') {
            byte[] out;
            if (line.size() == 0) {
              out = Arrays.copyOfRange(buf, pos, i);
            } else {
              line.write(buf, pos, i - pos);
              out = line.toByteArray();
            }
            pos = i + 1;
            return out;
          }
        }
        line.write(buf, pos, limit - pos);
        pos = limit;
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
