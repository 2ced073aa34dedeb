import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildVariant } from '../support/app';

/**
 * The architecture pages may only name what their variant synthesizes: stacks as `Streamlake-<Stage>-<Layer>` (or with
 * the stage spelt out, e.g. `Streamlake-Dev-Batch`), resource types as `AWS::Service::Type`. A page that names a stack or
 * a resource type the variant does not deploy, or leaves out a stack it does deploy, fails here.
 */

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Deployed {
  readonly stacks: Set<string>;
  readonly types: Set<string>;
  readonly alarms: Set<string>;
}

type Resources = Record<string, { Type: string; Properties?: { AlarmName?: unknown } }>;

/** Stack names, resource types and alarm names of one synthesis (stage dev). */
function synthesize(context: Record<string, string>): Deployed {
  const { stacks } = buildVariant(context);
  const deployed: Deployed = { stacks: new Set(), types: new Set(), alarms: new Set() };
  for (const stack of stacks.all) {
    deployed.stacks.add(stack.stackName);
    for (const r of Object.values(Template.fromStack(stack).toJSON().Resources as Resources)) {
      deployed.types.add(r.Type);
      const name = r.Properties?.AlarmName;
      if (r.Type === 'AWS::CloudWatch::Alarm' && typeof name === 'string') deployed.alarms.add(name);
    }
  }
  return deployed;
}

const union = (...all: Deployed[]): Deployed => ({
  stacks: new Set(all.flatMap((d) => [...d.stacks])),
  types: new Set(all.flatMap((d) => [...d.types])),
  alarms: new Set(all.flatMap((d) => [...d.alarms])),
});

/** `Streamlake-<Stage>-Batch`, `Streamlake-Dev-Batch`, `Streamlake-Prod-Batch` → `Streamlake-Dev-Batch` (tests synthesize dev). */
const STACK = /Streamlake-(?:<Stage>|Dev|Prod)-([A-Z][A-Za-z]*)/g;
const TYPE = /AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g;
const ALARM = /Streamlake-(?:<Stage>|Dev|Prod)-[A-Z][A-Za-z]*-[A-Za-z0-9-]+?-(?:Critical|Warning)\b/g;

const stacksNamed = (text: string) => new Set([...text.matchAll(STACK)].map((m) => `Streamlake-Dev-${m[1]}`));
const typesNamed = (text: string) => new Set(text.match(TYPE) ?? []);
const alarmsNamed = (text: string) =>
  new Set(
    [...text.matchAll(ALARM)].map((m) => m[0].replace(/^Streamlake-(?:<Stage>|Prod)-/, 'Streamlake-Dev-')),
  );

/** Every fenced block: its info string and its body. */
function fences(text: string): { info: string; body: string }[] {
  const blocks: { info: string; body: string }[] = [];
  const re = /^```([^\n`]*)\n([\s\S]*?)^```\s*$/gm;
  for (const m of text.matchAll(re)) blocks.push({ info: m[1].trim(), body: m[2] });
  return blocks;
}

const MERMAID_START =
  /^\s*(flowchart|graph|sequenceDiagram|stateDiagram(-v2)?|classDiagram|erDiagram|gantt)\b/;

/** Relative link targets (no scheme, no pure anchor), with the fragment removed. Code blocks are not prose: skipped. */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```\s*$/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.split('#')[0]);
}

const PAGES = [
  'docs/architecture/lambda.md',
  'docs/architecture/kappa.md',
  'docs/concepts.md',
  'docs/adr/0001-architecture-switch.md',
  'docs/runbook.md',
];

let lambdaEngine: Deployed;
let flinkEngine: Deployed;
let kappa: Deployed;

beforeAll(() => {
  lambdaEngine = synthesize({ architecture: 'lambda' });
  flinkEngine = synthesize({ architecture: 'lambda', speedEngine: 'flink' });
  kappa = synthesize({ architecture: 'kappa' });
});

const variants = () =>
  [
    ['docs/architecture/lambda.md', union(lambdaEngine, flinkEngine)],
    ['docs/architecture/kappa.md', kappa],
  ] as const;

describe.each(['docs/architecture/lambda.md', 'docs/architecture/kappa.md'])('%s', (page) => {
  const text = read(page);
  const deployed = () => variants().find(([p]) => p === page)?.[1] as Deployed;

  test('names only stacks the variant synthesizes', () => {
    const named = stacksNamed(text);
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter((s) => !deployed().stacks.has(s))).toEqual([]);
  });

  test('names every stack the variant synthesizes', () => {
    expect([...deployed().stacks].filter((s) => !stacksNamed(text).has(s))).toEqual([]);
  });

  test('names only resource types the variant synthesizes', () => {
    const named = typesNamed(text);
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter((t) => !deployed().types.has(t))).toEqual([]);
  });

  test('draws at least one Mermaid diagram, and every diagram is fenced as ```mermaid', () => {
    const blocks = fences(text);
    expect(blocks.filter((b) => b.info === 'mermaid').length).toBeGreaterThan(0);
    expect(
      blocks.filter((b) => b.info !== 'mermaid' && MERMAID_START.test(b.body)).map((b) => b.info),
    ).toEqual([]);
  });
});

test('the lambda page says which speed engine deploys each engine-only resource type', () => {
  const text = read('docs/architecture/lambda.md');
  const only = (a: Deployed, b: Deployed) => [...a.types].filter((t) => !b.types.has(t));
  const rules: [string, string[]][] = [
    ['speedEngine=lambda', only(lambdaEngine, flinkEngine)],
    ['speedEngine=flink', only(flinkEngine, lambdaEngine)],
  ];
  const unlabelled: string[] = [];
  for (const [label, types] of rules) {
    expect(types.length).toBeGreaterThan(0);
    for (const line of text.split('\n'))
      for (const type of typesNamed(line))
        if (types.includes(type) && !line.includes(label))
          unlabelled.push(`${type} without ${label}: ${line}`);
  }
  expect(unlabelled).toEqual([]);
});

test('the runbook names only alarms that some variant deploys, and every alarm of every variant', () => {
  const text = read('docs/runbook.md');
  const all = union(lambdaEngine, flinkEngine, kappa);
  const named = alarmsNamed(text);
  expect([...named].filter((a) => !all.alarms.has(a))).toEqual([]);
  expect([...all.alarms].filter((a) => !named.has(a))).toEqual([]);
});

test.each(PAGES)('%s: every relative link resolves to a file', (page) => {
  const links = relativeLinks(read(page));
  expect(links.length).toBeGreaterThan(0);
  const base = dirname(join(ROOT, page));
  expect(links.filter((target) => !existsSync(resolve(base, target)))).toEqual([]);
});

test('fails for a stack, a type or a link that does not exist (the extractors see them)', () => {
  const sample =
    'Deploys `Streamlake-<Stage>-Nowhere` with `AWS::Made::Up`; [x](../no-such-file.md), alarm Streamlake-Dev-Speed-Foo-Bar-Critical.';
  expect(stacksNamed(sample)).toEqual(new Set(['Streamlake-Dev-Nowhere', 'Streamlake-Dev-Speed']));
  expect(typesNamed(sample)).toEqual(new Set(['AWS::Made::Up']));
  expect(relativeLinks(sample)).toEqual(['../no-such-file.md']);
  expect(alarmsNamed(sample)).toEqual(new Set(['Streamlake-Dev-Speed-Foo-Bar-Critical']));
});
