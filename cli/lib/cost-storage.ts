/**
 * The lake month by month. Data arrives every day and follows its bucket's lifecycle rules (raw: Standard → IA at 30 d
 * → Glacier IR at 90 d → Deep Archive at 365 d, never expired; curated and analytics their own rules; access logs and
 * job logs expire), so what is stored — and billed — in month 24 is not what is stored in month 12. S3 does not
 * transition objects under 128 KB by default (all_storage_classes_128K), so small Firehose objects stay in Standard.
 */
import { lakeBucket } from './cost-inputs';
import type { LifecycleRuleInventory } from './cost-inventory';
import { type CostContext, DAYS_PER_MONTH, GB, KB, MiB, n } from './cost-model';

export type StorageClass = 'STANDARD' | 'STANDARD_IA' | 'GLACIER_IR' | 'DEEP_ARCHIVE';

/** S3 does not transition objects smaller than this by default (TransitionDefaultMinimumObjectSize). */
export const MIN_TRANSITION_OBJECT_BYTES = 128 * KB;

/**
 * Average number of days of inflow aged within [fromDay, toDay) during month `month` (1-based), for data arriving at
 * a constant rate since day 0: multiply by the daily volume to get the average stored volume of that age band.
 */
export function averageDaysInBand(month: number, fromDay: number, toDay: number): number {
  const start = (month - 1) * DAYS_PER_MONTH;
  const steps = 120;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    const t = start + ((i + 0.5) * DAYS_PER_MONTH) / steps;
    sum += Math.max(0, Math.min(t, toDay) - Math.min(t, fromDay));
  }
  return sum / steps;
}

/** Days of month `month` on which objects written daily cross age `day` (each crossing is one transition). */
export function crossingDays(month: number, day: number): number {
  const start = (month - 1) * DAYS_PER_MONTH;
  const end = month * DAYS_PER_MONTH;
  return Math.max(0, end - Math.max(day, start));
}

/** Age bands by storage class for a bucket's whole-bucket rule; objects too small to transition stay in Standard. */
export function classBands(
  rule: LifecycleRuleInventory | undefined,
  objectBytes: number,
): { storageClass: StorageClass; from: number; to: number }[] {
  const expires = rule?.expirationDays ?? Number.POSITIVE_INFINITY;
  const transitions =
    objectBytes < MIN_TRANSITION_OBJECT_BYTES
      ? []
      : [...(rule?.transitions ?? [])].sort((a, b) => a.days - b.days);
  const bands: { storageClass: StorageClass; from: number; to: number }[] = [];
  let from = 0;
  let current: StorageClass = 'STANDARD';
  for (const t of transitions) {
    if (t.days >= expires) break;
    bands.push({ storageClass: current, from, to: t.days });
    from = t.days;
    current = t.storageClass as StorageClass;
  }
  bands.push({ storageClass: current, from, to: expires });
  return bands;
}

/** The raw zone's objects: one per active hour partition per Firehose flush (buffer interval or buffer size). */
export function rawObjects(ctx: CostContext): { perDay: number; bytesEach: number; flushSeconds: number } {
  const bytesPerSecond = ctx.R * ctx.B;
  const { bufferSeconds, bufferMiB } = ctx.inputs.firehose;
  const flushSeconds = Math.max(1, Math.min(bufferSeconds || 1, (bufferMiB * MiB) / bytesPerSecond));
  // Late events keep the previous hour's partition open for as long as the largest lag.
  const maxLag = Math.max(...ctx.a('lateness').map((b) => b.toSeconds));
  const perHour = Math.ceil(3600 / flushSeconds) + Math.ceil(maxLag / flushSeconds);
  return {
    perDay: 24 * perHour,
    bytesEach: bytesPerSecond * flushSeconds * ctx.a('rawGzipRatio'),
    flushSeconds,
  };
}

