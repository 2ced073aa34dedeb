package dev.streamlake.flink.config;

/**
 * Names the job shares with the processes that run and watch it (the offline runtime, the CLI), defined once in
 * {@code lib/contracts/flink-runtime.json}; {@code RuntimeContractTest} fails when these constants disagree with it.
 */
public final class RuntimeContract {
  private RuntimeContract() {}

  /** Printed on stdout once the job is submitted and running (callers wait for it). */
  public static final String JOB_RUNNING_LINE = "streamlake-flink: job running";

  /** Printed on stdout, followed by the URL, before {@link #JOB_RUNNING_LINE} when {@link #REST_PORT_FLAG} is given. */
  public static final String REST_ENDPOINT_LINE = "streamlake-flink: rest endpoint ";

  /** Local runs: the port of the MiniCluster's REST endpoint on 127.0.0.1; 0 = a free port. */
  public static final String REST_PORT_FLAG = "--rest-port";

  /** Gauge of the views sink: BatchWriteItem requests sent and not yet answered (or waiting to be retried). */
  public static final String SINK_IN_FLIGHT_REQUESTS = "viewsSinkInFlightRequests";

  /** Gauge of the views sink: window totals accepted but not yet written (queued, or waiting to be retried). */
  public static final String SINK_BUFFERED_WRITES = "viewsSinkBufferedWrites";

  /** Gauge of the views sink: window totals DynamoDB acknowledged since the writer started. */
  public static final String SINK_COMPLETED_WRITES = "viewsSinkCompletedWrites";

  /** Partition-key prefix of dead-letter items: deadletter#{view}#{day} (readers scan for it). */
  public static final String DEAD_LETTER_PREFIX = "deadletter#";

  /** The {day} part of a dead letter whose record has no readable occurredAt. */
  public static final String DEAD_LETTER_UNDATED = "undated";

  /** Documentation of the dead-letter partition key (held to the contract, not used in code). */
  public static final String DEAD_LETTER_PK_FORMAT = "deadletter#{view}#{yyyy-MM-dd of occurredAt | undated}";

  /** Documentation of the dead-letter sort key: the reason is everything before the first '#'. */
  public static final String DEAD_LETTER_SK_FORMAT = "{reason}#{sha256 hex of the record's bytes}";
}
