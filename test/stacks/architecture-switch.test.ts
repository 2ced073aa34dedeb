import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildVariant } from '../support/app';
import { type CfnTemplate, switchPlan, type Variant } from '../support/switch-plan';

/** The variants docs/runbook.md names, as `-c` context. */
const VARIANTS: Record<string, Record<string, string>> = {
  lambda: { architecture: 'lambda' },
  'lambda-flink': { architecture: 'lambda', speedEngine: 'flink' },
  kappa: { architecture: 'kappa' },
};

const templates: Record<string, Variant> = Object.fromEntries(
  Object.entries(VARIANTS).map(([name, context]) => [
    name,
    Object.fromEntries(
      buildVariant(context).stacks.all.map((s) => [
        s.stackName,
        Template.fromStack(s).toJSON() as CfnTemplate,
      ]),
    ),
  ]),
);

/** How the runbook's "left behind" column names resource types. */
const FRIENDLY: Record<string, string> = {
  'AWS::KinesisAnalyticsV2::Application': 'Flink application',
  'AWS::SQS::Queue': 'SQS queues',
  'AWS::Logs::LogGroup': 'log groups',
  // The Flink application's log stream lives in its log group; nothing to decide about it.
  'AWS::Logs::LogStream': '',
};

interface Row {
  readonly from: string;
  readonly to: string;
  readonly destroy: string[];
  readonly leftBehind: string[];
}

function runbookRows(): Row[] {
  const text = readFileSync(join(__dirname, '../../docs/runbook.md'), 'utf8');
  const section = text.slice(text.indexOf('## Switch an existing deployment'), text.indexOf('## Alarms'));
  const cells = (s: string) =>
    s === 'none'
      ? []
      : s
          .split(',')
          .map((c) => c.trim().replace(/`/g, ''))
          .filter(Boolean);
  return section
    .split('\n')
    .filter((l) => /^\| `[a-z-]+` \| `[a-z-]+` \|/.test(l))
    .map((l) => {
      const [from, to, destroy, left] = l
        .split('|')
        .slice(1, 5)
        .map((c) => c.trim());
      return {
        from: from.replace(/`/g, ''),
        to: to.replace(/`/g, ''),
        destroy: cells(destroy),
        leftBehind: cells(left),
      };
    });
}

const pairs = Object.keys(VARIANTS).flatMap((from) =>
  Object.keys(VARIANTS)
    .filter((to) => to !== from)
    .map((to) => [from, to] as const),
);

test('the runbook has one row per pair of variants', () => {
  expect(
    runbookRows()
      .map((r) => `${r.from}->${r.to}`)
      .sort(),
  ).toEqual(pairs.map(([f, t]) => `${f}->${t}`).sort());
});

describe.each(pairs)('switching %s -> %s', (from, to) => {
  const plan = switchPlan(templates[from]!, templates[to]!);
  const row = runbookRows().find((r) => r.from === from && r.to === to);

  test('destroying the stacks the new variant lacks, then deploying it, deletes no export still imported', () => {
    expect(plan.blockedDuringDeploy).toEqual({});
  });

  test('the runbook destroys exactly the stacks the new variant does not have', () => {
    expect(row?.destroy.sort()).toEqual(
      plan.destroyFirst.map((s) => s.replace(/^Streamlake-Dev-/, '')).sort(),
    );
  });

  test('the runbook names every kind of resource the switch leaves behind', () => {
    const kinds = new Set(
      plan.leftBehind.map((r) => FRIENDLY[r.split(': ')[1]!.split(' (')[0]!] ?? r).filter(Boolean),
    );
    expect(row?.leftBehind.sort()).toEqual([...kinds].sort());
  });
});

test('lambda -> kappa must destroy Batch first: kappa Storage drops exports that only Batch imports', () => {
  const plan = switchPlan(templates.lambda!, templates.kappa!);
  const importers = new Set(Object.values(plan.blockedUntilDestroyed).flat());
  expect(importers).toEqual(new Set(['Streamlake-Dev-Batch']));
  expect(Object.keys(plan.blockedUntilDestroyed).every((e) => e.startsWith('Streamlake-Dev-Storage:'))).toBe(
    true,
  );
});

describe('the plan', () => {
  const exporter = (names: string[]): CfnTemplate => ({
    Outputs: Object.fromEntries(names.map((n) => [n, { Export: { Name: n } }])),
  });
  const importer = (names: string[]): CfnTemplate => ({
    Resources: { R: { Type: 'X', ...{ Properties: names.map((n) => ({ 'Fn::ImportValue': n })) } } },
  });

  test('fails when a kept stack drops an export another kept stack imports', () => {
    const from = { A: exporter(['a:x']), B: importer(['a:x']) };
    const to = { A: exporter([]), B: importer([]) };
    expect(switchPlan(from, to).blockedDuringDeploy).toEqual({ 'a:x': ['B'] });
  });

  test('is not blocked when the importer still imports the export in the new variant', () => {
    const from = { A: exporter(['a:x']), B: importer(['a:x']) };
    expect(switchPlan(from, from).blockedDuringDeploy).toEqual({});
  });

  test('lists retained resources of destroyed stacks and of resources a kept stack drops', () => {
    const from: Variant = {
      A: { Resources: { Q: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Retain' }, F: { Type: 'Fn' } } },
      B: { Resources: { L: { Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain' } } },
    };
    const to: Variant = { A: { Resources: {} } };
    expect(switchPlan(from, to)).toMatchObject({
      destroyFirst: ['B'],
      leftBehind: ['A: AWS::SQS::Queue (Q)', 'B: AWS::Logs::LogGroup (L)'],
    });
  });
});
