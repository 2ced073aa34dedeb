/**
 * The price table of `streamlake cost`: `cli/pricing/<region>.json` holds list prices only, each with the AWS page it
 * belongs to, the day it was checked and how far it could be verified (docs/reference.md). Everything structural comes
 * from the config and the templates (cost-inputs.ts), every modelling assumption from cost-assumptions.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors';

export const PRICING_DIR = join(__dirname, '..', 'pricing');

const tier = z.object({ upToGb: z.number().positive().nullable(), usd: z.number().nonnegative() }).strict();

const price = z
  .object({
    usd: z.number().nonnegative(),
    unit: z.string().min(1),
    note: z.string().optional(),
    tiers: z.array(tier).min(1).optional(),
    source: z.url().startsWith('https://aws.amazon.com/'),
    checked: z.iso.date(),
    evidence: z.string().min(1),
  })
  .strict();

const table = z
  .object({
    $comment: z.string().optional(),
    region: z.string(),
    currency: z.literal('USD'),
    hoursPerMonth: z.number().positive(),
    prices: z.record(z.string(), price),
  })
  .strict();

export type Price = z.infer<typeof price>;
export type PriceTable = z.infer<typeof table>;

export function availableRegions(dir = PRICING_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Reads and validates a price table; an unknown region is a usage error naming the regions there are. */
export function loadPricing(region: string, dir = PRICING_DIR): PriceTable {
  const path = join(dir, `${region}.json`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region) || !existsSync(path))
    throw new UsageError(
      `no price table for region '${region}': available: ${availableRegions(dir).join(', ')} (add cli/pricing/${region}.json)`,
    );
  const parsed = table.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${path} is not a valid price table: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  if (parsed.data.region !== region) throw new Error(`${path} says region ${parsed.data.region}`);
  return parsed.data;
}

/** Tiered price: fills each tier in turn (tiers are per month, cumulative `upToGb`). */
export function tiered(quantityGb: number, p: Price): number {
  if (!p.tiers) return quantityGb * p.usd;
  let left = quantityGb;
  let floor = 0;
  let usd = 0;
  for (const t of p.tiers) {
    const cap = t.upToGb === null ? Number.POSITIVE_INFINITY : t.upToGb - floor;
    const q = Math.min(left, cap);
    usd += q * t.usd;
    left -= q;
    floor = t.upToGb ?? floor;
    if (left <= 0) break;
  }
  return usd;
}

/** Looks prices up by name and remembers which were used, so `--explain` lists exactly those. */
export class PriceBook {
  private readonly used = new Set<string>();
  constructor(readonly table: PriceTable) {}

  get(name: string): Price {
    const p = this.table.prices[name];
    if (!p) throw new Error(`price table ${this.table.region} has no price '${name}'`);
    this.used.add(name);
    return p;
  }

  has(name: string): boolean {
    return this.table.prices[name] !== undefined;
  }

  /** The prices looked up so far, by name. */
  usedPrices(): Record<string, Price> {
    return Object.fromEntries([...this.used].sort().map((n) => [n, this.table.prices[n]!]));
  }
}
