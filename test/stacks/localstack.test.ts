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

test('the allow-list check fails for the AWS target, which has Pro-only resources', () => {
  expect(
    typesOf({ architecture: 'kappa' }).filter((t) => !ALLOWED.has(t.split(' ')[0])).length,
  ).toBeGreaterThan(0);
});

test('target=localstack keeps the stateful stacks and their logical IDs', () => {
  const ids = (context: Record<string, string>) =>
    Object.keys(Template.fromStack(buildVariant(context).stacks.ingestion).toJSON().Resources).sort();
  expect(ids({ target: 'localstack' })).toEqual(ids({ target: 'aws' }));
});