interface Zone {
  readonly name: string;
  readonly gbPerDay: number;
  readonly objectsPerDay: number;
  readonly bands: readonly { storageClass: StorageClass; from: number; to: number }[];
  readonly uses: readonly Parameters<CostContext['a']>[0][];
}

const CLASS_PRICE: Record<StorageClass, string> = {
  STANDARD: 's3StandardGbMonth',
  STANDARD_IA: 's3StandardIaGbMonth',
  GLACIER_IR: 's3GlacierIrGbMonth',
  DEEP_ARCHIVE: 's3DeepArchiveGbMonth',
};
const TRANSITION_PRICE: Partial<Record<StorageClass, string>> = {
  STANDARD_IA: 's3TransitionIaThousand',
  GLACIER_IR: 's3TransitionGlacierIrThousand',
  DEEP_ARCHIVE: 's3TransitionDeepArchiveThousand',
};
const LABEL: Record<StorageClass, string> = {
  STANDARD: 'Standard',
  STANDARD_IA: 'Standard-IA',
  GLACIER_IR: 'Glacier IR',
  DEEP_ARCHIVE: 'Deep Archive',
};

/** The lake's zones: what arrives per day and where lifecycle rules move it. */
export function zones(ctx: CostContext): Zone[] {
  const jsonBytesPerDay = ctx.R * ctx.B * 86_400;
  const raw = rawObjects(ctx);
  const wholeBucket = (role: 'Raw' | 'Curated' | 'Analytics' | 'AccessLogs') =>
    lakeBucket(ctx.inputs, role).rules.find((r) => r.prefix === null);
  const prefixed = (prefix: string) =>
    lakeBucket(ctx.inputs, 'Analytics').rules.find((r) => r.prefix?.startsWith(prefix));
  const out: Zone[] = [
    {
      name: 'raw',
      gbPerDay: (jsonBytesPerDay * ctx.a('rawGzipRatio')) / GB,
      objectsPerDay: raw.perDay,
      bands: classBands(wholeBucket('Raw'), raw.bytesEach),
      uses: ['rawGzipRatio'],
    },
  ];
  const batch = ctx.inputs.batchEngine !== null;
  if (batch) {
    out.push({
      name: 'curated',
      gbPerDay: (jsonBytesPerDay * ctx.a('curatedParquetRatio')) / GB,
      objectsPerDay: Math.max(1, Math.ceil((jsonBytesPerDay * ctx.a('curatedParquetRatio')) / (128 * MiB))),
      bands: classBands(wholeBucket('Curated'), 128 * MiB),
      uses: ['curatedParquetRatio'],
    });
    const minuteRows = ctx.derived['batchMinuteRowsPerDay'] ?? 0;
    out.push({
      name: 'analytics',
      gbPerDay: (minuteRows * ctx.a('analyticsBytesPerMinuteRow')) / GB,
      objectsPerDay: 3,
      bands: classBands(wholeBucket('Analytics'), 128 * MiB),
      uses: ['analyticsBytesPerMinuteRow'],
    });
    out.push({
      name: 'EMR logs',
      gbPerDay: ctx.a('emrLogBytesPerRun') / GB,
      objectsPerDay: 0,
      bands: classBands(prefixed('emr-logs'), 0),
      uses: ['emrLogBytesPerRun'],
    });
  }
  const queries = ctx.a('athenaQueriesPerDay');
  out.push({
    name: 'Athena results',
    gbPerDay: (queries * ctx.a('athenaResultBytes')) / GB,
    objectsPerDay: 0,
    bands: classBands(prefixed('athena-results'), 0),
    uses: ['athenaQueriesPerDay', 'athenaResultBytes'],
  });
  out.push({
    name: 'access logs',
    gbPerDay: (s3RequestsPerDay(ctx) * ctx.a('accessLogBytesPerRequest')) / GB,
    objectsPerDay: 0,
    bands: classBands(wholeBucket('AccessLogs'), 0),
    uses: ['accessLogBytesPerRequest'],
  });
  return out;
}

