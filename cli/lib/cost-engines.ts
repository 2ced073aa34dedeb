/**
 * `streamlake cost --batch-engines`: what each batch engine costs a day as the daily volume grows, under the same
 * config overrides, and which is cheaper at each volume (cost-batch-mapreduce.ts, engineCrossover).
 */
import { assumptionsWith } from './cost-assumptions';
import { BATCH_ENGINES } from './cost-batch';
import { type EngineCrossoverRow, engineCrossover } from './cost-batch-mapreduce';
import { costConfig, inputsFromConfig } from './cost-inputs';
import { type Inventory, loadInventory } from './cost-inventory';
import { CostContext, money, n } from './cost-model';
import { networkLines } from './cost-platform';
import { loadPricing, PriceBook, type PriceTable } from './cost-prices';
import { formatTable } from './query';

export const CROSSOVER_VOLUMES = [1, 10, 100, 1000] as const;

export function batchEngineComparison(
  o: { readonly context: readonly string[]; readonly eventBytes: number; readonly region: string },
  deps: { pricing?: PriceTable; inventory?: Inventory } = {},
): EngineCrossoverRow[] {
  const pricing = deps.pricing ?? loadPricing(o.region);
  const inventory = deps.inventory ?? loadInventory();
  const inputs = {
    emr: inputsFromConfig(costConfig([...o.context, 'architecture=lambda', 'batchEngine=emr']), inventory),
    mapreduce: inputsFromConfig(
      costConfig([...o.context, 'architecture=lambda', 'batchEngine=mapreduce']),
      inventory,
    ),
  };
  return engineCrossover(
    (engine, eventsPerSecond) =>
      new CostContext(
        { eventsPerSecond, eventBytes: o.eventBytes, month: 1 },
        inputs[engine],
        new PriceBook(pricing),
        assumptionsWith(),
      ),
    { emr: BATCH_ENGINES.emr, mapreduce: BATCH_ENGINES.mapreduce },
    networkLines,
    o.eventBytes,
    CROSSOVER_VOLUMES,
  );
}

export function renderComparison(rows: readonly EngineCrossoverRow[]): string {
  return formatTable(
    ['raw GiB/day', 'events/s', 'emr $/day', 'mapreduce $/day', 'cheaper'],
    rows.map((r) => [
      n(r.rawGiBPerDay),
      n(r.eventsPerSecond),
      money(r.emrUsdPerDay),
      `${money(r.mapreduceUsdPerDay)}${r.mapreduceRefused ? ' (over its limit: refused)' : ''}`,
      r.cheaper,
    ]),
  );
}
