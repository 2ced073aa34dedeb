/**
 * The MapReduce batch engine (batchEngine=mapreduce, lib/constructs/batch/mapreduce-batch-job.ts) as a cost line
 * group: Lambda GB-s and requests of its tasks, the S3 requests and scratch storage of its shuffle, and the child
 * executions of its Distributed Maps (the main workflow's transitions are priced with the other state machines).
 * Task counts follow the plan's sizing (lambda/mapreduce/plan.ts, MAPREDUCE_DEFAULTS): mappers and round-1 reducers
 * grow with the day's bytes, and each reducer reads every shuffle file of the round before, so shuffle GETs grow as
 * mappers × reducers.
 */
import { MAPREDUCE_DEFAULTS } from '../../lib/contracts/mapreduce';
import type { BatchEngine } from './cost-batch';
import { all } from './cost-inputs';
import { type CostContext, DAYS_PER_MONTH, GB, n } from './cost-model';
import { rawObjects } from './cost-storage';

/** Tasks and storage requests of one day's run of `bytes` raw bytes in `objects` objects. */
export function mapreduceDay(bytes: number, objects: number) {
  const D = MAPREDUCE_DEFAULTS;
  const mappers = Math.max(1, Math.ceil(bytes / D.mapItemBytes));
  const r1 = Math.max(1, Math.ceil(bytes / D.targetFileBytes));
  const r2 = Math.max(1, Math.ceil(r1 / D.eventPartitionsPerCountPartition));
  const tables = 5;
  // plan: 4 item lists + plan; map: shuffle + quarantine file; round 1: curated + shuffle; round 2: minutes + day
  // partials; finish: daily + top, a list of each table's partition and of its staged files, one copy per file, one
  // delete batch per table; cleanup: a list and a delete per 1,000 keys; ResultWriter: a manifest and a result file per map.
  const files = r1 + mappers + r2 + 2;
  const puts =
    5 + 2 * mappers + 2 * r1 + 2 * r2 + 2 + 2 * tables + files + tables + 6 + Math.ceil(files / 1000) + 1;
  // raw objects once; each reducer: the index and its segment of every shuffle file before it; finish: every
  // round-2 output, every shuffle index; the Distributed Maps read their item lists.
  const gets = objects + 2 * mappers * r1 + 2 * r1 * r2 + r2 + mappers + r1 + 1 + 3;
  return { mappers, r1, r2, invocations: mappers + r1 + r2 + 3, puts, gets, children: mappers + r1 + r2 };
}

