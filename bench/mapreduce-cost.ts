/**
 * The daily cost of each batch engine as the daily volume grows, from the figures `npm run bench:mapreduce` measured
 * (Lambda GB-s and storage requests per GiB of raw input, Spark's rows/s per core) and list prices. Printed by the
 * benchmark; the crossover table in docs/batch.md comes from it. Until `streamlake cost` prices the MapReduce engine,
 * this is where its inputs live.
 *
 * Prices: cli/pricing/us-east-1.json (each with its source page and date). Verify them on the live pages before
 * relying on a figure.
 */
import pricing from '../cli/pricing/us-east-1.json';
import { MAPREDUCE_DEFAULTS } from '../lib/contracts/mapreduce';

const GiB = 1024 ** 3;
const p = pricing.prices;
export const PRICES = {
  lambdaGbSecond: p.lambdaArmGbSecond.usd,
  lambdaRequest: p.lambdaRequestsMillion.usd / 1e6,
  s3Put: p.s3PutThousand.usd / 1000,
  s3Get: p.s3GetThousand.usd / 1000,
  s3GbHour: p.s3StandardGbMonth.usd / pricing.hoursPerMonth,
  sfnTransition: p.sfnStandardTransitionsThousand.usd / 1000,
  /** 5 interface endpoints × 2 AZs (egress=endpoints, the default): the EMR engine's fixed cost. */
  vpcEndpointsPerDay: 5 * 2 * p.vpcInterfaceEndpointHour.usd * 24,
  /** The deployed cluster: 1 m7g.xlarge primary + 2 m7g.2xlarge core, EC2 + EMR uplift, per hour. */
  emrClusterHour:
    p['ec2.m7g.xlarge'].usd +
    p['emr.m7g.xlarge'].usd +
    2 * (p['ec2.m7g.2xlarge'].usd + p['emr.m7g.2xlarge'].usd),
} as const;

/** What the benchmark measured, per GiB of raw (gzip) input. */
export interface MeasuredInputs {
  readonly lambdaGbSecondsPerGiB: number;
  /** PUT, COPY and LIST requests per GiB (they grow with the number of tasks, i.e. linearly). */
  readonly s3PutsPerGiB: number;
  /** Raw objects per GiB (one GET each). */
  readonly rawObjectsPerGiB: number;
  readonly scratchBytesWrittenPerGiB: number;
  readonly eventsPerGiB: number;
  /** Spark's rows/s per core from the same run. */
  readonly sparkRowsPerSecondPerCore: number;
}

export interface EngineDayCost {
  readonly gib: number;
  readonly mapreduce: number;
  readonly emr: number;
  readonly detail: Record<string, number>;
}

/** Seconds of billed cluster start-up and termination per run (~7-10 min, docs/batch.md). */
const EMR_OVERHEAD_HOURS = 8 / 60;
/** 2 core m7g.2xlarge (8 vCPU each) run the executors; the primary (xlarge) runs the driver. */
const EMR_CORE_VCPUS = 2 * 8;

export function dayCost(gib: number, m: MeasuredInputs): EngineDayCost {
  const item = MAPREDUCE_DEFAULTS.mapItemBytes / GiB;
  const mappers = Math.max(1, Math.ceil(gib / item));
  const r1 = Math.max(1, Math.ceil(gib / (MAPREDUCE_DEFAULTS.targetFileBytes / GiB)));
  const r2 = Math.max(1, Math.ceil(r1 / MAPREDUCE_DEFAULTS.eventPartitionsPerCountPartition));
  // Each reducer reads the index and its segment of every shuffle file of the round before: mappers × reducers.
  const gets = gib * m.rawObjectsPerGiB + 2 * mappers * r1 + 2 * r1 * r2 + r2 + 4;
  const children = mappers + r1 + r2;
  const lambda =
    gib * m.lambdaGbSecondsPerGiB * PRICES.lambdaGbSecond + (children + 3) * PRICES.lambdaRequest;
  const s3 = gib * m.s3PutsPerGiB * PRICES.s3Put + gets * PRICES.s3Get;
  // ~12 transitions in the main workflow, ~3 per child execution (standard).
  const sfn = (12 + 3 * children) * PRICES.sfnTransition;
  // Shuffle bytes held for about the run (an hour at most; a successful run deletes them).
  const storage = ((gib * m.scratchBytesWrittenPerGiB) / GiB) * PRICES.s3GbHour;
  const jobHours = (gib * m.eventsPerGiB) / (m.sparkRowsPerSecondPerCore * EMR_CORE_VCPUS) / 3600;
  const cluster = (EMR_OVERHEAD_HOURS + jobHours) * PRICES.emrClusterHour;
  return {
    gib,
    mapreduce: lambda + s3 + sfn + storage,
    emr: cluster + PRICES.vpcEndpointsPerDay,
    detail: { lambda, s3, sfn, storage, gets, children, emrJobHours: jobHours, cluster },
  };
}

const usd = (v: number) => `$${v < 1 ? v.toFixed(3) : v.toFixed(2)}`;

/** The crossover table (markdown) for 1, 10, 100 and 1,000 GiB of raw input a day. */
export function costTable(m: MeasuredInputs, volumes: readonly number[] = [1, 10, 100, 1000]): string {
  const rows = volumes.map((gib) => {
    const c = dayCost(gib, m);
    const note = gib * GiB > MAPREDUCE_DEFAULTS.maxDayBytes ? ' (above the default limit)' : '';
    return `| ${gib.toLocaleString('en-US')} | ${usd(c.mapreduce)}${note} | ${usd(c.detail.lambda)} / ${usd(c.detail.s3)} / ${usd(c.detail.sfn)} | ${usd(c.emr)} | ${c.mapreduce < c.emr ? 'mapreduce' : 'emr'} |`;
  });
  return [
    '| raw GiB/day | mapreduce per day | of which Lambda / S3 / Step Functions | emr per day (cluster + VPC endpoints) | cheaper |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
