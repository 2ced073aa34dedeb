/**
 * Synthesizes every variant the project promises (test/support/variants.ts) into .local/cfn/<variant>/, without
 * bundling assets. cfn-lint and the offline runtime read these templates.
 * Usage: tsx scripts/synth-variants.ts [outdir]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildStreamlake } from '../lib/app';
import { parseConfig } from '../lib/config';
import { quietAlphaDeprecations } from '../lib/constructs/speed/alpha-deprecations';
import { CDK_JSON_CONTEXT } from '../test/support/app';
import { VARIANTS } from '../test/support/variants';

quietAlphaDeprecations();
const out = process.argv[2] ?? join(__dirname, '..', '.local', 'cfn');
rmSync(out, { recursive: true, force: true });
for (const [name, context] of Object.entries(VARIANTS)) {
  const outdir = join(out, name);
  mkdirSync(outdir, { recursive: true });
  const full = { ...CDK_JSON_CONTEXT, ...context };
  const app = new App({ context: { ...full, 'aws:cdk:bundling-stacks': [] }, outdir });
  buildStreamlake(app, parseConfig(full));
  app.synth();
  console.log(`synthesized ${name} -> ${outdir}`);
}
