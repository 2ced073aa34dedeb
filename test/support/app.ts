import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStreamlake, type StreamlakeStacks } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { StreamlakeNagChecks } from '../../lib/constructs/nag';

const ROOT = join(__dirname, '..', '..');
/** The feature flags and defaults of cdk.json, so tests synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(join(ROOT, 'cdk.json'), 'utf8'),
).context;

export interface Synthesized {
  readonly app: App;
  readonly stacks: StreamlakeStacks;
}

/** Builds the app for a context as `cdk synth -c …` would, without bundling assets (tests never run esbuild or Maven). */
export function buildVariant(
  context: Record<string, unknown> = {},
  options: { nag?: boolean } = {},
): Synthesized {
  const full = { ...CDK_JSON_CONTEXT, ...context };
  const app = new App({
    context: { ...full, 'aws:cdk:bundling-stacks': [] },
    outdir: mkdtempSync(join(tmpdir(), 'streamlake-test-')),
  });
  const stacks = buildStreamlake(app, parseConfig(full));
  if (options.nag) Validations.of(app).addPlugins(new StreamlakeNagChecks(app));
  return { app, stacks };
}

export function templateOf(stack: import('aws-cdk-lib').Stack): Template {
  return Template.fromStack(stack);
}

export interface NagViolation {
  readonly rule: string;
  readonly path: string;
  readonly description: string;
}

/** Synthesizes with cdk-nag and returns every unacknowledged finding (empty when the report passes). */
export function nagViolations(context: Record<string, unknown>): NagViolation[] {
  return collectNagViolations(buildVariant(context, { nag: true }).app);
}

/** Synthesizes an app that has the nag plugin and returns its unacknowledged findings. */
export function collectNagViolations(app: App): NagViolation[] {
  try {
    app.synth();
    return [];
  } catch (error) {
    const report = join(app.outdir, 'validation-report.json');
    let parsed: {
      pluginReports: {
        pluginName: string;
        violations: {
          ruleName: string;
          description: string;
          violatingConstructs: { constructPath: string }[];
        }[];
      }[];
    };
    try {
      parsed = JSON.parse(readFileSync(report, 'utf8'));
    } catch {
      throw error;
    }
    // The report also carries CDK's own CloudFormation checks and annotations; cfn-lint and the stack tests cover those.
    return parsed.pluginReports
      .filter((p) => p.pluginName === 'AwsSolutions')
      .flatMap((p) =>
        p.violations.flatMap((v) =>
          v.violatingConstructs.map((c) => ({
            rule: v.ruleName,
            path: c.constructPath,
            description: v.description,
          })),
        ),
      );
  }
}
