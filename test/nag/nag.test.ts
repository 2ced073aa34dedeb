import { stackName } from '../../lib/stacks/streamlake-stack';
import { buildVariant, nagViolations } from '../support/app';
import { VARIANTS } from '../support/variants';

describe.each(Object.entries(VARIANTS))('cdk-nag AwsSolutions, variant %s', (_name, context) => {
  const violations = nagViolations(context);
  const stacks = buildVariant(context).stacks.all.map((s) => s.stackName);

  test.each(stacks)('%s has no unacknowledged finding', (name) => {
    const layer = name.split('-').pop();
    // Construct paths start with the stack's construct ID, which is its layer.
    const mine = violations.filter((v) => v.path.startsWith(`${layer}/`));
    expect(mine.map((v) => `${v.rule} at ${v.path}: ${v.description}`)).toEqual([]);
  });

  test('every finding belongs to a known stack', () => {
    const layers = stacks.map((s) => `${s.split('-').pop()}/`);
    expect(violations.filter((v) => !layers.some((l) => v.path.startsWith(l)))).toEqual([]);
  });
});

describe('the nag harness', () => {
  test('fails when a stack has an unacknowledged finding', () => {
    // An S3 bucket without TLS enforcement or access logs must be reported.
    const { Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
    const { App, Validations } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
    const { Bucket } = require('aws-cdk-lib/aws-s3') as typeof import('aws-cdk-lib/aws-s3');
    const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
    const app = new App({ outdir: require('node:fs').mkdtempSync('/tmp/nag-') });
    new Bucket(new Stack(app, 'Bad'), 'Open');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/Validation failed/);
  });

  test('stack names follow Streamlake-<Stage>-<Layer>', () => {
    expect(stackName('prod', 'Storage')).toBe('Streamlake-Prod-Storage');
  });
});
