import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildStreamlake } from '../../lib/app';
import { parseConfig } from '../../lib/config';
import { buildJarLocally, MAVEN_MISSING } from '../../lib/constructs/speed/flink-jar';
import { CDK_JSON_CONTEXT } from '../support/app';

/** A PATH with nothing on it but the given fake commands (each prints its name and succeeds). */
function pathWith(...commands: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sl-path-'));
  for (const c of commands) {
    writeFileSync(join(dir, c), `#!/bin/sh\necho ${c}\n`);
    chmodSync(join(dir, c), 0o755);
  }
  return dir;
}

const out = () => mkdtempSync(join(tmpdir(), 'sl-jar-'));

test('without Maven or Docker, building the jar fails naming Maven', () => {
  expect(() => buildJarLocally(out(), { PATH: pathWith() })).toThrow(MAVEN_MISSING);
});

test('without Maven but with Docker, local bundling steps aside for the maven image', () => {
  expect(buildJarLocally(out(), { PATH: pathWith('docker') })).toBe(false);
});

test('a kappa synth that bundles the Flink job on a machine without Maven says so (not spawnSync docker ENOENT)', () => {
  const context = {
    ...CDK_JSON_CONTEXT,
    architecture: 'kappa',
    'aws:cdk:bundling-stacks': ['Streamlake-Dev-Stream'],
  };
  const saved = process.env.PATH;
  process.env.PATH = pathWith();
  try {
    const app = new App({ context, outdir: out() });
    expect(() => buildStreamlake(app, parseConfig(context))).toThrow(/Maven \(mvn\) is not on PATH/);
  } finally {
    process.env.PATH = saved;
  }
});
