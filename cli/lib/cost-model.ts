/**
 * The shared vocabulary of the cost model: line items, warnings, and the context every line group reads (the load,
 * the deployed inputs, the prices, the assumptions). A line group is a function of the context that adds lines.
 */
import type { AssumptionName, Assumptions } from './cost-assumptions';
import type { CostInputs } from './cost-inputs';
import { type Price, type PriceBook, tiered } from './cost-prices';

export interface CostLoad {
  /** Average events per second. */
  readonly eventsPerSecond: number;
  /** Average event size in bytes (the JSON payload). */
  readonly eventBytes: number;
  /** The month of operation priced (storage grows: month 24 costs more than month 12). */
  readonly month: number;
}

export interface LineItem {
  readonly service: string;
  readonly item: string;
  /** Quantity in `unit`, over the month. */
  readonly quantity: number;
  readonly unit: string;
  /** Name of the price in the price table, and the unit it is quoted per ("1M requests"). */
  readonly price: string;
  readonly priceUnit: string;
  /** Effective price per `per` units (differs from the table's for Spot, tiers). */
  readonly unitUsd: number;
  readonly per: number;
  readonly monthlyUsd: number;
  /** The arithmetic, for a reader to follow (docs/cost.md). */
  readonly formula: string;
  readonly assumptions: readonly AssumptionName[];
}

export interface CostWarning {
  readonly code: string;
  readonly message: string;
  /** The quota or limit exceeded, with where it is documented. */
  readonly limit?: { readonly name: string; readonly value: string; readonly source: string };
}

export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
export const GB = 1024 ** 3;
export const KB = 1024;
export const MiB = 1024 ** 2;

/** Formats a number for a formula: grouped, 2 decimals below 1,000, 2 significant digits below 0.01. */
export function n(x: number, digits = 2): string {
  if (x !== 0 && Math.abs(x) < 0.01) return x.toPrecision(2);
  const d = Math.abs(x) >= 1000 ? 0 : digits;
  return x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 });
}

/** A monthly amount: cents, or two significant digits below a cent. */
export function money(x: number): string {
  if (x !== 0 && Math.abs(x) < 0.01) return `$${x.toPrecision(2)}`;
  return `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A unit price as the price table gives it (no rounding away of digits that matter: $0.029, $0.0000133334). */
export function unitPrice(x: number): string {
  return `$${Number(x.toPrecision(6)).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 10 })}`;
}

export interface AddOptions {
  /** Divide the quantity by this before multiplying (prices per 1M, per 1,000…). @default 1 */
  readonly per?: number;
  /** Effective unit price when it is not the table's (Spot). */
  readonly unitUsd?: number;
  /** How the quantity was obtained, shown before "× price". */
  readonly how?: string;
  readonly uses?: readonly AssumptionName[];
}

export class CostContext {
  readonly items: LineItem[] = [];
  readonly warnings: CostWarning[] = [];
  readonly derived: Record<string, number> = {};
  /** Bytes a month ingested into each log group, by logical-ID prefix (priced by the CloudWatch lines). */
  readonly logs = new Map<string, number>();
  private readonly usedAssumptions = new Set<AssumptionName>();

  constructor(
    readonly load: CostLoad,
    readonly inputs: CostInputs,
    readonly prices: PriceBook,
    private readonly assumptions: Assumptions,
  ) {}

  /** An assumption's value, remembered for `--explain`. */
  a<K extends AssumptionName>(name: K): Assumptions[K]['value'] {
    this.usedAssumptions.add(name);
    return this.assumptions[name].value;
  }

  assumptionsUsed(): AssumptionName[] {
    return [...this.usedAssumptions].sort();
  }

  assumption(name: AssumptionName): Assumptions[AssumptionName] {
    return this.assumptions[name];
  }

  get R(): number {
    return this.load.eventsPerSecond;
  }
  get B(): number {
    return this.load.eventBytes;
  }
  /** Events in the month. */
  get events(): number {
    return this.R * SECONDS_PER_MONTH;
  }

  warn(w: CostWarning): void {
    if (!this.warnings.some((x) => x.code === w.code && x.message === w.message)) this.warnings.push(w);
  }

  /** Adds quantity × price; tiered prices fill their tiers. Returns the monthly USD. */
  add(service: string, item: string, priceName: string, quantity: number, o: AddOptions = {}): number {
    const p: Price = this.prices.get(priceName);
    const per = o.per ?? 1;
    const units = quantity / per;
    const monthlyUsd =
      o.unitUsd !== undefined ? units * o.unitUsd : p.tiers ? tiered(units, p) : units * p.usd;
    const unitUsd = o.unitUsd ?? (p.tiers && units > 0 ? monthlyUsd / units : p.usd);
    const unit = per === 1 ? p.unit : unitOfQuantity(p.unit);
    const formula = `${o.how ? `${o.how} = ` : ''}${n(quantity)} ${unit} × ${unitPrice(unitUsd)} per ${p.unit} = ${money(monthlyUsd)}`;
    this.items.push({
      service,
      item,
      quantity,
      unit,
      price: priceName,
      priceUnit: p.unit,
      unitUsd,
      per,
      monthlyUsd,
      formula,
      assumptions: [...(o.uses ?? [])],
    });
    for (const u of o.uses ?? []) this.usedAssumptions.add(u);
    return monthlyUsd;
  }
}

/** "1M requests" → "requests", "1,000 objects" → "objects": the unit of the quantity when the price is per N. */
function unitOfQuantity(priceUnit: string): string {
  return priceUnit.replace(/^(1M|1,000|10,000)\s+/, '');
}

/** A line group: adds the lines of one service (or one engine) to the context. */
export type LineGroup = (ctx: CostContext) => void;