/** Requests to the lake buckets a day (each leaves an access-log record): writes, the batch's reads, Athena's. */
export function s3RequestsPerDay(ctx: CostContext): number {
  const raw = rawObjects(ctx).perDay;
  const batchReads = ctx.inputs.batchEngine !== null ? raw : 0;
  return raw + batchReads + ctx.a('athenaQueriesPerDay') * 10;
}

/** S3: storage per class during the priced month, Deep Archive's per-object index, transitions, requests. */
export function s3Lines(ctx: CostContext): void {
  const month = ctx.load.month;
  const byClass = new Map<StorageClass, { gb: number; parts: string[] }>();
  const uses = new Set<Parameters<CostContext['a']>[0]>();
  let archivedObjects = 0;
  const transitions = new Map<StorageClass, number>();
  for (const z of zones(ctx)) {
    for (const u of z.uses) uses.add(u);
    for (const b of z.bands) {
      const gb = z.gbPerDay * averageDaysInBand(month, b.from, b.to);
      if (gb <= 0) continue;
      const entry = byClass.get(b.storageClass) ?? { gb: 0, parts: [] };
      entry.gb += gb;
      entry.parts.push(`${z.name} ${n(gb)} GB`);
      byClass.set(b.storageClass, entry);
      if (b.storageClass === 'DEEP_ARCHIVE')
        archivedObjects += z.objectsPerDay * averageDaysInBand(month, b.from, b.to);
      if (b.storageClass !== 'STANDARD')
        transitions.set(
          b.storageClass,
          (transitions.get(b.storageClass) ?? 0) + z.objectsPerDay * crossingDays(month, b.from),
        );
    }
  }
  for (const [c, { gb, parts }] of byClass)
    ctx.add('S3', `storage, ${LABEL[c]} (month ${month})`, CLASS_PRICE[c], gb, {
      how: parts.join(' + '),
      uses: [...uses],
    });
  if (archivedObjects > 0) {
    // Deep Archive keeps 32 KB of index per object at its own rate and 8 KB at Standard's.
    ctx.add(
      'S3',
      'Deep Archive index, 32 KB per object',
      's3DeepArchiveGbMonth',
      (archivedObjects * 32 * KB) / GB,
      {
        how: `${n(archivedObjects)} objects × 32 KB`,
      },
    );
    ctx.add(
      'S3',
      'Deep Archive index, 8 KB per object at Standard',
      's3StandardGbMonth',
      (archivedObjects * 8 * KB) / GB,
      {
        how: `${n(archivedObjects)} objects × 8 KB`,
      },
    );
  }
  for (const [c, objects] of transitions)
    if (objects > 0)
      ctx.add('S3', `lifecycle transitions to ${LABEL[c]}`, TRANSITION_PRICE[c]!, objects, {
        per: 1000,
        how: 'objects written daily crossing the age this month',
      });
  const days = DAYS_PER_MONTH;
  const raw = rawObjects(ctx);
  // Spark's committer writes, renames and cleans up: about 3 requests per output file, plus the analytics tables.
  const curatedFiles = zones(ctx).find((z) => z.name === 'curated')?.objectsPerDay ?? 0;
  const puts = raw.perDay + (curatedFiles > 0 ? 3 * curatedFiles + 10 : 0);
  ctx.add('S3', 'PUT requests (Firehose objects, Spark outputs)', 's3PutThousand', puts * days, {
    per: 1000,
    how: `${n(puts)} a day × ${n(days)} days`,
  });
  const gets = s3RequestsPerDay(ctx) - raw.perDay;
  ctx.add('S3', 'GET requests (daily batch, Athena)', 's3GetThousand', gets * days, {
    per: 1000,
    how: `${n(gets)} a day × ${n(days)} days`,
  });
  ctx.derived['rawObjectBytes'] = raw.bytesEach;
  ctx.derived['rawObjectsPerDay'] = raw.perDay;
  for (const [c, { gb }] of byClass) ctx.derived[`s3Gb:${c}`] = gb;
}
