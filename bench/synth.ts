/**
 * `npm run bench:synth`: wall time of synthesizing each variant, without and with cdk-nag, in one run.
 * Each measurement is a fresh process-free synthesis in this process after one warm-up (module loading excluded).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { buildStreamlake } from '../lib/app';
import { parseConfig } from '../lib/config';
import { StreamlakeNagChecks } from '../lib/constructs/nag';
import { CDK_JSON_CONTEXT } from '../test/support/app';
import { VARIANTS } from '../test/support/variants';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function synth(context: Record<string, string>, nag: boolean): number {
  const full = { ...CDK_JSON_CONTEXT, ...context };
  const start = process.hrtime.bigint();
  const app = new App({
    context: { ...full, 'aws:cdk:bundling-stacks': [] },
    outdir: mkdtempSync(join(tmpdir(), 'sl-bench-')),
  });
  buildStreamlake(app, parseConfig(full));
  if (nag) Validations.of(app).addPlugins(new StreamlakeNagChecks(app));
  app.synth();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const originalError = console.error;
console.error = () => {}; // synth warnings are not what is measured
synth(VARIANTS.lambda, true); // warm-up: module loading and JIT
const rows = Object.entries(VARIANTS).map(([name, context]) => {
  const plain = Array.from({ length: RUNS }, () => synth(context, false));
  const nag = Array.from({ length: RUNS }, () => synth(context, true));
  return { name, plain: median(plain), nag: median(nag) };
});
console.error = originalError;
console.log(
  `synthesis wall time, median of ${RUNS} runs each (assets not bundled), ${require('node:os').cpus().length} cores`,
);
console.log('variant          without cdk-nag   with cdk-nag   nag overhead');
for (const r of rows) {
  console.log(
    `${r.name.padEnd(16)} ${r.plain.toFixed(2).padStart(12)} s ${r.nag.toFixed(2).padStart(12)} s ${(((r.nag - r.plain) / r.plain) * 100).toFixed(0).padStart(10)} %`,
  );
}
