/**
 * `streamlake cost`: a monthly estimate per architecture, per service, from the documented price table
 * `cli/pricing/<region>.json` (every price with its source and date; every modelling assumption with its why).
 *
 * The model is deliberately simple and readable: each line item is quantity × unit price, and the quantity's
 * formula is in the code next to it and in docs/cli.md. Not modelled: serving API requests, Step Functions,
 * CloudWatch, KMS requests, NAT/VPC endpoints, data transfer, DynamoDB storage, S3 requests, Firehose JQ hours.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from './deployment';
import { UsageError } from './errors';

export const PRICING_DIR = join(__dirname, '..', 'pricing');

interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  readonly tiers?: readonly { readonly upToGb: number | null; readonly usd: number }[];
}
interface Assumption {
  readonly value: number;
  readonly why: string;
}

export interface PriceTable {
  readonly region: string;
  readonly currency: string;
  readonly asOf: string;
  readonly hoursPerMonth: number;
  readonly prices: Readonly<Record<string, Price>>;
  readonly assumptions: Readonly<Record<string, Assumption | Record<string, unknown>>>;
}

export function availableRegions(dir = PRICING_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadPricing(region: string, dir = PRICING_DIR): PriceTable {
  const path = join(dir, `${region}.json`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region) || !existsSync(path))
    throw new UsageError(
      `no price table for region '${region}': available: ${availableRegions(dir).join(', ')} (add cli/pricing/${region}.json)`,
    );
  return JSON.parse(readFileSync(path, 'utf8')) as PriceTable;
}

export type StreamCapacity = 'on-demand' | 'provisioned';

export interface CostInput {
  readonly eventsPerSecond: number;
  readonly eventBytes: number;
  readonly streamCapacity: StreamCapacity;
  /** Days the lake keeps raw and curated data. @default the table's retentionDays */
  readonly retentionDays?: number;
}

export interface LineItem {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitUsd: number;
  readonly monthlyUsd: number;
}

export interface StoragePoint {
  readonly month: number;
  readonly storedGb: number;
  readonly monthlyUsd: number;
}

export interface VariantEstimate {
  readonly architecture: Architecture;
  readonly streamCapacity: StreamCapacity;
  readonly items: readonly LineItem[];
  readonly byService: Readonly<Record<string, number>>;
  readonly totalUsd: number;
  /** S3 cost as the lake fills up: the total above uses the steady state (retention full). */
  readonly storageGrowth: readonly StoragePoint[];
  readonly derived: Readonly<Record<string, number>>;
}

const GB = 1024 ** 3;
const KB = 1024;
const MB = 1024 * 1024;
const DAYS_PER_MONTH = 730 / 24;

export function validateCostInput(input: CostInput): void {
  if (!Number.isFinite(input.eventsPerSecond) || input.eventsPerSecond <= 0)
    throw new UsageError(`--events-per-sec must be a positive number, got ${input.eventsPerSecond}`);
  if (!Number.isInteger(input.eventBytes) || input.eventBytes < 1 || input.eventBytes > 1024 * 1024)
    throw new UsageError(
      `--event-bytes must be a whole number from 1 to 1048576 (the Kinesis record limit), got ${input.eventBytes}`,
    );
  if (
    input.retentionDays !== undefined &&
    (!Number.isInteger(input.retentionDays) || input.retentionDays < 1)
  )
    throw new UsageError(`--retention-days must be a positive whole number, got ${input.retentionDays}`);
}

/** Tiered price: fills each tier in turn. */
export function tiered(quantityGb: number, price: Price): number {
  if (!price.tiers) return quantityGb * price.usd;
  let left = quantityGb;
  let floor = 0;
  let usd = 0;
  for (const t of price.tiers) {
    const cap = t.upToGb === null ? Number.POSITIVE_INFINITY : t.upToGb - floor;
    const q = Math.min(left, cap);
    usd += q * t.usd;
    left -= q;
    floor = t.upToGb ?? floor;
    if (left <= 0) break;
  }
  return usd;
}

/** Expected number of distinct keys among n draws with the given key probabilities. */
export function expectedDistinct(n: number, probabilities: readonly number[]): number {
  let sum = 0;
  for (const p of probabilities) sum += p >= 1 ? 1 : -Math.expm1(n * Math.log1p(-p));
  return sum;
}

