import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lib/config';
import { buildVariant, CDK_JSON_CONTEXT } from '../support/app';
import { VARIANTS } from '../support/variants';
import { type CfnTemplate, CONTROLS, type ControlContext, unscopedWrites, type Variant } from './controls';

interface Row {
  readonly id: string;
  readonly where: string;
  readonly status: string;
  readonly reason: string;
}

/** The rows of the Controls table: `| \`id\` text | where | status | reason |`. */
function parseControls(markdown: string): Row[] {
  return markdown
    .split('\n')
    .map((line) => /^\| `([a-z0-9-]+)`[^|]*\|([^|]*)\|([^|]*)\|([^|]*)\|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ id: m[1], where: m[2].trim(), status: m[3].trim(), reason: m[4].trim() }));
}

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');
const rows = parseControls(doc);
const fixed = rows.filter((r) => r.status === 'fixed').map((r) => r.id);
const exceptionsRow = rows.find((r) => r.id === 'iam-unscoped-exceptions');
const context: ControlContext = {
  unscopedWriteExceptions: new Set(
    [...(exceptionsRow?.where ?? '').matchAll(/`([a-z0-9-]+:[A-Za-z*]+)`/g)].map((m) => m[1]),
  ),
};

function variantOf(name: string, ctx: Record<string, string>): Variant {
  const { stacks } = buildVariant(ctx);
  return {
    name,
    stage: parseConfig({ ...CDK_JSON_CONTEXT, ...ctx }).stage,
    stacks: stacks.all.map((s) => ({
      stackName: s.stackName,
      template: Template.fromStack(s).toJSON() as CfnTemplate,
    })),
  };
}

const variants = Object.entries(VARIANTS).map(([name, ctx]) => variantOf(name, ctx));
const clone = (v: Variant): Variant => JSON.parse(JSON.stringify(v)) as Variant;
const variant = (name: string) => clone(variants.find((v) => v.name === name) as Variant);
/** The first resource of a type in a variant, to break it. */
function first(v: Variant, type: string, idPrefix = ''): Record<string, unknown> {
  for (const s of v.stacks) {
    for (const [id, r] of Object.entries(s.template.Resources)) {
      if (r.Type === type && id.startsWith(idPrefix)) return r.Properties as Record<string, unknown>;
    }
  }
  throw new Error(`no ${type} ${idPrefix}`);
}

describe('docs/security.md', () => {
  test('every row is fixed or an exception, and every exception gives its reason', () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) expect(['fixed', 'exception']).toContain(r.status);
    for (const r of rows.filter((x) => x.status === 'exception')) expect(r.reason.length).toBeGreaterThan(40);
  });

  test('every fixed row has a predicate over the templates, and every predicate a fixed row', () => {
    expect(fixed.filter((id) => !(id in CONTROLS))).toEqual([]);
    expect(Object.keys(CONTROLS).filter((id) => !fixed.includes(id))).toEqual([]);
  });

  test('every write action the table allows on * is allowed by some template (the list is not stale)', () => {
    expect(context.unscopedWriteExceptions.size).toBeGreaterThan(0);
    const allowed = new Set(variants.flatMap((v) => [...unscopedWrites(v).keys()]));
    expect([...context.unscopedWriteExceptions].filter((a) => !allowed.has(a))).toEqual([]);
  });
});

describe.each(variants.map((v) => [v.name, v] as const))('variant %s', (_name, v) => {
  test.each(fixed)('%s holds', (id) => {
    expect(CONTROLS[id](v, context)).toEqual([]);
  });
});

