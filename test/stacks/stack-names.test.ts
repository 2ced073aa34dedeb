import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Names } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildVariant } from '../support/app';
import { VARIANTS } from '../support/variants';

const ROOT = join(__dirname, '..', '..');

/** One synthesis per variant: its cloud assembly and the unique IDs of its constructs. */
const built = new Map<string, { assembly: CloudAssembly; uniqueIds: string[] }>();
function synthesized(name: string) {
  let b = built.get(name);
  if (!b) {
    const { app, stacks } = buildVariant(VARIANTS[name]!);
    // The unique ID of every construct: construct IDs that reference another construct embed it.
    const uniqueIds = stacks.all.flatMap((s) =>
      s.node
        .findAll()
        .filter((n) => n !== s)
        .map((n) => Names.nodeUniqueId(n.node)),
    );
    b = { assembly: app.synth(), uniqueIds };
    built.set(name, b);
  }
  return b;
}
const logicalIds = (assembly: CloudAssembly) =>
  assembly.stacks.flatMap((s) => Object.keys((s.template as { Resources: object }).Resources));

/** The cdk CLI selects stacks by matching their hierarchical ID (construct path), not their CloudFormation name. */
test.each(Object.keys(VARIANTS))('variant %s: every stack is selected by its name', (name) => {
  const { assembly } = synthesized(name);
  expect(assembly.stacks.length).toBeGreaterThan(0);
  for (const stack of assembly.stacks) {
    expect(stack.stackName).toMatch(/^Streamlake-(Dev|Prod)-[A-Z][a-z]+$/);
    expect(stack.hierarchicalId).toBe(stack.stackName);
  }
});

test('npx cdk ls Streamlake-Dev-Storage selects that stack (the cdk CLI on a synthesized assembly)', () => {
  const { assembly } = synthesized('kappa');
  const cdk = (...args: string[]) =>
    spawnSync('npx', ['--no-install', 'cdk', 'ls', '--app', assembly.directory, '--no-notices', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
  const one = cdk('Streamlake-Dev-Storage');
  expect(one.status).toBe(0);
  expect(one.stdout.trim()).toBe('Streamlake-Dev-Storage');
  const all = cdk();
  expect(all.stdout.trim().split('\n').sort()).toEqual(assembly.stacks.map((s) => s.stackName).sort());
  // The layer alone selects nothing: patterns match whole names, so the check above is not vacuous.
  expect(cdk('Storage').stdout.trim()).toBe('');
});

describe('logical IDs do not depend on stack names', () => {
  test.each(Object.keys(VARIANTS))('variant %s: no logical ID embeds a construct path', (name) => {
    const { assembly, uniqueIds } = synthesized(name);
    // The smallest variant (localstack: no batch, no Flink) has about 70 constructs.
    expect(uniqueIds.length).toBeGreaterThan(50);
    expect(logicalIds(assembly).filter((id) => uniqueIds.some((u) => id.includes(u)))).toEqual([]);
  });

  test('the event source mapping and the EMR service-access rule keep the IDs they had before', () => {
    // Values from the templates synthesized when stacks had their layer as construct ID: a new ID would replace the
    // mapping (the new one re-reads the stream from TRIM_HORIZON) and fail to re-create the security-group rule.
    const ids = logicalIds(synthesized('lambda').assembly);
    expect(ids).toContain('ConsumerFunctionKinesisEventSourceIngestionEventsStream76292827940D892E');
    expect(ids).toContain(
      'EmrServiceAccessSecurityGroupfromBatchEmrPrimarySecurityGroup6848C1A9944325ED2F56',
    );
  });
});