class Model {
  readonly p: PriceTable;
  readonly items: LineItem[] = [];
  constructor(p: PriceTable) {
    this.p = p;
  }
  a(name: string): number {
    const v = this.p.assumptions[name] as Assumption | undefined;
    if (!v || typeof v.value !== 'number')
      throw new Error(`price table ${this.p.region}: assumption ${name} missing`);
    return v.value;
  }
  raw<T>(name: string): T {
    const v = this.p.assumptions[name];
    if (!v) throw new Error(`price table ${this.p.region}: assumption ${name} missing`);
    return v as T;
  }
  price(name: string): Price {
    const v = this.p.prices[name];
    if (!v) throw new Error(`price table ${this.p.region}: price ${name} missing`);
    return v;
  }
  /** Adds quantity × unit price; `per` divides the quantity for "per million" style units. */
  add(
    service: string,
    item: string,
    priceName: string,
    quantity: number,
    per = 1,
    usdOverride?: number,
  ): void {
    const price = this.price(priceName);
    const monthlyUsd = usdOverride ?? (quantity / per) * price.usd;
    this.items.push({ service, item, quantity, unit: price.unit, unitUsd: price.usd, monthlyUsd });
  }
}

/** Probabilities of (content, type) keys: Zipf content popularity × the type mix. */
function keyProbabilities(m: Model): number[] {
  const n = m.a('activeContent');
  const s = m.a('zipfExponent');
  const types = m.raw<{ value: Record<string, number> }>('typeWeights').value;
  const tw = Object.values(types);
  const tt = tw.reduce((x, y) => x + y, 0);
  let z = 0;
  for (let k = 1; k <= n; k++) z += 1 / k ** s;
  const out: number[] = [];
  for (let k = 1; k <= n; k++)
    for (const w of tw) out.push(1 / k ** s / z / (w === 0 ? Number.POSITIVE_INFINITY : tt / w));
  return out;
}

function storageCost(m: Model, dailyRawGb: number, dailyCuratedGb: number, storedDays: number): number {
  const lc = m.raw<{ infrequentAccess: number; glacierInstant: number; deepArchive: number }>(
    'rawLifecycleDays',
  );
  const overlap = (from: number, to: number): number => Math.max(0, Math.min(to, storedDays) - from);
  const std = m.price('s3StandardGbMonth').usd;
  const ia = m.price('s3InfrequentAccessGbMonth').usd;
  const gir = m.price('s3GlacierInstantGbMonth').usd;
  const da = m.price('s3DeepArchiveGbMonth').usd;
  const raw =
    dailyRawGb *
    (overlap(0, lc.infrequentAccess) * std +
      overlap(lc.infrequentAccess, lc.glacierInstant) * ia +
      overlap(lc.glacierInstant, lc.deepArchive) * gir +
      overlap(lc.deepArchive, Number.POSITIVE_INFINITY) * da);
  const cia = m.a('curatedInfrequentAccessDays');
  const curated = dailyCuratedGb * (overlap(0, cia) * std + overlap(cia, Number.POSITIVE_INFINITY) * ia);
  return raw + curated;
}

