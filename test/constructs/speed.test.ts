import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { iteratorAgeThreshold } from '../../lib/constructs/monitoring/speed-alarms';
import { flinkPropertyGroups } from '../../lib/constructs/speed/flink-properties';
import flinkContract from '../../lib/contracts/flink-properties.json';
import { buildVariant, templateOf } from '../support/app';

const stackOf = (context: Record<string, string>, layer: string) => {
  const stack = buildVariant(context).stacks.all.find((s) => s.stackName.endsWith(`-${layer}`));
  if (!stack) throw new Error(`no ${layer} stack for ${JSON.stringify(context)}`);
  return templateOf(stack);
};

describe('Lambda speed layer (architecture=lambda, speedEngine=lambda)', () => {
  const template = stackOf(
    { architecture: 'lambda', consumerBatchSize: '500', consumerParallelizationFactor: '2' },
    'Speed',
  );

  test('the function is arm64 Node.js 22 with the view table, dead-letter queue and TTL in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          VIEW_TABLE_NAME: Match.anyValue(),
          DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('MalformedRecords') },
          SPEED_TTL_DAYS: '3',
        }),
      },
    });
  });

  test('the event source mapping has partial batch responses, bisect, bounded retries and record age, and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      ParallelizationFactor: 2,
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailedBatches'), 'Arn'] } },
      },
    });
  });

  test('both dead-letter queues are KMS-encrypted with the lake key and deny non-TLS access', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(2);
    for (const q of Object.values(queues))
      expect(q.Properties.KmsMasterKeyId).toEqual({ 'Fn::ImportValue': expect.stringMatching(/LakeKey/) });
    for (const p of Object.values(template.findResources('AWS::SQS::QueuePolicy'))) {
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    }
  });

  test('the function may only UpdateItem on the views table', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    );
    const dynamo = statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo).toEqual(['dynamodb:UpdateItem']);
  });

  test('alarms cover iterator age, errors, throttles and both queues, each with an action', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const names = alarms.map((a) => a.Properties.AlarmName as string).join('\n');
    for (const expected of [/Iterator/i, /Fault|Error/i, /Throttl/i, /MalformedRecords/, /FailedBatches/])
      expect(names).toMatch(expected);
    for (const a of alarms) expect(a.Properties.AlarmActions).toHaveLength(1);
  });

  test('the iterator age alarm fires at a quarter of retention or half the max record age, whichever is sooner', () => {
    expect(iteratorAgeThreshold(24).toHours()).toBe(6);
    expect(iteratorAgeThreshold(24, Duration.hours(6)).toHours()).toBe(3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('Iterator'),
      Threshold: 3 * 3600 * 1000,
    });
  });
});

