import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { EventStream } from '../constructs/ingestion/event-stream';
import { ingestionAlarms } from '../constructs/monitoring/ingestion-alarms';
import type { DataLake } from '../constructs/storage/data-lake';
import { StreamlakeStack, type StreamlakeStackProps } from './streamlake-stack';

export interface IngestionStackProps extends StreamlakeStackProps {
  readonly lake: DataLake;
  readonly alarmTopic: sns.ITopic;
}

/** Stateful: the event stream and its raw archive. Same IDs in every architecture. */
export class IngestionStack extends StreamlakeStack {
  readonly events: EventStream;

  constructor(scope: Construct, props: IngestionStackProps) {
    super(scope, 'Ingestion', props);
    const { config } = props;
    const localstack = config.target === 'localstack';
    this.events = new EventStream(this, 'Events', {
      encryptionKey: props.lake.key,
      rawBucket: props.lake.rawBucket,
      capacity: config.stream,
      retention: Duration.hours(config.streamRetentionHours),
      bufferInterval: Duration.seconds(config.settings.firehoseBufferSeconds),
      bufferSize: Size.mebibytes(config.settings.firehoseBufferMiB),
      removalPolicy: config.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      // LocalStack's Firehose resource provider fails without an explicit name (LocalStack issue 12066).
      deliveryStreamName: localstack ? `${this.stackName}-archive` : undefined,
    });
    ingestionAlarms(this, {
      events: this.events,
      alarmTopic: props.alarmTopic,
      retentionHours: config.streamRetentionHours,
      // Community LocalStack has no AWS::CloudWatch::Dashboard provider.
      dashboards: !localstack,
    });
  }
}
