/**
 * `npm run bench:synth`: wall time of synthesizing each variant, without and with cdk-nag, measured in one run.
 * Each measurement is a fresh process (what `cdk synth` pays: loading tsx, aws-cdk-lib and the app, then synthesis),
 * alternating the order of the two modes so neither gets a warmer disk cache. Assets are not bundled (no esbuild or
 * Maven in the figure); `cdk synth` adds bundling on the first run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { buildStreamlake } from '../lib/app';
import { parseConfig } from '../lib/config';
import { StreamlakeNagChecks } from '../lib/constructs/nag';
import { CDK_JSON_CONTEXT } from '../test/support/app';
import { VARIANTS } from '../test/support/variants';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Child mode: synthesize one variant and exit. */
function synthOnce(variant: string, nag: boolean): void {
  const full = { ...CDK_JSON_CONTEXT, ...VARIANTS[variant] };
  const app = new App({
    context: { ...full, 'aws:cdk:bundling-stacks': [] },
    outdir: mkdtempSync(join(tmpdir(), 'sl-bench-')),
  });
  buildStreamlake(app, parseConfig(full));
  if (nag) Validations.of(app).addPlugins(new StreamlakeNagChecks(app));
  app.synth();
}

function timeChild(variant: string, nag: boolean): number {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, [...process.execArgv, __filename, '--child', variant, String(nag)], {
    stdio: 'ignore',
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[2] === '--child') {
  synthOnce(process.argv[3], process.argv[4] === 'true');
} else {
  timeChild('lambda', true); // warm the disk cache once
  console.log(
    `synthesis wall time per fresh process, median of ${RUNS} runs, ${cpus().length} cores (assets not bundled)`,
  );
  console.log('variant          without cdk-nag   with cdk-nag   nag overhead');
  for (const variant of Object.keys(VARIANTS)) {
    const plain: number[] = [];
    const nag: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? [false, true] : [true, false];
      for (const withNag of order) (withNag ? nag : plain).push(timeChild(variant, withNag));
    }
    const [p, n] = [median(plain), median(nag)];
    console.log(
      `${variant.padEnd(16)} ${p.toFixed(2).padStart(12)} s ${n.toFixed(2).padStart(12)} s ${(((n - p) / p) * 100).toFixed(0).padStart(10)} %`,
    );
  }
}
