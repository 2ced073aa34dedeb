import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { isAlphaDeprecation, quietAlphaDeprecations } from '../../lib/constructs/speed/alpha-deprecations';
import { buildVariant } from '../support/app';

const ROOT = join(__dirname, '..', '..');

test('the Flink alpha still uses the deprecated aliases, and they are the only deprecated API a kappa synth uses', () => {
  const calls: unknown[][] = [];
  const spy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    calls.push(args);
  });
  try {
    for (const s of buildVariant({ architecture: 'kappa' }).stacks.all) Template.fromStack(s);
  } finally {
    spy.mockRestore();
  }
  const deprecations = calls.filter((a) => a[0] === '[WARNING]' && /is deprecated/.test(String(a[1])));
  // When this fails because the list is empty, the alpha moved to aws-kinesisanalyticsv2: delete the filter.
  expect(deprecations.length).toBeGreaterThan(0);
  expect(deprecations.filter((a) => !isAlphaDeprecation(a)).map((a) => a[1])).toEqual([]);
});

test('the filter drops the alpha warnings and lets every other warning through', () => {
  const seen: unknown[][] = [];
  const target = { warn: (...args: unknown[]) => void seen.push(args) };
  const restore = quietAlphaDeprecations(target);
  const alpha =
    'aws-cdk-lib.aws_kinesisanalytics.CfnApplicationV2Props#runtimeEnvironment is deprecated, and …';
  const ours = 'aws-cdk-lib.aws_lambda.FunctionOptions#logRetention is deprecated, and …';
  const near = 'aws-cdk-lib.aws_kinesisanalytics.CfnApplication is deprecated, and …';
  target.warn('[WARNING]', alpha);
  target.warn('[WARNING]', ours);
  target.warn('[WARNING]', near);
  target.warn('something else');
  restore();
  target.warn('[WARNING]', alpha);
  expect(seen).toEqual([['[WARNING]', ours], ['[WARNING]', near], ['something else'], ['[WARNING]', alpha]]);
});

test('the CDK app synthesizes kappa without printing a deprecation warning', () => {
  const context = {
    ...JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context,
    architecture: 'kappa',
    'aws:cdk:bundling-stacks': [],
  };
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(ROOT, 'bin', 'app.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'sl-kappa-')),
      CDK_CONTEXT_JSON: JSON.stringify(context),
    },
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/deprecated/i);
});
