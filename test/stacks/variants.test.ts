import { Template } from 'aws-cdk-lib/assertions';
import { buildVariant } from '../support/app';

/** Resource types that hold data: replacing one of these loses it. */
const STATEFUL_TYPES = new Set([
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::DynamoDB::Table',
  'AWS::Kinesis::Stream',
  'AWS::Glue::Database',
]);

function statefulIds(context: Record<string, string>): string[] {
  const { stacks } = buildVariant(context);
  return stacks.all.flatMap((stack) =>
    Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>)
      .filter(([, r]) => STATEFUL_TYPES.has(r.Type))
      .map(([logicalId, r]) => `${stack.stackName}/${logicalId} ${r.Type}`),
  );
}

const stackNames = (context: Record<string, string>) =>
  buildVariant(context).stacks.all.map((s) => s.stackName);
const typesOf = (context: Record<string, string>) =>
  new Set(
    buildVariant(context).stacks.all.flatMap((s) =>
      Object.values(Template.fromStack(s).toJSON().Resources as Record<string, { Type: string }>).map(
        (r) => r.Type,
      ),
    ),
  );

describe('switching architectures never replaces stored data', () => {
  const lambda = statefulIds({ architecture: 'lambda' });

  test('the lambda architecture has the key, four buckets, the views table, the stream and the catalog', () => {
    expect(lambda.filter((id) => id.endsWith('AWS::S3::Bucket'))).toHaveLength(4);
    for (const type of STATEFUL_TYPES) expect(lambda.some((id) => id.endsWith(type))).toBe(true);
  });

  test.each([
    ['kappa', { architecture: 'kappa' }],
    ['lambda with the Flink speed engine', { architecture: 'lambda', speedEngine: 'flink' }],
    ['lambda with the MapReduce batch engine', { architecture: 'lambda', batchEngine: 'mapreduce' }],
  ])('%s keeps every stateful stack name and logical ID of the lambda architecture', (_name, context) => {
    expect(statefulIds(context).sort()).toEqual([...lambda].sort());
  });
});

describe('what each variant deploys', () => {
  test('the lambda architecture has storage, ingestion, speed, serving and monitoring stacks', () => {
    expect(stackNames({ architecture: 'lambda' })).toEqual(
      expect.arrayContaining([
        'Streamlake-Dev-Storage',
        'Streamlake-Dev-Monitoring',
        'Streamlake-Dev-Ingestion',
        'Streamlake-Dev-Speed',
        'Streamlake-Dev-Serving',
      ]),
    );
  });

  test('kappa has one stream-processing stack and no speed or batch stack', () => {
    const names = stackNames({ architecture: 'kappa' });
    expect(names).toContain('Streamlake-Dev-Stream');
    expect(names).not.toContain('Streamlake-Dev-Speed');
    expect(names).not.toContain('Streamlake-Dev-Batch');
  });

  test('kappa deploys no EMR, no batch state machine and no Lambda stream consumer', () => {
    const types = typesOf({ architecture: 'kappa' });
    expect(
      [...types].filter((t) => t.startsWith('AWS::EMR::') || t === 'AWS::StepFunctions::StateMachine'),
    ).toEqual([]);
    expect(types.has('AWS::Lambda::EventSourceMapping')).toBe(false);
    expect(types.has('AWS::KinesisAnalyticsV2::Application')).toBe(true);
  });

  test('kappa keeps the Firehose archive: it is the replay source beyond the stream retention', () => {
    expect(typesOf({ architecture: 'kappa' }).has('AWS::KinesisFirehose::DeliveryStream')).toBe(true);
  });

  test('the MapReduce batch engine deploys no EMR and no VPC; EMR deploys no Distributed Map', () => {
    const types = typesOf({ architecture: 'lambda', batchEngine: 'mapreduce' });
    expect([...types].filter((t) => t.startsWith('AWS::EMR::') || t.startsWith('AWS::EC2::'))).toEqual([]);
    expect(types.has('AWS::StepFunctions::StateMachine')).toBe(true);
    const emr = typesOf({ architecture: 'lambda' });
    expect(emr.has('AWS::EMR::SecurityConfiguration')).toBe(true);
  });

  test('the Lambda speed engine deploys no Flink application', () => {
    expect(typesOf({ architecture: 'lambda' }).has('AWS::KinesisAnalyticsV2::Application')).toBe(false);
  });
});
