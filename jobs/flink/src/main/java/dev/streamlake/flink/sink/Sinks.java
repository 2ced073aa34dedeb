package dev.streamlake.flink.sink;

import dev.streamlake.flink.config.JobSettings;
import dev.streamlake.flink.model.DeadLetter;
import dev.streamlake.flink.model.WindowTotal;
import java.util.Arrays;
import java.util.Properties;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.dynamodb.sink.DynamoDbSink;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequest;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequestType;

/** The DynamoDB sinks (AWS connector family) of the views table and of the dead letters. */
public final class Sinks {
  private Sinks() {}

  /**
   * Idempotent PUTs of window totals; BatchWriteItem rejects two writes of one key, so a batch keeps the newest. A
   * window is PUT again for each late event, and the newer total must land last: with several requests in flight (the
   * connector's default is 50) a retried or slower older request can overwrite it, and the view silently keeps a
   * stale total. One request in flight per subtask keeps the order (failed entries go back to the head of the buffer);
   * window totals are a few writes per key per minute, far below what one sequential writer sustains.
   */
  public static final int VIEW_MAX_IN_FLIGHT_REQUESTS = 1;

  public static DynamoDbSink<WindowTotal> views(JobSettings s) {
    return DynamoDbSink.<WindowTotal>builder()
        .setTableName(s.tableName)
        .setElementConverter(new WindowTotalConverter(s.viewName))
        .setMaxInFlightRequests(VIEW_MAX_IN_FLIGHT_REQUESTS)
        .setOverwriteByPartitionKeys(Arrays.asList(ViewItems.PK, ViewItems.SK))
        .setDynamoDbProperties(clientProperties(s.sinkRegion, s.sinkEndpoint))
        .setFailOnError(false)
        .build();
  }

  /** Dead letters as items (the AWS connector family has no SQS sink for Flink 1.19/1.20 on Maven Central). */
  public static DynamoDbSink<DeadLetter> deadLetters(JobSettings s) {
    return DynamoDbSink.<DeadLetter>builder()
        .setTableName(s.deadLetterTableName)
        .setElementConverter(new DeadLetterConverter(s.viewName, s.deadLetterTtlDays))
        .setOverwriteByPartitionKeys(Arrays.asList(ViewItems.PK, ViewItems.SK))
        .setDynamoDbProperties(clientProperties(s.deadLetterRegion, s.deadLetterEndpoint))
        .setFailOnError(false)
        .build();
  }

  /** AWS client settings of the connector family (aws.region, aws.endpoint; credentials from the default chain). */
  public static Properties clientProperties(String region, String endpoint) {
    Properties p = new Properties();
    p.setProperty("aws.region", region);
    p.setProperty("aws.credentials.provider", "AUTO");
    if (!endpoint.isEmpty()) {
      p.setProperty("aws.endpoint", endpoint);
      if (endpoint.startsWith("http://")) {
        // Local emulators speak plain HTTP/1.1 only.
        p.setProperty("aws.http.protocol.version", "HTTP1_1");
      }
    }
    return p;
  }

  static final class WindowTotalConverter implements ElementConverter<WindowTotal, DynamoDbWriteRequest> {
    private static final long serialVersionUID = 1L;
    private final String view;

    WindowTotalConverter(String view) {
      this.view = view;
    }

    @Override
    public DynamoDbWriteRequest apply(WindowTotal total, SinkWriter.Context context) {
      return DynamoDbWriteRequest.builder()
          .setType(DynamoDbWriteRequestType.PUT)
          .setItem(ViewItems.windowItem(view, total, System.currentTimeMillis()))
          .build();
    }
  }

  static final class DeadLetterConverter implements ElementConverter<DeadLetter, DynamoDbWriteRequest> {
    private static final long serialVersionUID = 1L;
    private final String view;
    private final int ttlDays;

    DeadLetterConverter(String view, int ttlDays) {
      this.view = view;
      this.ttlDays = ttlDays;
    }

    @Override
    public DynamoDbWriteRequest apply(DeadLetter letter, SinkWriter.Context context) {
      return DynamoDbWriteRequest.builder()
          .setType(DynamoDbWriteRequestType.PUT)
          .setItem(ViewItems.deadLetterItem(view, letter, System.currentTimeMillis(), ttlDays))
          .build();
    }
  }
}
