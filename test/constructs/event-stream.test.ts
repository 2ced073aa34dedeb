import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ARCHIVE_PARTITION_QUERIES, EventStream } from '../../lib/constructs/ingestion/event-stream';
import { buildVariant, templateOf } from '../support/app';

function stream(props: Partial<ConstructorParameters<typeof EventStream>[2]> = {}): Template {
  const stack = new Stack();
  const key = new kms.Key(stack, 'Key');
  new EventStream(stack, 'Events', { encryptionKey: key, rawBucket: new s3.Bucket(stack, 'Raw'), ...props });
  return Template.fromStack(stack);
}

describe('EventStream', () => {
  const template = stream();

  test('the stream is on-demand by default and encrypted with the given key', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: {
        EncryptionType: 'KMS',
        KeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      },
      RetentionPeriodHours: 24,
    });
  });

  test('a provisioned stream gets its shard count', () => {
    stream({ capacity: { mode: 'provisioned', shardCount: 4 } }).hasResourceProperties(
      'AWS::Kinesis::Stream',
      {
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ShardCount: 4,
      },
    );
  });

  test('the stream is retained by default', () => {
    template.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Retain' });
  });

  test('Firehose archives the stream into raw/events/ partitioned by the event time, GZIP, with an error prefix', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'raw/events/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/',
        ErrorOutputPrefix: 'raw/errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        CompressionFormat: 'GZIP',
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 64 },
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        EncryptionConfiguration: {
          KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
        },
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
      }),
    });
  });

  test('partition keys come from occurredAt with jq, and records get a newline delimiter', () => {
    const [archive] = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'));
    const processors =
      archive.Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors;
    expect(processors.map((p: { Type: string }) => p.Type)).toEqual([
      'MetadataExtraction',
      'AppendDelimiterToRecord',
    ]);
    const query = processors[0].Parameters.find(
      (p: { ParameterName: string }) => p.ParameterName === 'MetadataExtractionQuery',
    );
    expect(query.ParameterValue).toBe(
      `{"dt":${ARCHIVE_PARTITION_QUERIES.dt},"hour":${ARCHIVE_PARTITION_QUERIES.hour}}`,
    );
  });

  test('the jq queries cut the date and hour out of an ISO timestamp and reject anything else', () => {
    expect(ARCHIVE_PARTITION_QUERIES.dt).toContain('.[0:10]');
    expect(ARCHIVE_PARTITION_QUERIES.hour).toContain('.[11:13]');
    for (const q of Object.values(ARCHIVE_PARTITION_QUERIES)) expect(q).toMatch(/^\(.*else error\(.*\)$/);
  });

  test('buffering follows the props', () => {
    stream({ bufferInterval: Duration.seconds(300), bufferSize: Size.mebibytes(128) }).hasResourceProperties(
      'AWS::KinesisFirehose::DeliveryStream',
      {
        ExtendedS3DestinationConfiguration: Match.objectLike({
          BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 128 },
        }),
      },
    );
  });

  describe('fails when', () => {
    test('the buffer is smaller than dynamic partitioning allows', () => {
      expect(() => stream({ bufferSize: Size.mebibytes(5) })).toThrow(/needs at least 64 MiB/);
    });
    test('a provisioned stream has no shards', () => {
      expect(() => stream({ capacity: { mode: 'provisioned', shardCount: 0 } })).toThrow(/at least 1 shard/);
    });
  });
});

describe('Ingestion stack', () => {
  test('retention comes from the config: 24 h for lambda, 168 h for kappa', () => {
    for (const [architecture, hours] of [
      ['lambda', 24],
      ['kappa', 168],
    ] as const) {
      templateOf(buildVariant({ architecture }).stacks.ingestion).hasResourceProperties(
        'AWS::Kinesis::Stream',
        {
          RetentionPeriodHours: hours,
        },
      );
    }
  });

  test('every alarm notifies the alarm topic', () => {
    const alarms = Object.values(
      templateOf(buildVariant({}).stacks.ingestion).findResources('AWS::CloudWatch::Alarm'),
    );
    expect(alarms.length).toBeGreaterThanOrEqual(5);
    for (const alarm of alarms) {
      expect(alarm.Properties.ActionsEnabled).toBe(true);
      expect(alarm.Properties.AlarmActions).toEqual([
        { 'Fn::ImportValue': expect.stringMatching(/AlarmsTopic/) },
      ]);
    }
  });

  test('alarms cover write throttling, failed puts, archive freshness and archive delivery', () => {
    const names = Object.values(
      templateOf(buildVariant({}).stacks.ingestion).findResources('AWS::CloudWatch::Alarm'),
    ).map((a) => a.Properties.AlarmName as string);
    for (const expected of [
      /PutRecordsThrottled|Throttled/i,
      /Failed/i,
      /ArchiveFreshness/,
      /ArchiveDelivery/,
    ]) {
      expect(names.some((n) => expected.test(n))).toBe(true);
    }
  });
});
