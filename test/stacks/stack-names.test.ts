import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Names } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildVariant } from '../support/app';
import { VARIANTS } from '../support/variants';

const ROOT = join(__dirname, '..', '..');

/** The cdk CLI selects stacks by matching their hierarchical ID (construct path), not their CloudFormation name. */
test.each(Object.entries(VARIANTS))('variant %s: every stack is selected by its name', (_name, context) => {
  const assembly = buildVariant(context).app.synth();
  expect(assembly.stacks.length).toBeGreaterThan(0);
  for (const stack of assembly.stacks) {
    expect(stack.stackName).toMatch(/^Streamlake-(Dev|Prod)-[A-Z][a-z]+$/);
    expect(stack.hierarchicalId).toBe(stack.stackName);
  }
});

test('npx cdk ls Streamlake-Dev-Storage selects that stack (the cdk CLI on a synthesized assembly)', () => {
  const assembly = buildVariant({ architecture: 'kappa' }).app.synth();
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
  const synthesized = (context: Record<string, string>) => {
    const { stacks } = buildVariant(context);
    const logicalIds = stacks.all.flatMap((s) =>
      Object.keys(Template.fromStack(s).toJSON().Resources as Record<string, unknown>),
    );
    // The unique IDs of every construct, as construct IDs that reference other constructs embed them.
    const uniqueIds = stacks.all.flatMap((s) =>
      s.node
        .findAll()
        .filter((n) => n !== s)
        .map((n) => Names.nodeUniqueId(n.node)),
    );
    return { logicalIds, uniqueIds };
  };

  test.each(Object.entries(VARIANTS))(
    'variant %s: no logical ID embeds a construct path',
    (_name, context) => {
      const { logicalIds, uniqueIds } = synthesized(context);
      expect(uniqueIds.length).toBeGreaterThan(100);
      expect(logicalIds.filter((id) => uniqueIds.some((u) => id.includes(u)))).toEqual([]);
    },
  );

  test('the event source mapping and the EMR service-access rule keep the IDs they had before', () => {
    // Values from the templates synthesized when stacks had their layer as construct ID: a new ID would replace the
    // mapping (the new one re-reads the stream from TRIM_HORIZON) and fail to re-create the security-group rule.
    const { logicalIds } = synthesized({ architecture: 'lambda' });
    expect(logicalIds).toContain('ConsumerFunctionKinesisEventSourceIngestionEventsStream76292827940D892E');
    expect(logicalIds).toContain(
      'EmrServiceAccessSecurityGroupfromBatchEmrPrimarySecurityGroup6848C1A9944325ED2F56',
    );
  });
});
