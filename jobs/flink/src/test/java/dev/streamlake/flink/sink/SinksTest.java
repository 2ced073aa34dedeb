package dev.streamlake.flink.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.apache.flink.connector.aws.sink.throwable.AWSExceptionClassifierUtil;
import org.junit.jupiter.api.Test;

class SinksTest {
  @Test
  void localPlainHttpEndpointsUseHttp11() {
    Properties p = Sinks.clientProperties("us-east-1", "http://127.0.0.1:4569");
    assertEquals("us-east-1", p.getProperty("aws.region"));
    assertEquals("http://127.0.0.1:4569", p.getProperty("aws.endpoint"));
    assertEquals("HTTP1_1", p.getProperty("aws.http.protocol.version"));
  }

  @Test
  void awsEndpointsAreLeftToTheSdk() {
    Properties p = Sinks.clientProperties("eu-west-1", "");
    assertFalse(p.containsKey("aws.endpoint"));
    assertFalse(p.containsKey("aws.http.protocol.version"));
  }

  @Test
  void theDynamoDbSinkSeesAwsBaseClassesNotTheKinesisJarCopies() {
    // The self-shaded Kinesis connector carries copies of these classes compiled against its relocated SDK.
    String from = AWSExceptionClassifierUtil.class.getProtectionDomain().getCodeSource().getLocation().toString();
    assertTrue(from.contains("flink-connector-aws-base"), from);
  }
}
