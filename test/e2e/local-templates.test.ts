import { join } from 'node:path';
import { Outputs } from '../../lib/contracts/outputs';
import { renderFlinkProperties, sparkSubmitArgs } from '../../local/jobs';
import { physicalNameFor, resolveEnvironment } from '../../local/resources';
import { readTemplates } from '../../local/synth';
import { readInfra, referencedLogicalId } from '../../local/templates';

const fixture = readTemplates(join(__dirname, 'fixtures', 'templates'));

describe('template reader (local resources come from the synthesized templates)', () => {
  const infra = readInfra(fixture);

  test('reads the stream with its shard count, and the table with its key schema and TTL attribute', () => {
    expect(infra.streams).toEqual([
      { logicalId: 'EventsStreamA348795C', name: 'EventsStreamA348795C', shardCount: 2 },
    ]);
    expect(infra.tables).toEqual([
      {
        logicalId: 'ViewsTable3452DA9D',
        name: 'ViewsTable3452DA9D',
        partitionKey: 'pk',
        sortKey: 'sk',
        attributeTypes: { pk: 'S', sk: 'S' },
        ttlAttribute: 'expiresAt',
      },
    ]);
  });

  test('names buckets from their logical IDs in lowercase, as S3 requires', () => {
    expect(infra.buckets.map((b) => b.name)).toEqual([
      'sl-lakeraw8a880b75',
      'sl-lakecurated8ed8635f',
      'sl-lakeanalyticsb9f8aca8',
    ]);
  });

  test('reads the event source mapping settings, the target function environment and the on-failure queue', () => {
    expect(infra.eventSourceMappings).toEqual([
      expect.objectContaining({
        streamLogicalId: 'EventsStreamA348795C',
        functionLogicalId: 'ConsumerFunction1234ABCD',
        batchSize: 200,
        maxBatchingWindowSeconds: 1,
        bisectOnError: true,
        maxRetryAttempts: 3,
        maxRecordAgeSeconds: 3600,
        reportBatchItemFailures: true,
        startingPosition: 'TRIM_HORIZON',
        onFailureQueueLogicalId: 'ConsumerFailuresQueue9ABCDEF0',
      }),
    ]);
  });

  test('reads the Firehose prefix, error prefix, compression, buffering, partition query and delimiter', () => {
    expect(infra.firehoses).toEqual([
      expect.objectContaining({
        bucketLogicalId: 'LakeRaw8A880B75',
        prefix: 'raw/events/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/',
        errorOutputPrefix: 'raw/errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        compression: 'GZIP',
        bufferIntervalSeconds: 60,
        bufferSizeMiB: 64,
        appendDelimiter: true,
        sourceStreamLogicalId: 'EventsStreamA348795C',
      }),
    ]);
  });

  test('applies the AWS defaults when the mapping leaves settings out', () => {
    const bare = readInfra([
      {
        stackName: 'S',
        template: {
          Resources: {
            M: {
              Type: 'AWS::Lambda::EventSourceMapping',
              Properties: { EventSourceArn: { 'Fn::GetAtt': ['X', 'Arn'] } },
            },
          },
        },
      },
    ]);
    expect(bare.eventSourceMappings[0]).toMatchObject({
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      bisectOnError: false,
      maxRetryAttempts: -1,
      maxRecordAgeSeconds: -1,
      reportBatchItemFailures: false,
    });
  });

  test('finds resources through the stack outputs of lib/contracts/outputs.ts', () => {
    expect(physicalNameFor(infra, Outputs.rawBucketName)).toBe('sl-lakeraw8a880b75');
    expect(physicalNameFor(infra, Outputs.streamName)).toBe('EventsStreamA348795C');
  });

  test('fails with the output name when no stack exports it', () => {
    expect(() => physicalNameFor(readInfra([]), Outputs.viewTableName)).toThrow(/ViewTableName/);
  });

  test('follows Fn::ImportValue through another stack’s export', () => {
    const exports = new Map<string, unknown>([
      ['Storage:RawArn', { 'Fn::GetAtt': ['LakeRaw8A880B75', 'Arn'] }],
    ]);
    expect(referencedLogicalId({ 'Fn::ImportValue': 'Storage:RawArn' }, exports)).toBe('LakeRaw8A880B75');
  });

  test('resolves a function environment: literals kept, references to local names (a queue to its URL)', () => {
    const env = resolveEnvironment(infra, infra.eventSourceMappings[0]?.functionEnvironment ?? {}, {
      DeadLettersQueue12345678: 'http://127.0.0.1:1/000000000000/DeadLettersQueue12345678',
    });
    expect(env).toEqual({
      VIEW_TABLE_NAME: 'ViewsTable3452DA9D',
      DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:1/000000000000/DeadLettersQueue12345678',
      SPEED_ROW_TTL_DAYS: '3',
    });
  });
});

describe('job launchers', () => {
  test('the Flink properties file lists every contract key, with defaults, and the values given', () => {
    const text = renderFlinkProperties({
      Source: {
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
        endpoint: 'http://127.0.0.1:1',
      },
      Sink: { tableName: 'views' },
      DeadLetter: { tableName: 'views' },
    });
    expect(text).toContain('Source.streamArn=arn:aws:kinesis:us-east-1:000000000000:stream/s\n');
    expect(text).toContain('Source.endpoint=http://127.0.0.1:1\n');
    expect(text).toContain('Sink.viewName=flink-v1\n');
    expect(text).toContain('Processing.allowedLatenessSeconds=600\n');
  });

  test('the Flink properties file refuses to leave a required key out', () => {
    expect(() => renderFlinkProperties({ Source: { streamArn: 'arn' }, Sink: { tableName: 't' } })).toThrow(
      /DeadLetter\.tableName/,
    );
  });

  test('spark-submit points S3A at the emulator with path-style access and passes the contract arguments', () => {
    const args = sparkSubmitArgs({
      workDir: '/tmp/x',
      ep: { kinesis: 'http://127.0.0.1:1', dynamodb: 'http://127.0.0.1:2', moto: 'http://127.0.0.1:3' },
      day: '2026-11-20',
      rawBucket: 'raw',
      curatedBucket: 'cur',
      analyticsBucket: 'ana',
      viewTable: 'views',
      rawRoot: 'raw/events',
    });
    expect(args).toEqual(
      expect.arrayContaining([
        'spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:3',
        'spark.hadoop.fs.s3a.path.style.access=true',
      ]),
    );
    const tail = args.slice(args.findIndex((a) => a.endsWith('entrypoint.py')) + 1);
    expect(tail).toEqual([
      '--date',
      '2026-11-20',
      '--raw-uri',
      's3a://raw/raw/events',
      '--curated-uri',
      's3a://cur/curated/events',
      '--quarantine-uri',
      's3a://cur/quarantine',
      '--analytics-uri',
      's3a://ana/analytics',
      '--view-table',
      'views',
      '--region',
      'us-east-1',
      '--dynamodb-endpoint',
      'http://127.0.0.1:2',
    ]);
  });
});
