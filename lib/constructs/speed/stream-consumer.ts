import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Outputs } from '../../contracts/outputs';
import { NodeFunction } from '../common/node-function';
import { acknowledge } from '../nag';

export interface StreamConsumerProps {
  readonly stream: kinesis.IStream;
  readonly viewTable: dynamodb.ITable;
  /** The lake key: encrypts the dead-letter queues, the function's log group and its environment. */
  readonly encryptionKey: kms.IKey;
  /**
   * Records per invocation (1 to 10,000). Larger batches pre-aggregate more, so fewer view writes.
   * @default 1000
   */
  readonly batchSize?: number;
  /**
   * How long the event source mapping gathers records before invoking.
   * @default Duration.seconds(5)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Concurrent batches per shard (1 to 10).
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * Retries of a failing batch before it goes to the on-failure destination.
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the on-failure destination instead of being processed.
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Tumbling window: the function carries its aggregates across invocations and writes them once per window.
   * @default Duration.seconds(120); Duration.seconds(0) writes once per batch
   */
  readonly tumblingWindow?: Duration;
  /**
   * Function memory.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Speed rows expire this long after their minute.
   * @default Duration.days(3)
   */
  readonly speedRowTtl?: Duration;
}

/**
 * The Lambda speed layer: a function that aggregates each Kinesis batch per (contentId, type, minute) and writes one
 * atomic update per key to the speed view. Malformed records go to a dead-letter queue with their reason; batches that
 * keep failing go, after bounded retries with bisection, to an on-failure queue.
 */
export class StreamConsumer extends Construct {
  /** The function with its role, log group and settings. */
  readonly handler: NodeFunction;
  readonly function: nodejs.NodejsFunction;
  readonly malformedQueue: sqs.Queue;
  readonly failedBatchQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);
    const batchSize = props.batchSize ?? 1000;
    const parallelizationFactor = props.parallelizationFactor ?? 1;
    const retryAttempts = props.retryAttempts ?? 10;
    const maxRecordAge = props.maxRecordAge ?? Duration.hours(6);
    if (batchSize < 1 || batchSize > 10000)
      throw new Error(`batchSize is ${batchSize}: Kinesis allows 1 to 10000`);
    if (parallelizationFactor < 1 || parallelizationFactor > 10) {
      throw new Error(`parallelizationFactor is ${parallelizationFactor}: Lambda allows 1 to 10`);
    }
    const tumblingWindow = props.tumblingWindow ?? Duration.seconds(120);
    if (tumblingWindow.toSeconds() > 900) {
      throw new Error(`tumblingWindow is ${tumblingWindow.toHumanString()}: Lambda allows 0 to 900 seconds`);
    }
    if (maxRecordAge.toSeconds() < 60 || maxRecordAge.toSeconds() > 604800) {
      throw new Error(`maxRecordAge is ${maxRecordAge.toHumanString()}: Lambda allows 60 s to 7 days`);
    }

    const queue = (queueId: string) =>
      new sqs.Queue(this, queueId, {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.encryptionKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.malformedQueue = queue('MalformedRecords');
    this.failedBatchQueue = queue('FailedBatches');
    for (const q of [this.malformedQueue, this.failedBatchQueue]) {
      acknowledge(q, [
        {
          id: 'AwsSolutions-SQS3',
          reason: 'This queue is itself a dead-letter destination; it has no consumer to fail.',
        },
      ]);
    }

    this.handler = new NodeFunction(this, 'Function', {
      handlerDir: 'stream-consumer',
      description: 'streamlake speed layer: aggregates Kinesis batches into the speed view',
      encryptionKey: props.encryptionKey,
      memorySize: props.memorySize ?? 512,
      timeout: Duration.minutes(1),
      logRetention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      environment: {
        VIEW_TABLE_NAME: props.viewTable.tableName,
        DEAD_LETTER_QUEUE_URL: this.malformedQueue.queueUrl,
        SPEED_TTL_DAYS: String((props.speedRowTtl ?? Duration.days(3)).toDays()),
        POWERTOOLS_SERVICE_NAME: 'stream-consumer',
        POWERTOOLS_METRICS_NAMESPACE: 'streamlake',
      },
    });
    this.function = this.handler.function;
    // One UpdateItem per (view, content, type, minute); the consumer never reads or deletes.
    props.viewTable.grant(this.function, 'dynamodb:UpdateItem');
    props.viewTable.encryptionKey?.grantEncryptDecrypt(this.function);
    this.malformedQueue.grantSendMessages(this.function);

    this.function.addEventSource(
      new KinesisEventSource(props.stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
        parallelizationFactor,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts,
        maxRecordAge,
        onFailure: new SqsDlq(this.failedBatchQueue),
        tumblingWindow: tumblingWindow.toSeconds() > 0 ? tumblingWindow : undefined,
      }),
    );

    // The mapping keeps the logical ID it had before the function moved into NodeFunction (one level deeper): a new ID
    // would replace the mapping on deploy, and the new one would re-read the stream from TRIM_HORIZON
    // (test/stacks/stack-names.test.ts holds it).
    const mapping = this.function.node.findAll().find((c) => c instanceof lambda.CfnEventSourceMapping);
    (mapping as lambda.CfnEventSourceMapping | undefined)?.overrideLogicalId(
      'ConsumerFunctionKinesisEventSourceIngestionEventsStream76292827940D892E',
    );

    acknowledge(this.handler.role, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'Key grants for the encrypted table, stream and queues need GenerateDataKey*/ReEncrypt*.',
        appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
      },
    ]);
    new CfnOutput(this, 'DeadLetterQueueUrlOutput', {
      key: Outputs.deadLetterQueueUrl,
      value: this.malformedQueue.queueUrl,
    });
    // `streamlake speed redrive` reads the discarded batches from here.
    new CfnOutput(this, 'FailedBatchQueueUrlOutput', {
      key: Outputs.failedBatchQueueUrl,
      value: this.failedBatchQueue.queueUrl,
    });
  }
}
