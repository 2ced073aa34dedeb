/**
 * The templates the offline runtime deploys: the CDK app synthesized into a folder (bundling skipped), or a folder of
 * templates synthesized before.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture, CfnTemplate, NamedTemplate } from './templates';

/**
 * Synthesizes the app into `outDir` with bundling skipped for every stack. Runs the app directly (as `cdk synth`
 * does), because the CDK CLI refuses user context keys prefixed with `aws:` such as `aws:cdk:bundling-stacks`.
 */
export function synthesize(
  repoRoot: string,
  architecture: Architecture,
  outDir: string,
  speedEngine?: 'lambda' | 'flink',
  batchEngine?: 'emr' | 'mapreduce',
): NamedTemplate[] {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
    app: string;
    context?: Record<string, unknown>;
  };
  const context = {
    ...cdkJson.context,
    architecture,
    ...(speedEngine ? { speedEngine } : {}),
    ...(batchEngine ? { batchEngine } : {}),
    target: 'aws',
    'aws:cdk:bundling-stacks': [],
  };
  const r = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli', { paths: [repoRoot] }), join(repoRoot, 'bin', 'app.ts')],
    {
      cwd: repoRoot,
      env: { ...process.env, CDK_OUTDIR: outDir, CDK_CONTEXT_JSON: JSON.stringify(context) },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) {
    // Drop minified library source lines that Node prints with a stack trace; keep the app's messages.
    const text = `${r.stderr}${r.stdout}`
      .split('\n')
      .filter((l) => l.length < 400)
      .join('\n');
    throw new Error(`cdk synth (architecture=${architecture}) failed:\n${text}`);
  }
  return readTemplates(outDir);
}

export function readTemplates(dir: string): NamedTemplate[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => ({
      stackName: f.replace(/\.template\.json$/, ''),
      template: JSON.parse(readFileSync(join(dir, f), 'utf8')) as CfnTemplate,
    }));
}