describe('the predicates fail on a template that breaks them', () => {
  test('fails when a log group has no key', () => {
    const v = variant('lambda');
    delete first(v, 'AWS::Logs::LogGroup').KmsKeyId;
    expect(CONTROLS['log-group-kms'](v, context)).toEqual([
      expect.stringContaining('not encrypted with the lake key'),
    ]);
  });

  test('fails when a log group is encrypted with another key', () => {
    const v = variant('lambda');
    first(v, 'AWS::Logs::LogGroup').KmsKeyId = { 'Fn::GetAtt': ['OtherKeyABCDEF12', 'Arn'] };
    expect(CONTROLS['log-group-kms'](v, context)).toHaveLength(1);
  });

  test('fails when a log group has no retention', () => {
    const v = variant('kappa');
    delete first(v, 'AWS::Logs::LogGroup').RetentionInDays;
    expect(CONTROLS['log-group-retention'](v, context)).toEqual([expect.stringContaining('no retention')]);
  });

  test('fails when the lake key does not let CloudWatch Logs use it', () => {
    const v = variant('lambda');
    const policy = first(v, 'AWS::KMS::Key', 'LakeKey').KeyPolicy as { Statement: { Condition?: unknown }[] };
    for (const s of policy.Statement) delete s.Condition;
    expect(CONTROLS['lake-key-logs-principal'](v, context)).toHaveLength(1);
  });

  test('fails when a function environment is not encrypted', () => {
    const v = variant('lambda');
    delete first(v, 'AWS::Lambda::Function', 'ConsumerFunction').KmsKeyArn;
    expect(CONTROLS['lambda-env-kms'](v, context)).toEqual([expect.stringContaining('ConsumerFunction')]);
  });

  test('fails when the scheduled function has no on-failure destination', () => {
    const v = variant('lambda');
    for (const s of v.stacks) {
      for (const [id, r] of Object.entries(s.template.Resources)) {
        if (r.Type === 'AWS::Lambda::EventInvokeConfig') delete s.template.Resources[id];
      }
    }
    expect(CONTROLS['lambda-async-on-failure'](v, context)).toEqual([
      expect.stringContaining('DeadlineHandler'),
    ]);
  });

  test('fails when the prod query API reserves no concurrency', () => {
    const v = variant('kappa-prod');
    delete first(v, 'AWS::Lambda::Function', 'QueryApiHandlerFunction').ReservedConcurrentExecutions;
    expect(CONTROLS['lambda-reserved-concurrency'](v, context)).toHaveLength(1);
  });

  test('fails when the curated bucket is not versioned', () => {
    const v = variant('lambda');
    delete first(v, 'AWS::S3::Bucket', 'LakeCurated').VersioningConfiguration;
    expect(CONTROLS['bucket-versioning'](v, context)).toEqual([expect.stringContaining('not versioned')]);
  });

  test('fails when a bucket does not log its access', () => {
    const v = variant('localstack');
    delete first(v, 'AWS::S3::Bucket', 'LakeAnalytics').LoggingConfiguration;
    expect(CONTROLS['bucket-access-logging'](v, context)).toEqual([expect.stringContaining('LakeAnalytics')]);
  });

  test('fails when a write action is allowed on * without being listed', () => {
    const v = variant('lambda');
    const policy = first(v, 'AWS::IAM::Policy').PolicyDocument as { Statement: unknown[] };
    policy.Statement.push({ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' });
    expect(CONTROLS['iam-unscoped-writes'](v, context)).toEqual([
      expect.stringContaining('s3:PutObject on *'),
    ]);
  });

  test('reads on * are not writes', () => {
    const v = variant('lambda');
    const policy = first(v, 'AWS::IAM::Policy').PolicyDocument as { Statement: unknown[] };
    policy.Statement.push({
      Effect: 'Allow',
      Action: ['ec2:DescribeVpcs', 's3:ListAllMyBuckets'],
      Resource: '*',
    });
    expect(CONTROLS['iam-unscoped-writes'](v, context)).toEqual([]);
  });

  test('fails when the batch state machine may terminate any cluster', () => {
    const v = variant('lambda');
    for (const s of v.stacks) {
      for (const r of Object.values(s.template.Resources)) {
        if (r.Type !== 'AWS::IAM::Policy') continue;
        const doc = (r.Properties as { PolicyDocument: { Statement: { Effect: string }[] } }).PolicyDocument;
        doc.Statement = doc.Statement.filter((st) => st.Effect !== 'Deny');
      }
    }
    expect(CONTROLS['emr-cluster-actions'](v, context)).toEqual([expect.stringContaining('no Deny')]);
  });
});
