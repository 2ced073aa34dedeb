import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge, StreamlakeNagChecks } from '../../lib/constructs/nag';
import { buildVariant, collectNagViolations, nagViolations } from '../support/app';
import { VARIANTS } from '../support/variants';

describe.each(Object.entries(VARIANTS))('cdk-nag AwsSolutions, variant %s', (_name, context) => {
  const violations = nagViolations(context);
  const stacks = buildVariant(context).stacks.all.map((s) => s.stackName);

  test.each(stacks)('%s has no unacknowledged finding', (name) => {
    // Construct paths start with the stack's construct ID, which is its name.
    const mine = violations.filter((v) => v.path.startsWith(`${name}/`));
    expect(mine.map((v) => `${v.rule} at ${v.path}: ${v.description}`)).toEqual([]);
  });

  test('every finding belongs to a known stack', () => {
    expect(violations.filter((v) => !stacks.some((s) => v.path.startsWith(`${s}/`)))).toEqual([]);
  });
});

describe('the nag harness', () => {
  const appWithNag = () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'nag-')) });
    Validations.of(app).addPlugins(new StreamlakeNagChecks(app));
    return app;
  };

  test('fails when a stack has an unacknowledged finding', () => {
    const app = appWithNag();
    new s3.Bucket(new Stack(app, 'Bad'), 'Open');
    expect(collectNagViolations(app).map((v) => v.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
  });

  test('a pattern acknowledgement covers only the findings it matches, under its scope', () => {
    const app = appWithNag();
    const stack = new Stack(app, 'Grants');
    const bucket = new s3.Bucket(new Stack(app, 'Lake'), 'Raw', {
      enforceSSL: true,
      serverAccessLogsPrefix: 'x/',
    });
    acknowledge(bucket, [
      { id: 'AwsSolutions-S1', reason: 'test bucket: access logs are not what this test checks' },
    ]);
    const covered = new iam.Role(stack, 'Covered', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
    });
    const uncovered = new iam.Role(stack, 'Uncovered', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
    });
    bucket.grantPut(covered);
    bucket.grantPut(uncovered);
    acknowledge(covered, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'objects are written under generated keys',
        appliesTo: [/^Resource::.*\/\*$/, 'Action::s3:Abort*'],
      },
    ]);
    const findings = collectNagViolations(app).map((v) => `${v.rule} ${v.path}`);
    expect(findings.some((f) => f.includes('Covered/'))).toBe(false);
    const uncoveredFindings = findings.filter((f) => f.includes('Uncovered/')).sort();
    expect(uncoveredFindings).toEqual([
      expect.stringMatching(/^AwsSolutions-IAM5\[Action::s3:Abort\*\] /),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::Lake:.*\/\*\] /),
    ]);
  });

  test('fails when an acknowledgement has no real reason', () => {
    expect(() => acknowledge(new Stack(), [{ id: 'AwsSolutions-S1', reason: 'ok' }])).toThrow(
      /needs a real reason/,
    );
  });
});
