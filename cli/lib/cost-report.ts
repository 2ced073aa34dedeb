/**
 * One `streamlake cost` run: the estimate of each architecture asked for, under the same config overrides, at the
 * same load, as text (with `--explain`), as JSON (the same structure), or as docs/cost.md's markdown.
 */
import type { Architecture } from '../../lib/config';
import { type CostRequest, estimate, SERVICE_ORDER, type VariantEstimate } from './cost';
import type { Assumption } from './cost-assumptions';
import {
  renderAssumptions,
  renderExplanation,
  renderMarkdown,
  renderPrices,
  renderVariant,
} from './cost-format';
import { costConfig } from './cost-inputs';
import { type Inventory, loadInventory } from './cost-inventory';
import { money, n } from './cost-model';
import { loadPricing, type Price, type PriceTable } from './cost-prices';
import { formatTable } from './query';

export const SCALE_POINTS = [1_000, 10_000, 100_000] as const;

export interface CostReportOptions {
  readonly request: CostRequest;
  readonly architectures: readonly Architecture[];
  /** `key=value` config overrides, as `cdk -c` takes them. */
  readonly context: readonly string[];
  readonly region: string;
  readonly scale?: boolean;
}

export interface CostReport {
  readonly region: string;
  readonly currency: string;
  readonly request: CostRequest;
  readonly context: readonly string[];
  readonly variants: readonly VariantEstimate[];
  /** Every warning of every variant, with the architecture it concerns. */
  readonly warnings: readonly {
    readonly architecture: Architecture;
    readonly code: string;
    readonly message: string;
  }[];
  readonly prices: Readonly<Record<string, Price>>;
  readonly assumptions: Readonly<Record<string, Assumption<unknown>>>;
  readonly scale?: readonly {
    readonly eventsPerSecond: number;
    readonly totals: Readonly<Record<string, number>>;
    readonly byService: Readonly<Record<string, Readonly<Record<string, number>>>>;
  }[];
}

export function costReport(
  o: CostReportOptions,
  deps: { pricing?: PriceTable; inventory?: Inventory } = {},
): CostReport {
  const pricing = deps.pricing ?? loadPricing(o.region);
  const inventory = deps.inventory ?? loadInventory();
  const configs = o.architectures.map((a) => costConfig([...o.context, `architecture=${a}`]));
  const variants = configs.map((c) => estimate(c, o.request, { pricing, inventory }));
  const scale = o.scale
    ? SCALE_POINTS.map((eventsPerSecond) => {
        const at = configs.map((c) => estimate(c, { ...o.request, eventsPerSecond }, { pricing, inventory }));
        return {
          eventsPerSecond,
          totals: Object.fromEntries(at.map((e) => [e.architecture, e.totalUsd])),
          byService: Object.fromEntries(at.map((e) => [e.architecture, e.byService])),
        };
      })
    : undefined;
  return {
    region: pricing.region,
    currency: pricing.currency,
    request: o.request,
    context: o.context,
    variants,
    warnings: variants.flatMap((v) =>
      v.warnings.map((w) => ({ architecture: v.architecture, code: w.code, message: w.message })),
    ),
    prices: Object.assign({}, ...variants.map((v) => v.prices)),
    assumptions: Object.fromEntries(
      Object.entries(
        Object.assign({}, ...variants.map((v) => v.assumptions)) as Record<string, Assumption<unknown>>,
      ).sort(([a], [b]) => a.localeCompare(b)),
    ),
    ...(scale ? { scale } : {}),
  };
}

export function renderReport(r: CostReport, o: { explain?: boolean; markdown?: boolean }): string {
  if (o.markdown) return r.variants.map((v) => renderMarkdown(v, r.request)).join('\n\n');
  const out = [
    `monthly estimate at ${n(r.request.eventsPerSecond)} events/s × ${r.request.eventBytes} B, month ${r.request.month} of operation, ${r.region} list prices (730 h/month)${r.context.length ? `, with ${r.context.join(' ')}` : ''}`,
    '',
  ];
  for (const v of r.variants) {
    out.push(renderVariant(v), '');
    if (o.explain) out.push(renderExplanation(v), '');
  }
  if (r.scale) {
    const seen = new Set(r.scale.flatMap((s) => Object.values(s.byService).flatMap((b) => Object.keys(b))));
    const services = [
      ...SERVICE_ORDER.filter((x) => seen.has(x)),
      ...[...seen].filter((x) => !SERVICE_ORDER.includes(x)),
    ];
    out.push(`how the bill grows with load (${r.request.eventBytes} B events, month ${r.request.month}):`);
    const header = ['events/s', 'arch', ...services, 'total'];
    const rows = r.scale.flatMap((s) =>
      Object.keys(s.totals).map((a) => [
        n(s.eventsPerSecond),
        a,
        ...services.map((svc) => (s.byService[a]?.[svc] === undefined ? '-' : money(s.byService[a]![svc]!))),
        money(s.totals[a]!),
      ]),
    );
    out.push(formatTable(header, rows), '');
  }
  if (o.explain) out.push(renderPrices(r.region, r.prices), '', renderAssumptions(r.assumptions), '');
  else
    out.push(
      "(--explain: each line's arithmetic, the inputs and their origin, what is not priced, every price with its source and date, every assumption with its reason)",
    );
  return out.join('\n').trimEnd();
}
