package dev.streamlake.flink.sink;

import dev.streamlake.flink.config.JobSettings;
import dev.streamlake.flink.model.DeadLetter;
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
   * Idempotent PUTs of window totals. A window is PUT again for each late event, and the newer total must land last:
   * {@link ViewsSink} keeps the writes of one item key in order (one request at a time per key, retries included)
   * while writing different keys concurrently in batches.
   */
  public static ViewsSink views(JobSettings s) {
    return ViewsSink.of(s.tableName, s.viewName, clientProperties(s.sinkRegion, s.sinkEndpoint));
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
