import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildVariant } from '../support/app';

const ALLOWED = new Set(
  readFileSync(join(__dirname, '../../docs/localstack.md'), 'utf8')
    .split('\n')
    .map((line) => /^\| `(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)` \|/.exec(line)?.[1])
    .filter((t): t is string => t !== undefined),
);

/** Types the doc marks as deployed by `npm run localstack:trial` (third column `yes`). */
const DEPLOYED_BY_TRIAL = new Set(
  readFileSync(join(__dirname, '../../docs/localstack.md'), 'utf8')
    .split('\n')
    .map((line) => /^\| `(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)` \|[^|]*\| yes \|$/.exec(line)?.[1])
    .filter((t): t is string => t !== undefined),
);

const typesOf = (context: Record<string, string>) =>
  buildVariant(context).stacks.all.flatMap((stack) =>
    Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>).map(
      (r) => `${r.Type} (${stack.stackName})`,
    ),
  );

test('the documented allow-list is not empty', () => {
  expect(ALLOWED.size).toBeGreaterThan(10);
  expect(ALLOWED.has('AWS::EMR::Cluster')).toBe(false);
});

test.each([
  ['lambda', { architecture: 'lambda', target: 'localstack', alarmEmail: 'oncall@example.com' }],
  ['lambda, flink', { architecture: 'lambda', speedEngine: 'flink', target: 'localstack' }],
  ['kappa', { architecture: 'kappa', target: 'localstack', allowDestroy: 'true' }],
])('target=localstack (%s) synthesizes only allowed resource types', (_name, context) => {
  expect(typesOf(context).filter((t) => !ALLOWED.has(t.split(' ')[0]))).toEqual([]);
});

test('every type of the variant the trial deploys is marked as deployed by it', () => {
  const types = new Set(typesOf({ target: 'localstack' }).map((t) => t.split(' ')[0]));
  expect(DEPLOYED_BY_TRIAL.size).toBeGreaterThan(5);
  expect([...types].filter((t) => !DEPLOYED_BY_TRIAL.has(t))).toEqual([]);
  expect([...DEPLOYED_BY_TRIAL].filter((t) => !types.has(t))).toEqual([]);
});

test('the allow-list check fails for the AWS target, which has Pro-only resources', () => {
  expect(
    typesOf({ architecture: 'kappa' }).filter((t) => !ALLOWED.has(t.split(' ')[0])).length,
  ).toBeGreaterThan(0);
});

const ingestion = (context: Record<string, string>) =>
  Template.fromStack(buildVariant(context).stacks.ingestion).toJSON().Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;

test('target=localstack keeps the ingestion logical IDs, less the dashboards', () => {
  const ids = (resources: ReturnType<typeof ingestion>) =>
    Object.entries(resources)
      .filter(([, r]) => r.Type !== 'AWS::CloudWatch::Dashboard')
      .map(([id]) => id)
      .sort();
  expect(ids(ingestion({ target: 'localstack' }))).toEqual(ids(ingestion({ target: 'aws' })));
});

test('target=localstack has no dashboard; target=aws has them', () => {
  const dashboards = (context: Record<string, string>) =>
    buildVariant(context).stacks.all.flatMap((stack) =>
      Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>).filter(
        (r) => r.Type === 'AWS::CloudWatch::Dashboard',
      ),
    );
  expect(dashboards({ target: 'localstack' })).toEqual([]);
  expect(dashboards({ target: 'aws' }).length).toBeGreaterThan(0);
});

test('target=localstack names the Firehose delivery stream (LocalStack issue 12066); target=aws leaves it generated', () => {
  const name = (context: Record<string, string>) =>
    Object.values(ingestion(context)).find((r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream')
      ?.Properties?.DeliveryStreamName;
  expect(name({ target: 'localstack' })).toBe('Streamlake-Dev-Ingestion-archive');
  expect(name({ target: 'aws' })).toBeUndefined();
});