export function estimate(architecture: Architecture, input: CostInput, pricing: PriceTable): VariantEstimate {
  validateCostInput(input);
  const m = new Model(pricing);
  const R = input.eventsPerSecond;
  const B = input.eventBytes;
  const hours = pricing.hoursPerMonth;
  const seconds = hours * 3600;
  const records = R * seconds;
  const consumers = m.a('kinesisConsumers');
  const retentionHours = m.raw<Record<Architecture, number>>('streamRetentionHours')[architecture];

  // Kinesis: shards needed for the write record rate, write bytes, and reads shared by the polling consumers.
  const shards = Math.max(
    1,
    Math.ceil(R / m.a('kinesisShardWriteRecordsPerSecond')),
    Math.ceil((R * B) / m.a('kinesisShardWriteBytesPerSecond')),
    Math.ceil((consumers * R * B) / m.a('kinesisShardReadBytesPerSecond')),
  );
  if (input.streamCapacity === 'provisioned') {
    m.add('Kinesis', `${shards} shard(s) × ${hours} h`, 'kinesisShardHour', shards * hours);
    const units = records * Math.ceil(B / m.a('kinesisPutPayloadUnitBytes'));
    m.add('Kinesis', 'PUT payload units (25 KB)', 'kinesisPutPayloadUnitsMillion', units, 1e6);
    if (retentionHours > 24)
      m.add(
        'Kinesis',
        `extended retention ${retentionHours} h`,
        'kinesisExtendedRetentionShardHour',
        shards * hours,
      );
  } else {
    m.add('Kinesis', `stream-hours`, 'kinesisOnDemandStreamHour', hours);
    const inGb = (records * Math.ceil(B / KB) * KB) / GB;
    m.add('Kinesis', 'data in (1 KB rounding)', 'kinesisOnDemandDataInGb', inGb);
    m.add(
      'Kinesis',
      `data out (${consumers} consumers)`,
      'kinesisOnDemandDataOutGb',
      (consumers * records * B) / GB,
    );
    if (retentionHours > 24) {
      const storedGb = (R * Math.ceil(B / KB) * KB * (Math.min(retentionHours, 168) - 24) * 3600) / GB;
      m.add(
        'Kinesis',
        `extended retention ${retentionHours} h`,
        'kinesisOnDemandExtendedRetentionGbMonth',
        storedGb,
      );
    }
  }

  // Firehose: raw zone delivery with dynamic partitioning by the event's hour.
  const roundTo = m.a('firehoseRecordRoundingBytes');
  const fhGb = (records * Math.ceil(B / roundTo) * roundTo) / GB;
  const fhPrice = m.price('firehoseIngestGb');
  m.add('Firehose', 'ingested (5 KB rounding)', 'firehoseIngestGb', fhGb, 1, tiered(fhGb, fhPrice));
  m.add('Firehose', 'dynamic partitioning', 'firehoseDynamicPartitioningGb', (records * B) / GB);
  const objects = m.a('firehoseActivePartitions') * (3600 / m.a('firehoseBufferSeconds')) * hours;
  m.add('Firehose', 'objects delivered', 'firehoseDynamicPartitioningObjectsThousand', objects, 1000);

  const keyP = keyProbabilities(m);
  const wru = m.a('dynamodbItemWriteUnits');
  const distinctPerMinute = expectedDistinct(R * 60, keyP);
  const derived: Record<string, number> = { shards, distinctKeysPerMinute: distinctPerMinute };

  if (architecture === 'lambda') {
    // Lambda consumer: the event source mapping invokes per shard when the batch is full or the window ends.
    const pollers =
      input.streamCapacity === 'on-demand' ? Math.max(shards, m.a('kinesisOnDemandMinShards')) : shards;
    const perShard = R / pollers;
    const batchSize = m.a('lambdaBatchSize');
    const window = m.a('lambdaBatchingWindowSeconds');
    const perInvocation = Math.max(1, Math.min(batchSize, perShard * window));
    const invocations = (R / perInvocation) * seconds;
    const durationMs = Math.ceil(m.a('lambdaPerInvocationMs') + perInvocation * m.a('lambdaPerRecordMs'));
    const gbSeconds = (invocations * durationMs * m.a('lambdaMemoryMiB')) / 1000 / 1024;
    m.add('Lambda', 'requests', 'lambdaRequestsMillion', invocations, 1e6);
    m.add(
      'Lambda',
      `compute (${durationMs} ms × ${m.a('lambdaMemoryMiB')} MiB)`,
      'lambdaArmGbSecond',
      gbSeconds,
    );
    // Pre-aggregation: one UpdateItem per distinct (content, type, minute) in a batch.
    const spanSeconds = perInvocation / perShard;
    const perBatch = Math.min(perInvocation, expectedDistinct(perInvocation, keyP) * (1 + spanSeconds / 60));
    const speedWrites = invocations * perBatch * wru;
    m.add(
      'DynamoDB',
      'speed view writes (per batch, pre-aggregated)',
      'dynamodbWriteRequestUnitsMillion',
      speedWrites,
      1e6,
    );
    const perDay = 1440 * distinctPerMinute + expectedDistinct(R * 86400, keyP);
    m.add(
      'DynamoDB',
      'batch view writes (minute + day rows)',
      'dynamodbWriteRequestUnitsMillion',
      perDay * DAYS_PER_MONTH * wru,
      1e6,
    );
    Object.assign(derived, {
      pollers,
      recordsPerInvocation: perInvocation,
      invocationsPerSecond: R / perInvocation,
      durationMs,
    });

    // EMR: daily Spark job over the day's events; task nodes on Spot until it fits the target time.
    const vcpu = m.a('emrVcpusPerInstance');
    const core = m.a('emrCoreInstances');
    const workVcpuHours = (R * B * 86400) / MB / m.a('emrSparkMbPerSecondPerVcpu') / 3600;
    const task = Math.min(
      m.a('emrMaxTaskInstances'),
      Math.max(0, Math.ceil(workVcpuHours / m.a('emrTargetJobHours') / vcpu) - core),
    );
    const jobHours = workVcpuHours / ((core + task) * vcpu) + m.a('emrOverheadHours');
    const ec2 = m.price('ec2M6gXlargeHour').usd;
    const emr = m.price('emrM6gXlargeHour').usd;
    const spotEc2 = ec2 * (1 - m.a('emrSpotDiscount'));
    const onDemandHours = (1 + core) * jobHours * DAYS_PER_MONTH;
    const spotHours = task * jobHours * DAYS_PER_MONTH;
    m.add('EMR', `EC2 on-demand (1 primary + ${core} core)`, 'ec2M6gXlargeHour', onDemandHours);
    m.add('EMR', `EC2 Spot (${task} task)`, 'ec2M6gXlargeHour', spotHours, 1, spotHours * spotEc2);
    m.add(
      'EMR',
      'EMR uplift',
      'emrM6gXlargeHour',
      onDemandHours + spotHours,
      1,
      (onDemandHours + spotHours) * emr,
    );
    Object.assign(derived, { emrJobHours: jobHours, emrTaskInstances: task });
  } else {
    // Managed Flink: KPUs from throughput, at least the configured parallelism, plus one orchestration KPU.
    const kpus = Math.max(m.a('flinkMinParallelism'), Math.ceil(R / m.a('flinkEventsPerSecondPerKpu')));
    m.add('Managed Flink', `${kpus} KPU + 1 orchestration`, 'flinkKpuHour', (kpus + 1) * hours);
    m.add(
      'Managed Flink',
      'running storage',
      'flinkRunningStorageGbMonth',
      kpus * m.a('flinkRunningStorageGbPerKpu'),
    );
    // One PUT per (content, type, minute) window, plus one re-fire per late event.
    const writes = (distinctPerMinute + m.a('lateFraction') * R * 60) * 60 * hours * wru;
    m.add(
      'DynamoDB',
      'flink view writes (window totals + late re-fires)',
      'dynamodbWriteRequestUnitsMillion',
      writes,
      1e6,
    );
    Object.assign(derived, { kpus });
  }

  // S3: the lake at steady state (retention full), with the configured lifecycle tiers.
  const retentionDays = input.retentionDays ?? m.a('retentionDays');
  const dailyRawGb = (R * B * 86400 * m.a('gzipRatio')) / GB;
  const dailyCuratedGb = architecture === 'lambda' ? (R * B * 86400 * m.a('parquetRatio')) / GB : 0;
  const steady = storageCost(m, dailyRawGb, dailyCuratedGb, retentionDays);
  m.add(
    'S3',
    `lake storage, ${retentionDays} days retained`,
    's3StandardGbMonth',
    (dailyRawGb + dailyCuratedGb) * retentionDays,
    1,
    steady,
  );
  const storageGrowth = [1, 3, 6, 12, 24].map((month) => {
    const days = Math.min(month * DAYS_PER_MONTH, retentionDays);
    return {
      month,
      storedGb: (dailyRawGb + dailyCuratedGb) * days,
      monthlyUsd: storageCost(m, dailyRawGb, dailyCuratedGb, days),
    };
  });

  const byService: Record<string, number> = {};
  for (const i of m.items) byService[i.service] = (byService[i.service] ?? 0) + i.monthlyUsd;
  const totalUsd = m.items.reduce((s, i) => s + i.monthlyUsd, 0);
  return {
    architecture,
    streamCapacity: input.streamCapacity,
    items: m.items,
    byService,
    totalUsd,
    storageGrowth,
    derived,
  };
}

export const SCALE_POINTS = [1_000, 10_000, 100_000] as const;

export function usd(n: number): string {
  return n >= 100 ? `$${Math.round(n).toLocaleString('en-US')}` : `$${n.toFixed(2)}`;
}
