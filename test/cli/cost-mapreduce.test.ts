import { assumptionsWith } from '../../cli/lib/cost-assumptions';
import { EMR_ENGINE } from '../../cli/lib/cost-batch';
import { engineCrossover, MAPREDUCE_ENGINE, mapreduceDay } from '../../cli/lib/cost-batch-mapreduce';
import { batchEngineComparison } from '../../cli/lib/cost-engines';
import { costConfig, inputsFromConfig } from '../../cli/lib/cost-inputs';
import { loadInventory } from '../../cli/lib/cost-inventory';
import { CostContext, DAYS_PER_MONTH, GB } from '../../cli/lib/cost-model';
import { networkLines } from '../../cli/lib/cost-platform';
import { loadPricing, PriceBook } from '../../cli/lib/cost-prices';

const pricing = loadPricing('us-east-1');
const inventory = loadInventory();
const a = assumptionsWith();
/** Events per second that make `gib` GiB of raw (gzip) events a day at 300-byte events. */
const rate = (gib: number) => (gib * GB) / (86_400 * 300 * a.rawGzipRatio.value);

function contextFor(engine: 'emr' | 'mapreduce', eventsPerSecond: number): CostContext {
  const inputs = inputsFromConfig(costConfig([`batchEngine=${engine}`]), inventory);
  return new CostContext(
    { eventsPerSecond, eventBytes: 300, month: 1 },
    inputs,
    new PriceBook(pricing),
    assumptionsWith(),
  );
}

test('a day is cut as the plan cuts it: 128 MiB per mapper and per round-1 reducer, 8 of those per round-2 reducer', () => {
  const day = mapreduceDay(1 * GB, 100);
  expect([day.mappers, day.r1, day.r2]).toEqual([8, 8, 1]);
  // Each reducer reads the index and its segment of every shuffle file of the round before.
  expect(day.gets).toBeGreaterThanOrEqual(100 + 2 * 8 * 8 + 2 * 8 * 1);
  expect(mapreduceDay(10 * GB, 1).gets - mapreduceDay(GB, 1).gets).toBeGreaterThan(90 * 2 * 64);
});

test('the MapReduce lines price Lambda GB-s, requests, S3 and child executions from the measured inputs', () => {
  const ctx = contextFor('mapreduce', rate(1));
  MAPREDUCE_ENGINE.lines(ctx);
  const line = (item: string) => ctx.items.find((i) => i.item === item);
  expect(line('MapReduce batch tasks, compute')?.quantity).toBeCloseTo(
    1 * a.mapreduceGbSecondsPerRawGiB.value * DAYS_PER_MONTH,
    6,
  );
  expect(line('MapReduce batch tasks, requests')?.quantity).toBeCloseTo((8 + 8 + 1 + 3) * DAYS_PER_MONTH, 6);
  expect(line('Distributed Map child executions')?.quantity).toBeCloseTo(
    17 * a.mapreduceTransitionsPerChild.value * DAYS_PER_MONTH,
    6,
  );
  expect(ctx.items.map((i) => i.service).sort()).toEqual([
    'Lambda',
    'Lambda',
    'S3',
    'S3',
    'S3',
    'Step Functions',
  ]);
  expect(ctx.warnings).toEqual([]);
});

test('a day over the engine’s limit is priced with a warning that every run is refused', () => {
  const ctx = contextFor('mapreduce', rate(200));
  MAPREDUCE_ENGINE.lines(ctx);
  expect(ctx.warnings.map((w) => w.code)).toEqual(['mapreduce-day-too-large']);
});

test('the cheaper engine changes from mapreduce to emr as the daily volume grows', () => {
  const rows = batchEngineComparison({ context: [], eventBytes: 300, region: 'us-east-1' });
  expect(rows.map((r) => r.rawGiBPerDay)).toEqual([1, 10, 100, 1000]);
  expect(rows[0]?.cheaper).toBe('mapreduce');
  expect(rows[3]).toMatchObject({ cheaper: 'emr', mapreduceRefused: true });
  // MapReduce grows faster than linearly (shuffle reads are mappers × reducers); EMR has a fixed part.
  expect(rows[3]!.mapreduceUsdPerDay / rows[2]!.mapreduceUsdPerDay).toBeGreaterThan(10);
  expect(rows[1]!.emrUsdPerDay / rows[0]!.emrUsdPerDay).toBeLessThan(2);
});

test('the comparison counts the network only EMR needs (the check can fail on a wrong input)', () => {
  const withNetwork = engineCrossover(
    contextFor,
    { emr: EMR_ENGINE, mapreduce: MAPREDUCE_ENGINE },
    networkLines,
    300,
    [1],
  );
  const without = engineCrossover(
    contextFor,
    { emr: EMR_ENGINE, mapreduce: MAPREDUCE_ENGINE },
    () => {},
    300,
    [1],
  );
  expect(withNetwork[0]!.emrUsdPerDay).toBeGreaterThan(without[0]!.emrUsdPerDay + 1);
  expect(withNetwork[0]!.mapreduceUsdPerDay).toBeCloseTo(without[0]!.mapreduceUsdPerDay, 9);
});
