import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { assertNever, type SpeedEngine } from '../config';
import { consumerAlarms, flinkAlarms } from '../constructs/monitoring/speed-alarms';
import { FlinkViewsApp } from '../constructs/speed/flink-views-app';
import { StreamConsumer } from '../constructs/speed/stream-consumer';
import { StreamlakeStack, type StreamlakeStackProps } from './streamlake-stack';

export interface SpeedStackProps extends StreamlakeStackProps {
  /** `Speed` in the lambda architecture; `Stream` in kappa, where it is the only processing path. */
  readonly layer: 'Speed' | 'Stream';
  readonly engine: SpeedEngine;
  readonly stream: kinesis.IStream;
  readonly viewTable: dynamodb.ITable;
  readonly encryptionKey: kms.IKey;
  /** The raw zone: a Flink replay (`streamlake replay`) reads the archive beyond the stream's retention from it. */
  readonly rawBucket: s3.IBucket;
  readonly alarmTopic: sns.ITopic;
}

/** The stream-processing layer: the Lambda consumer or the Managed Flink job, with their alarms. */
export class SpeedStack extends StreamlakeStack {
  readonly consumer?: StreamConsumer;
  readonly flink?: FlinkViewsApp;

  constructor(scope: Construct, props: SpeedStackProps) {
    super(scope, props.layer, props);
    const s = props.config.settings;
    switch (props.engine) {
      case 'lambda': {
        const maxRecordAge = Duration.hours(s.consumerMaxRecordAgeHours);
        this.consumer = new StreamConsumer(this, 'Consumer', {
          stream: props.stream,
          viewTable: props.viewTable,
          encryptionKey: props.encryptionKey,
          batchSize: s.consumerBatchSize,
          maxBatchingWindow: Duration.seconds(s.consumerBatchingWindowSeconds),
          parallelizationFactor: s.consumerParallelizationFactor,
          retryAttempts: s.consumerMaxRetries,
          maxRecordAge,
          memorySize: s.consumerMemoryMiB,
          speedRowTtl: Duration.days(s.speedRowTtlDays),
          tumblingWindow: Duration.seconds(s.consumerTumblingWindowSeconds),
        });
        consumerAlarms(this, {
          consumer: this.consumer,
          alarmTopic: props.alarmTopic,
          retentionHours: props.config.streamRetentionHours,
          maxRecordAge,
        });
        break;
      }
      case 'flink':
        this.flink = new FlinkViewsApp(this, 'Flink', {
          stream: props.stream,
          viewTable: props.viewTable,
          encryptionKey: props.encryptionKey,
          rawArchive: props.rawBucket,
          viewVersion: s.flinkViewVersion,
          parallelism: s.flinkParallelism,
          parallelismPerKpu: s.flinkParallelismPerKpu,
          outOfOrderness: Duration.seconds(s.flinkOutOfOrdernessSeconds),
          allowedLateness: Duration.minutes(s.flinkAllowedLatenessMinutes),
          dedupeHorizon: Duration.minutes(s.flinkDedupeHorizonMinutes),
        });
        flinkAlarms(this, { app: this.flink, alarmTopic: props.alarmTopic });
        break;
      default:
        assertNever(props.engine);
    }
  }
}
