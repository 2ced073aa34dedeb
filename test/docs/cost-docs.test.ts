/**
 * docs/cost.md, docs/reference.md and the cost section of docs/cli.md are held to the model: the worked examples are
 * what the model computes, the figures the prose quotes come from it, the options table is the command's, and the
 * price and quota tables are cli/pricing/us-east-1.json and cli/lib/cost-quotas.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliContext } from '../../cli/commands/context';
import { costCommand } from '../../cli/commands/cost';
import { estimate, type VariantEstimate } from '../../cli/lib/cost';
import { renderMarkdown } from '../../cli/lib/cost-format';
import { costConfig } from '../../cli/lib/cost-inputs';
import { loadInventory } from '../../cli/lib/cost-inventory';
import { money, n, unitPrice } from '../../cli/lib/cost-model';
import { loadPricing } from '../../cli/lib/cost-prices';
import { QUOTAS } from '../../cli/lib/cost-quotas';
import { costReport, renderReport } from '../../cli/lib/cost-report';

const ROOT = join(__dirname, '..', '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
let costDoc = read('docs/cost.md');
const deps = { pricing: loadPricing('us-east-1'), inventory: loadInventory() };
const request = { eventsPerSecond: 1000, eventBytes: 300, month: 12 };
const at = (context: string[], eventsPerSecond = 1000): VariantEstimate =>
  estimate(costConfig(context), { ...request, eventsPerSecond }, deps);

const EXAMPLES: Record<string, string[]> = {
  lambda: ['architecture=lambda'],
  kappa: ['architecture=kappa'],
  'lambda-flink': ['architecture=lambda', 'speedEngine=flink'],
  'lambda-mapreduce': ['architecture=lambda', 'batchEngine=mapreduce'],
};

/** The example block of a variant in a document, or undefined. */
const exampleIn = (doc: string, name: string) =>
  new RegExp(`<!-- cost-example: ${name} -->\n([\\s\\S]*?)\n<!-- /cost-example -->`).exec(doc)?.[1];

// STREAMLAKE_UPDATE_COST_DOCS=1 rewrites the example blocks from the model (after a price or template change); the
// figures the prose quotes are checked below and must be edited by hand.
if (process.env['STREAMLAKE_UPDATE_COST_DOCS'] === '1') {
  for (const [name, context] of Object.entries(EXAMPLES))
    costDoc = costDoc.replace(
      new RegExp(`(<!-- cost-example: ${name} -->\n)[\\s\\S]*?(\n<!-- /cost-example -->)`),
      (_m, open: string, close: string) => `${open}${renderMarkdown(at(context), request)}${close}`,
    );
  writeFileSync(join(ROOT, 'docs/cost.md'), costDoc);
}

test.each(Object.entries(EXAMPLES))(
  'docs/cost.md: the %s example is what the model computes',
  (name, context) => {
    expect(exampleIn(costDoc, name)).toBe(renderMarkdown(at(context), request));
  },
);

test('the example check fails on a page whose figures differ from the model by a cent', () => {
  const rendered = renderMarkdown(at(EXAMPLES['kappa']!), request);
  const wrong = costDoc.replace(exampleIn(costDoc, 'kappa')!, rendered.replace('$29.20', '$29.21'));
  expect(exampleIn(wrong, 'kappa')).not.toBe(rendered);
  expect(exampleIn(costDoc.replace('<!-- cost-example: kappa -->', ''), 'kappa')).toBeUndefined();
});

test('docs/cost.md: the figures its prose quotes come from the model', () => {
  const lambda = at(['architecture=lambda']);
  const kappa = at(['architecture=kappa']);
  const lambda100k = at(['architecture=lambda'], 100_000);
  const kappa100k = at(['architecture=kappa'], 100_000);
  const d = lambda.derived;
  const figures = [
    `${d['shards']} shards`,
    `${d['consumerBatchMs']} ms a batch`,
    `${Math.round(d['consumerKeysPerWindow']!)} keys per window`,
    `${n(d['speedWritesPerThousandEvents']!, 1)} writes per 1,000 events`,
    `${n(lambda100k.derived['speedWritesPerThousandEvents']!, 1)} at 100,000 events/s`,
    `Flink writes about ${Math.round(kappa.derived['flinkWritesPerSecond']!)} per`,
    `${n((1000 * kappa100k.derived['flinkWritesPerSecond']!) / 100_000, 1)} at 100,000`,
    `EMR ${n(d['emrClusterHours']!, 3)} h a day`,
    `interface endpoints (${money(lambda.byService['VPC']! - 0.01).replace('.00', '')})`,
    `EMR\n  cluster (${money(lambda.byService['EMR']!)})`,
    `($${Math.round(kappa.totalUsd).toLocaleString('en-US')} vs $${Math.round(lambda.totalUsd)}`,
    `($${Math.round(kappa100k.totalUsd).toLocaleString('en-US')} vs $${Math.round(lambda100k.totalUsd).toLocaleString('en-US')}`,
    `${n(lambda.items.find((i) => i.item.startsWith('ingested'))!.quantity)} GB billed for ${n(
      lambda.items.find((i) => i.item.startsWith('dynamic partitioning, data'))!.quantity,
      0,
    )} GB`,
  ];
  for (const f of figures) expect([f, costDoc.includes(f)]).toEqual([f, true]);
});

test('docs/cost.md: the options table is the command’s', () => {
  const cmd = costCommand({} as CliContext);
  const documented = [...costDoc.matchAll(/^\| `(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
  expect(documented.sort()).toEqual(cmd.options.map((o) => o.long!).sort());
});

test('docs/reference.md: the price table is cli/pricing/us-east-1.json', () => {
  const doc = read('docs/reference.md');
  const rows = [
    ...doc.matchAll(
      /^\| `([\w.]+)` \| (\$[\d.,]+)(?: \(tiered\))? \| ([^|]+) \| (\S+) \| (\S+) \| ([^|]+) \|$/gm,
    ),
  ].map((m) => [m[1], m[2], m[3]!.trim(), m[4], m[5], m[6]!.trim()]);
  const expected = Object.entries(deps.pricing.prices).map(([name, p]) => [
    name,
    unitPrice(p.usd),
    p.unit,
    p.source,
    p.checked,
    p.evidence,
  ]);
  expect(rows).toEqual(expected);
});

test('docs/reference.md: the limits table is cli/lib/cost-quotas.ts', () => {
  const doc = read('docs/reference.md');
  for (const [name, q] of Object.entries(QUOTAS))
    expect(doc).toContain(
      `| ${q.name} (\`${name}\`) | ${q.value.toLocaleString('en-US')} ${q.unit} | ${q.source} |`,
    );
});

test('docs/cli.md: the cost example output is what the command prints', () => {
  const doc = read('docs/cli.md');
  const text = renderReport(
    costReport(
      { request, architectures: ['lambda', 'kappa'], context: [], region: 'us-east-1', scale: true },
      deps,
    ),
    {},
  );
  const table = text.slice(text.indexOf('events/s  arch')).split('\n').slice(0, 8).join('\n');
  expect(doc).toContain(table);
});
