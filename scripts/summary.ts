/**
 * Synthesizes both architectures and prints what each deploys: stacks and resource counts by service.
 * Usage: tsx scripts/summary.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStreamlake } from '../lib/app';
import { parseConfig } from '../lib/config';
import { CDK_JSON_CONTEXT } from '../test/support/app';
import { VARIANTS } from '../test/support/variants';

for (const [name, context] of Object.entries(VARIANTS)) {
  const full = { ...CDK_JSON_CONTEXT, ...context };
  const app = new App({
    context: { ...full, 'aws:cdk:bundling-stacks': [] },
    outdir: mkdtempSync(join(tmpdir(), 'sl-')),
  });
  const { all } = buildStreamlake(app, parseConfig(full));
  console.log(
    `\n${name} (${Object.entries(context)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')})`,
  );
  for (const stack of all) {
    const resources = Object.values(Template.fromStack(stack).toJSON().Resources ?? {}) as { Type: string }[];
    const byService = new Map<string, number>();
    for (const r of resources) {
      const service = r.Type.split('::')[1] ?? r.Type;
      byService.set(service, (byService.get(service) ?? 0) + 1);
    }
    const services = [...byService].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s} ${n}`);
    console.log(
      `  ${stack.stackName.padEnd(28)} ${String(resources.length).padStart(3)} resources: ${services.join(', ')}`,
    );
  }
}
