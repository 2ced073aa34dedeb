import { CfnOutput, Duration, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { Outputs } from '../../contracts/outputs';
import { acknowledge } from '../nag';
import { LakePrefixes } from '../storage/data-lake';

export type StreamCapacityProps =
  | { readonly mode: 'on-demand' }
  | { readonly mode: 'provisioned'; readonly shardCount: number };

export interface EventStreamProps {
  /** Customer-managed key for the stream and the archived objects. */
  readonly encryptionKey: kms.IKey;
  /** The raw zone Firehose archives every event into. */
  readonly rawBucket: s3.IBucket;
  /**
   * Kinesis capacity mode.
   * @default { mode: 'on-demand' }
   */
  readonly capacity?: StreamCapacityProps;
  /**
   * How long the stream keeps records (24 h to 365 days).
   * @default Duration.hours(24)
   */
  readonly retention?: Duration;
  /**
   * Firehose buffering interval; dynamic partitioning adds up to 1.5× this of delay.
   * @default Duration.seconds(60)
   */
  readonly bufferInterval?: Duration;
  /**
   * Firehose buffer size (64 to 128 MiB with dynamic partitioning).
   * @default Size.mebibytes(64)
   */
  readonly bufferSize?: Size;
  /**
   * What happens to the stream when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const DEFAULT_RETENTION = Duration.hours(24);
const DEFAULT_BUFFER_INTERVAL = Duration.seconds(60);
const DEFAULT_BUFFER_SIZE = Size.mebibytes(64);
const MIN_PARTITIONED_BUFFER_MIB = 64;

/**
 * jq (1.6) expressions Firehose evaluates per record to partition the archive by the event's own time. A record whose
 * occurredAt is not an ISO-8601 timestamp makes the query fail, so Firehose sends it to the error prefix instead of
 * inventing a partition. The offline runtime's archive writer implements the same rule.
 */
export const ARCHIVE_PARTITION_QUERIES = {
  // Parenthesised: Firehose embeds each query as a value of a jq object, where a bare pipe would end the object.
  dt: '(.occurredAt | if type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:") then .[0:10] else error("occurredAt is not a timestamp") end)',
  hour: '(.occurredAt | if type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:") then .[11:13] else error("occurredAt is not a timestamp") end)',
} as const;

export const ARCHIVE_PREFIX = `${LakePrefixes.rawEvents}dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/`;
export const ARCHIVE_ERROR_PREFIX = `${LakePrefixes.rawErrors}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;

/**
 * The ingestion path: a KMS-encrypted Kinesis stream, and a Firehose that archives every record into the raw zone,
 * partitioned by event time (`raw/events/dt=YYYY-MM-DD/hour=HH/`), GZIP'd newline-delimited JSON.
 */
export class EventStream extends Construct {
  readonly stream: kinesis.Stream;
  readonly archive: firehose.DeliveryStream;
  readonly archiveLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: EventStreamProps) {
    super(scope, id);
    const capacity = props.capacity ?? { mode: 'on-demand' };
    const retention = props.retention ?? DEFAULT_RETENTION;
    const bufferSize = props.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (
      !Token.isUnresolved(bufferSize.toMebibytes()) &&
      bufferSize.toMebibytes() < MIN_PARTITIONED_BUFFER_MIB
    ) {
      throw new Error(
        `bufferSize is ${bufferSize.toMebibytes()} MiB: Firehose dynamic partitioning needs at least ${MIN_PARTITIONED_BUFFER_MIB} MiB`,
      );
    }
    if (capacity.mode === 'provisioned' && !(capacity.shardCount >= 1)) {
      throw new Error(`shardCount is ${capacity.shardCount}: a provisioned stream needs at least 1 shard`);
    }

    this.stream = new kinesis.Stream(this, 'Stream', {
      streamMode:
        capacity.mode === 'provisioned' ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      shardCount: capacity.mode === 'provisioned' ? capacity.shardCount : undefined,
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.encryptionKey,
      retentionPeriod: retention,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.archiveLogGroup = new logs.LogGroup(this, 'ArchiveLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.archive = new firehose.DeliveryStream(this, 'Archive', {
      source: new firehose.KinesisStreamSource(this.stream),
      destination: new firehose.S3Bucket(props.rawBucket, {
        dataOutputPrefix: ARCHIVE_PREFIX,
        errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
        compression: firehose.Compression.GZIP,
        encryptionKey: props.encryptionKey,
        bufferingInterval: props.bufferInterval ?? DEFAULT_BUFFER_INTERVAL,
        bufferingSize: bufferSize,
        loggingConfig: new firehose.EnableLogging(this.archiveLogGroup),
        dynamicPartitioning: { enabled: true, retryDuration: Duration.minutes(5) },
        processors: [
          firehose.MetadataExtractionProcessor.jq16({ ...ARCHIVE_PARTITION_QUERIES }),
          // Without a delimiter Firehose concatenates JSON objects; Spark and Athena read one object per line.
          new firehose.AppendDelimiterToRecordProcessor(),
        ],
      }),
    });

    // The Firehose L2 adds a CIDR mapping for destinations inside a VPC; this S3 destination never reads it, and an
    // unreferenced mapping is a template warning (W7001).
    Stack.of(this).node.tryRemoveChild('@aws-cdk--aws-kinesisfirehose.CidrBlocks');

    acknowledge(this.stream, [
      {
        id: 'AwsSolutions-KDS3',
        reason:
          'A customer-managed key is deliberate: one key governs the lake, the stream and the views, so access can be audited and revoked in one place; its per-request cost is accepted.',
      },
    ]);
    acknowledge(this.archive, [
      {
        id: 'AwsSolutions-KDF1',
        reason:
          'Firehose server-side encryption cannot be enabled for a Kinesis stream source; records are encrypted at rest in the stream and in S3 with the lake key.',
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Firehose writes objects under event-time keys (raw/events/dt=…/hour=…/, raw/errors/) that exist only at run time; the Firehose L2 grants the bucket read/write object actions (Firehose never deletes; raw is versioned) and the key actions its S3 destination needs.',
        appliesTo: [
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
          'Action::s3:GetBucket*',
          'Action::s3:GetObject*',
          'Action::s3:List*',
          'Action::kms:GenerateDataKey*',
          'Action::kms:ReEncrypt*',
          /^Resource::.*\/\*$/,
        ],
      },
    ]);

    new CfnOutput(this, 'StreamNameOutput', { key: Outputs.streamName, value: this.stream.streamName });
    new CfnOutput(this, 'StreamArnOutput', { key: Outputs.streamArn, value: this.stream.streamArn });
  }
}
