/**
 * How an estimate is shown: a table per variant, and with `--explain` the arithmetic of each line, the inputs and where
 * they come from, what is not priced and why, each price with its page, date and evidence, each assumption with its
 * reason. `renderMarkdown` is the worked example docs/cost.md quotes (a test keeps the two equal).
 */

import type { VariantEstimate } from './cost';
import type { Assumption } from './cost-assumptions';
import { money, n, unitPrice } from './cost-model';
import type { Price } from './cost-prices';
import { formatTable } from './query';

export function title(e: VariantEstimate): string {
  const speed = e.speedEngine === 'lambda' ? 'Lambda speed layer' : 'Managed Flink';
  const batch = e.batchEngine === 'emr' ? ', EMR batch' : '';
  return `${e.architecture} architecture (${speed}${batch}, ${e.streamMode} stream)`;
}

function quantity(q: number, unit: string): string {
  return `${n(q)} ${unit}`;
}

export function renderVariant(e: VariantEstimate): string {
  const rows = e.items.map((i) => [
    i.service,
    i.item,
    quantity(i.quantity, i.unit),
    `${unitPrice(i.unitUsd)} per ${i.priceUnit}`,
    money(i.monthlyUsd),
  ]);
  const services = Object.entries(e.byService)
    .map(([s, v]) => `${s} ${money(v)}`)
    .join(', ');
  const growth = e.growth
    .map((g) => `month ${g.month} ${money(g.totalUsd)} (S3 ${money(g.s3Usd)})`)
    .join(' · ');
  return [
    `${title(e)}, month ${e.month}: ${money(e.totalUsd)} / month`,
    formatTable(['service', 'item', 'quantity', 'unit price', 'monthly'], rows),
    `by service: ${services}`,
    `over time (storage and key rotations grow): ${growth}`,
    ...e.warnings.map((w) => `warning: ${w.message}${w.limit ? ` [${w.limit.source}]` : ''}`),
  ].join('\n');
}

export function renderExplanation(e: VariantEstimate): string {
  const lines = [`how each line of the ${e.architecture} architecture is computed (month ${e.month}):`];
  for (const i of e.items) lines.push(`  ${i.service} · ${i.item}: ${i.formula}`);
  lines.push('inputs, from the config and the synthesized templates:');
  for (const r of e.inputs) lines.push(`  ${r.input}: ${r.value} (${r.from})`);
  lines.push('not priced:');
  for (const p of e.notPriced) lines.push(`  ${p.what}: ${p.reason}`);
  return lines.join('\n');
}

export function renderPrices(region: string, prices: Readonly<Record<string, Price>>): string {
  const lines = [
    `prices (${region}, USD): each with its page, the day it was checked and how far it was verified (docs/reference.md)`,
  ];
  for (const [name, p] of Object.entries(prices).sort(([a], [b]) => a.localeCompare(b)))
    lines.push(
      `  ${name}: ${unitPrice(p.usd)} per ${p.unit}${p.tiers ? ' (tiered)' : ''}${p.note ? `, ${p.note}` : ''} — ${p.source}, checked ${p.checked}, ${p.evidence}`,
    );
  return lines.join('\n');
}

function assumptionValue(a: Assumption<unknown>): string {
  if (typeof a.value === 'number') return `${n(a.value, 4)}${a.unit ? ` ${a.unit}` : ''}`;
  if (Array.isArray(a.value))
    return (a.value as { share: number; fromSeconds: number; toSeconds: number }[])
      .map((b) => `${n(b.share * 100, 1)} % at ${b.fromSeconds}–${b.toSeconds} s`)
      .join(', ');
  return Object.entries(a.value as Record<string, number>)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

export function renderAssumptions(assumptions: Readonly<Record<string, Assumption<unknown>>>): string {
  const lines = [
    'assumptions (cli/lib/cost-assumptions.ts): each with its reason, and its source where measured',
  ];
  for (const [name, a] of Object.entries(assumptions))
    lines.push(`  ${name} = ${assumptionValue(a)}: ${a.why}${a.source ? ` [${a.source}]` : ''}`);
  return lines.join('\n');
}

/** The worked example of one variant, as docs/cost.md shows it. */
export function renderMarkdown(
  e: VariantEstimate,
  request: { eventsPerSecond: number; eventBytes: number },
): string {
  // The formula ends with its result; the table shows it in its own column.
  const how = (f: string) => f.replace(/ = \$[^ ]+$/, '').replace(/\|/g, '\\|');
  const rows = e.items.map(
    (i) => `| ${i.service} | ${i.item} | ${how(i.formula)} | ${money(i.monthlyUsd)} |`,
  );
  return [
    `${title(e)} at ${n(request.eventsPerSecond)} events/s of ${request.eventBytes} B, month ${e.month}: **${money(e.totalUsd)} / month**`,
    '',
    '| service | item | how | monthly |',
    '|---|---|---|---|',
    ...rows,
    `| **total** | | | **${money(e.totalUsd)}** |`,
    '',
    `Over time: ${e.growth.map((g) => `month ${g.month} ${money(g.totalUsd)}`).join(', ')}.`,
  ].join('\n');
}