describe('Flink application', () => {
  const kappa = stackOf(
    { architecture: 'kappa', flinkParallelism: '4', flinkParallelismPerKpu: '2' },
    'Stream',
  );

  test('runs FLINK-1_20 with checkpointing, snapshots, autoscaling and the configured parallelism', () => {
    kappa.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      RuntimeEnvironment: 'FLINK-1_20',
      ApplicationConfiguration: Match.objectLike({
        ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
        FlinkApplicationConfiguration: Match.objectLike({
          CheckpointConfiguration: Match.objectLike({
            CheckpointingEnabled: true,
            ConfigurationType: 'CUSTOM',
          }),
          ParallelismConfiguration: {
            AutoScalingEnabled: true,
            Parallelism: 4,
            ParallelismPerKPU: 2,
            ConfigurationType: 'CUSTOM',
          },
        }),
      }),
    });
  });

  test('is present for speedEngine=flink in the lambda architecture, and absent with speedEngine=lambda', () => {
    stackOf({ architecture: 'lambda', speedEngine: 'flink' }, 'Speed').resourceCountIs(
      'AWS::KinesisAnalyticsV2::Application',
      1,
    );
    stackOf({ architecture: 'lambda' }, 'Speed').resourceCountIs('AWS::KinesisAnalyticsV2::Application', 0);
  });

  test('property groups use only the groups and keys of lib/contracts/flink-properties.json, and set every required one', () => {
    const [app] = Object.values(kappa.findResources('AWS::KinesisAnalyticsV2::Application'));
    const groups = app.Properties.ApplicationConfiguration.EnvironmentProperties.PropertyGroups as {
      PropertyGroupId: string;
      PropertyMap: Record<string, unknown>;
    }[];
    const contract = flinkContract.groups as Record<string, Record<string, { default: string | null }>>;
    // Every group with a required key is sent; a group left at its defaults is omitted (Managed Flink rejects an
    // empty property map), and none is empty.
    const required = Object.keys(contract).filter((g) =>
      Object.values(contract[g] ?? {}).some((spec) => spec.default === null),
    );
    expect(groups.map((g) => g.PropertyGroupId)).toEqual(expect.arrayContaining(required));
    for (const g of groups) {
      expect(Object.keys(contract)).toContain(g.PropertyGroupId);
      expect(Object.keys(g.PropertyMap).length).toBeGreaterThan(0);
      for (const key of Object.keys(g.PropertyMap))
        expect(Object.keys(contract[g.PropertyGroupId])).toContain(key);
      for (const [key, spec] of Object.entries(contract[g.PropertyGroupId])) {
        if (spec.default === null) expect(g.PropertyMap[key]).toBeDefined();
      }
    }
  });

  test('the role may read the raw archive (raw/events/ only) for replays, and write nothing there', () => {
    const policies = kappa.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const onRaw = statements.filter((st) => JSON.stringify(st.Resource).includes('Raw'));
    const objectResources = onRaw.flatMap((st) => [st.Resource].flat()).map((r) => JSON.stringify(r));
    expect(objectResources.some((r) => r.includes('/raw/events/*'))).toBe(true);
    for (const r of objectResources) expect(r).not.toMatch(/\/(curated|quarantine|analytics|raw\/errors)/);
    const actions = onRaw.flatMap((st) => [st.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:List*']));
    for (const a of actions) expect(a).not.toMatch(/^s3:(Put|Delete|Abort)/);
  });

  test('processing settings come from the config, in the units the job reads', () => {
    const [app] = Object.values(kappa.findResources('AWS::KinesisAnalyticsV2::Application'));
    const processing = app.Properties.ApplicationConfiguration.EnvironmentProperties.PropertyGroups.find(
      (g: { PropertyGroupId: string }) => g.PropertyGroupId === 'Processing',
    );
    expect(processing.PropertyMap).toMatchObject({
      outOfOrdernessSeconds: '5',
      allowedLatenessSeconds: '600',
      dedupeHorizonSeconds: '3600',
    });
  });

  test('writes the configured view version', () => {
    const [app] = Object.values(
      stackOf({ architecture: 'kappa', flinkViewVersion: '3' }, 'Stream').findResources(
        'AWS::KinesisAnalyticsV2::Application',
      ),
    );
    const sink = app.Properties.ApplicationConfiguration.EnvironmentProperties.PropertyGroups.find(
      (g: { PropertyGroupId: string }) => g.PropertyGroupId === 'Sink',
    );
    expect(sink.PropertyMap.viewName).toBe('flink-v3');
  });

  test('may read the stream and put items into the views table, nothing more on DynamoDB', () => {
    const statements = Object.values(kappa.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DescribeTable',
      'dynamodb:PutItem',
    ]);
    expect(actions).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator']));
  });

  test('alarms on downtime, full restarts and failed checkpoints, each with an action', () => {
    const alarms = Object.values(kappa.findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.flatMap((a) =>
      (a.Properties.Metrics ?? []).map(
        (m: { MetricStat?: { Metric: { MetricName: string } } }) => m.MetricStat?.Metric.MetricName,
      ),
    );
    expect(metrics).toEqual(
      expect.arrayContaining(['downtime', 'fullRestarts', 'numberOfFailedCheckpoints']),
    );
    for (const a of alarms) expect(a.Properties.AlarmActions).toHaveLength(1);
  });

  describe('fails when', () => {
    test('a property key is not in the contract', () => {
      expect(() => flinkPropertyGroups({ Sink: { tableName: 't', viewname: 'x' } })).toThrow(
        /'Sink.viewname' is not in/,
      );
    });
    test('a required property is missing', () => {
      expect(() => flinkPropertyGroups({ Sink: { tableName: 't' } })).toThrow(
        /'Source.streamArn' is required/,
      );
    });
    test('parallelism per KPU is out of range', () => {
      expect(() => buildVariant({ architecture: 'kappa', flinkParallelismPerKpu: '9' })).toThrow(
        /flinkParallelismPerKpu: '9'/,
      );
    });
  });
});