export const MAPREDUCE_ENGINE: BatchEngine = {
  id: 'mapreduce',
  title: 'the MapReduce engine (Step Functions + Lambda)',
  lines(ctx: CostContext) {
    const machines = all(ctx.inputs, 'stateMachines');
    if (!machines.some((m) => m.distributedMaps > 0))
      throw new Error('the batch stack has no state machine with a Distributed Map');
    const raw = rawObjects(ctx);
    const bytes = ctx.R * ctx.B * 86_400 * ctx.a('rawGzipRatio');
    const gib = bytes / GB;
    const day = mapreduceDay(bytes, raw.perDay);
    const runs = DAYS_PER_MONTH;
    const sizing = `${n(gib, 3)} GiB a day → ${day.mappers} mappers, ${day.r1} + ${day.r2} reducers`;
    const uses = ['rawGzipRatio'] as const;
    ctx.add(
      'Lambda',
      'MapReduce batch tasks, compute',
      'lambdaArmGbSecond',
      gib * ctx.a('mapreduceGbSecondsPerRawGiB') * runs,
      {
        how: `${n(gib, 3)} GiB × ${ctx.a('mapreduceGbSecondsPerRawGiB')} GB-s/GiB × ${n(runs)} runs`,
        uses: [...uses, 'mapreduceGbSecondsPerRawGiB'],
      },
    );
    ctx.add('Lambda', 'MapReduce batch tasks, requests', 'lambdaRequestsMillion', day.invocations * runs, {
      per: 1e6,
      how: `${day.invocations} invocations (${sizing}, plan, finish, cleanup) × ${n(runs)} runs`,
      uses,
    });
    ctx.add('S3', 'MapReduce shuffle and commit, PUT/COPY/LIST', 's3PutThousand', day.puts * runs, {
      per: 1000,
      how: `${day.puts} requests (${sizing}) × ${n(runs)} runs`,
      uses,
    });
    ctx.add('S3', 'MapReduce raw reads and shuffle, GET', 's3GetThousand', day.gets * runs, {
      per: 1000,
      how: `(${n(raw.perDay)} raw objects + 2 × ${day.mappers} × ${day.r1} + 2 × ${day.r1} × ${day.r2} shuffle reads + ${day.gets - raw.perDay - 2 * day.mappers * day.r1 - 2 * day.r1 * day.r2} others) × ${n(runs)} runs`,
      uses,
    });
    const scratchGb = gib * ctx.a('mapreduceScratchBytesPerRawByte');
    ctx.add(
      'S3',
      'MapReduce scratch (shuffle, staged files)',
      's3StandardGbMonth',
      (scratchGb * ctx.a('mapreduceRunHours') * runs) / 730,
      {
        how: `${n(scratchGb, 3)} GB × ${ctx.a('mapreduceRunHours')} h × ${n(runs)} runs ÷ 730 h`,
        uses: [...uses, 'mapreduceScratchBytesPerRawByte', 'mapreduceRunHours'],
      },
    );
    ctx.add(
      'Step Functions',
      'Distributed Map child executions',
      'sfnStandardTransitionsThousand',
      day.children * ctx.a('mapreduceTransitionsPerChild') * runs,
      {
        per: 1000,
        how: `${day.children} children × ${ctx.a('mapreduceTransitionsPerChild')} transitions × ${n(runs)} runs`,
        uses: [...uses, 'mapreduceTransitionsPerChild'],
      },
    );
    if (bytes > MAPREDUCE_DEFAULTS.maxDayBytes)
      ctx.warn({
        code: 'mapreduce-day-too-large',
        message: `a day holds ~${n(gib)} GiB of raw events, over the MapReduce engine's limit (${n(MAPREDUCE_DEFAULTS.maxDayBytes / GB)} GiB): every run is refused; use batchEngine=emr`,
        limit: {
          name: 'MAPREDUCE_DEFAULTS.maxDayBytes',
          value: `${n(MAPREDUCE_DEFAULTS.maxDayBytes / GB)} GiB`,
          source: 'lib/contracts/mapreduce.ts',
        },
      });
    // The functions' log groups (JobFunctions<Phase>Logs…): a few JSON lines per invocation.
    ctx.logs.set('JobFunctions', day.invocations * runs * ctx.a('consumerLogBytesPerInvocation'));
    Object.assign(ctx.derived, {
      mapreduceRawGiBPerDay: gib,
      mapreduceMappers: day.mappers,
      mapreduceReducers: day.r1 + day.r2,
    });
  },
};

/** One row of the engines' comparison: what each batch engine costs a day at one daily volume. */
export interface EngineCrossoverRow {
  readonly rawGiBPerDay: number;
  readonly eventsPerSecond: number;
  /** USD per day: the engine's own lines plus the network it needs (the VPC endpoints or NAT for EMR). */
  readonly emrUsdPerDay: number;
  readonly mapreduceUsdPerDay: number;
  readonly cheaper: 'emr' | 'mapreduce';
  readonly mapreduceRefused: boolean;
}

/**
 * Where the cheaper batch engine changes as the daily volume grows: each engine's compute, storage requests and
 * workflow transitions, and the network only EMR needs, at `volumes` GiB of raw (gzip) events a day. Everything else
 * (stream, archive, views, serving) is the same for both engines and left out.
 */
export function engineCrossover(
  contextFor: (engine: 'emr' | 'mapreduce', eventsPerSecond: number) => CostContext,
  engines: Record<'emr' | 'mapreduce', BatchEngine>,
  network: (ctx: CostContext) => void,
  eventBytes: number,
  volumes: readonly number[] = [1, 10, 100, 1000],
): EngineCrossoverRow[] {
  return volumes.map((gib) => {
    const perDay = (id: 'emr' | 'mapreduce', eventsPerSecond: number) => {
      const ctx = contextFor(id, eventsPerSecond);
      engines[id].lines(ctx);
      network(ctx);
      const transitions = all(ctx.inputs, 'stateMachines').reduce((s, m) => s + m.successTransitions, 0);
      const sfn =
        (transitions / 1000) * ctx.prices.get('sfnStandardTransitionsThousand').usd * DAYS_PER_MONTH;
      return (ctx.items.reduce((s, i) => s + i.monthlyUsd, 0) + sfn) / DAYS_PER_MONTH;
    };
    const probe = contextFor('mapreduce', 1);
    const eventsPerSecond = (gib * GB) / (86_400 * eventBytes * probe.a('rawGzipRatio'));
    const emr = perDay('emr', eventsPerSecond);
    const mapreduce = perDay('mapreduce', eventsPerSecond);
    return {
      rawGiBPerDay: gib,
      eventsPerSecond,
      emrUsdPerDay: emr,
      mapreduceUsdPerDay: mapreduce,
      cheaper: mapreduce < emr ? 'mapreduce' : 'emr',
      mapreduceRefused: gib * GB > MAPREDUCE_DEFAULTS.maxDayBytes,
    };
  });
}
