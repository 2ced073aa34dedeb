import * as flink from '@aws-cdk/aws-kinesisanalytics-flink-alpha';
import { CfnOutput, DockerImage, Duration, IgnoreMode, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LakePrefixes } from '../../contracts/lake-layout';
import { Outputs } from '../../contracts/outputs';
import viewTable from '../../contracts/view-table.json';
import { acknowledge } from '../nag';
import { buildJarLocally, FLINK_JAR as JAR, FLINK_JOB_DIR as JOB_DIR } from './flink-jar';
import { flinkPropertyGroups } from './flink-properties';

export interface FlinkViewsAppProps {
  /** The event stream the job reads. */
  readonly stream: kinesis.IStream;
  /** The views table the job writes window totals (and dead letters) to. */
  readonly viewTable: dynamodb.ITable;
  /** The lake key: encrypts the application's log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * The raw zone bucket. The application's role may list and read the Firehose archive under raw/events/: a replay
   * (`streamlake replay`, a second application with this role) reads event times older than the stream's retention
   * from it. Nothing else in the bucket, and no writes.
   */
  readonly rawArchive?: s3.IBucket;
  /** The job writes view `flink-v<viewVersion>`. */
  readonly viewVersion: number;
  /**
   * Initial parallelism (autoscaling adjusts it).
   * @default 2
   */
  readonly parallelism?: number;
  /**
   * Parallel tasks per KPU.
   * @default 1
   */
  readonly parallelismPerKpu?: number;
  /** Bounded out-of-orderness of the event-time watermark. */
  readonly outOfOrderness: Duration;
  /** Late events within this re-emit their window; later ones are dead-lettered. */
  readonly allowedLateness: Duration;
  /** How long an eventId is remembered for de-duplication. */
  readonly dedupeHorizon: Duration;
  /**
   * Checkpoint interval.
   * @default Duration.minutes(1) - the Managed Flink default
   */
  readonly checkpointInterval?: Duration;
  /**
   * What happens to the application (and its snapshots) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Flink views job on Amazon Managed Service for Apache Flink (runtime 1.20): exactly-once, event-time one-minute
 * windows from the stream into the views table. The jar is built by Maven during synthesis (local bundling; tests skip
 * it with the `aws:cdk:bundling-stacks` context) from `jobs/flink`.
 */
export class FlinkViewsApp extends Construct {
  readonly application: flink.Application;
  readonly viewName: string;

  constructor(scope: Construct, id: string, props: FlinkViewsAppProps) {
    super(scope, id);
    const parallelism = props.parallelism ?? 2;
    const parallelismPerKpu = props.parallelismPerKpu ?? 1;
    if (!Number.isInteger(props.viewVersion) || props.viewVersion < 1) {
      throw new Error(`viewVersion is ${props.viewVersion}: it must be a whole number ≥ 1 (view flink-v<N>)`);
    }
    if (parallelismPerKpu < 1 || parallelismPerKpu > 8) {
      throw new Error(`parallelismPerKpu is ${parallelismPerKpu}: Managed Flink allows 1 to 8`);
    }
    if (parallelism < 1) throw new Error(`parallelism is ${parallelism}: it must be at least 1`);
    this.viewName = `${viewTable.views.flinkPrefix}${props.viewVersion}`;
    const region = Stack.of(this).region;

    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.application = new flink.Application(this, 'App', {
      runtime: flink.Runtime.FLINK_1_20,
      code: flink.ApplicationCode.fromAsset(JOB_DIR, {
        exclude: ['target', '.idea', '*.iml'],
        ignoreMode: IgnoreMode.GLOB,
        bundling: {
          // Docker is the fallback for machines without Maven; local bundling is what runs here and in CI.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/maven:3.9-eclipse-temurin-17'),
          command: ['bash', '-c', `mvn -q -B package -DskipTests && cp target/${JAR} /asset-output/`],
          local: { tryBundle: (outputDir) => buildJarLocally(outputDir) },
        },
      }),
      propertyGroups: flinkPropertyGroups({
        Source: { streamArn: props.stream.streamArn, region, initialPosition: 'TRIM_HORIZON' },
        Sink: { tableName: props.viewTable.tableName, region, viewName: this.viewName },
        DeadLetter: { tableName: props.viewTable.tableName },
        Processing: {
          outOfOrdernessSeconds: String(props.outOfOrderness.toSeconds()),
          allowedLatenessSeconds: String(props.allowedLateness.toSeconds()),
          dedupeHorizonSeconds: String(props.dedupeHorizon.toSeconds()),
        },
      }),
      checkpointingEnabled: true,
      checkpointInterval: props.checkpointInterval ?? Duration.minutes(1),
      snapshotsEnabled: true,
      autoScalingEnabled: true,
      parallelism,
      parallelismPerKpu,
      logGroup,
      logLevel: flink.LogLevel.INFO,
      metricsLevel: flink.MetricsLevel.TASK,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    props.stream.grantRead(this.application);
    // PutItem of window totals and dead letters; the job never reads or deletes.
    props.viewTable.grant(
      this.application,
      'dynamodb:PutItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DescribeTable',
    );
    props.viewTable.encryptionKey?.grantEncryptDecrypt(this.application);
    props.rawArchive?.grantRead(this.application, `${LakePrefixes.rawEvents}*`);

    acknowledge(this.application, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Granted by the Flink L2: cloudwatch:PutMetricData has no resource-level permissions, logs:DescribeLogGroups needs log-group:*, the code asset is read from the CDK asset bucket; the key grant needs GenerateDataKey*/ReEncrypt* for the lake-key-encrypted stream and table.',
        appliesTo: [
          'Resource::*',
          'Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*',
          /^Resource::arn:<AWS::Partition>:s3:::cdk-.*-assets-.*\/\*$/,
          /^Resource::.*:log-stream:\*$/,
          'Action::kms:GenerateDataKey*',
          'Action::kms:ReEncrypt*',
          'Action::s3:GetObject*',
          'Action::s3:GetBucket*',
          'Action::s3:List*',
        ],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Bucket.grantRead on the raw archive prefix only (raw/events/*): a replay lists and reads the Firehose objects of the hours it rebuilds, whose keys exist only at run time.',
        appliesTo: [/^Resource::.*Raw.*\/raw\/events\/\*$/],
      },
    ]);

    new CfnOutput(this, 'FlinkApplicationNameOutput', {
      key: Outputs.flinkApplicationName,
      value: this.application.applicationName,
    });
  }
}
