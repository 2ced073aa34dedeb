/**
 * What the dashboard shows, assembled by pure functions from samples the sampler took (local/dashboard/sampler.ts):
 * per-second rates from cumulative counters, the per-minute counts of one content id in each view beside the
 * reference, dead letters by reason. Inputs that cannot be right (a counter that goes back, a row of another content
 * id, a minute twice) throw instead of drawing a plausible chart.
 */
import type { Aggregate } from '../reference';

/** Cumulative counters read at one instant. `archived` is absent when the variant has no archive. */
export interface CounterSample {
  readonly atMs: number;
  /** Records the stream accepted (sequence numbers PutRecords returned). */
  readonly produced: number;
  /** Records delivered to the raw bucket (read by the archive writer and no longer buffered). */
  readonly archived?: number;
}

export interface Throughput {
  /** Sample times, epoch seconds (uPlot's x axis). */
  readonly t: number[];
  /** Per-second rate over the interval ending at each sample; null for the first sample. */
  readonly produced: (number | null)[];
  readonly archived: (number | null)[];
  readonly totals: { readonly produced: number; readonly archived: number | null };
}

/** One shard as the local event source mapping sees it: what is on the stream after its settled position. */
export interface EsmShardLag {
  readonly shardId: string;
  /** Records the stream accepted on this shard after the settled position. */
  readonly recordsBehind: number;
  /** Age of the oldest record after the settled position (now − its ApproximateArrivalTimestamp); 0 when none. */
  readonly iteratorAgeMs: number;
}

export interface FlinkLag {
  readonly state: string;
  /** Records the job's source has read (Flink REST metrics); since the last start when it was restored. */
  readonly sourceRead: number;
  /** Records accepted by the stream minus records read; absent when the job was restored (its count restarted). */
  readonly recordsBehind?: number;
  readonly note?: string;
}

export interface Lag {
  readonly esm?: {
    readonly shards: EsmShardLag[];
    readonly recordsBehind: number;
  };
  readonly flink?: FlinkLag;
  /** When each was last read; a source that failed since keeps its last reading (see `errors`). */
  readonly esmAtMs?: number;
  readonly flinkAtMs?: number;
}

export interface DeadLetterCount {
  readonly destination: string;
  readonly reasons: Record<string, number>;
  readonly total: number;
  /** What the destination itself says it holds (SQS ApproximateNumberOfMessages), when it can say. */
  readonly held?: number;
}

export interface ViewSeries {
  readonly name: string;
  readonly label: string;
  /** One value per minute of `MinuteSeries.minutes`: the count, 0 in a day the view covers, null outside it. */
  readonly counts: (number | null)[];
  readonly total: number;
}

export interface MinuteSeries {
  readonly contentId: string;
  readonly type: string;
  /** `yyyy-MM-ddTHH:mm`, sorted. */
  readonly minutes: string[];
  readonly reference: ViewSeries;
  readonly views: ViewSeries[];
}

export interface DashboardState {
  readonly architecture: string;
  readonly speedEngine: string;
  readonly components: Record<string, string>;
  /** The last phase the run finished. */
  readonly phase: string;
  readonly atMs: number;
  readonly throughput: Throughput;
  readonly lag: Lag;
  readonly choices: { readonly contentId: string; readonly type: string; readonly count: number }[];
  readonly minutes?: MinuteSeries;
  readonly deadLetters: DeadLetterCount[];
  /** The sampler's own cost: ms the last sample took. */
  readonly sampleMs: number;
  /** Sources that could not be read at the last sample, with why. */
  readonly errors: string[];
}

/** Per-second rates between consecutive samples; throws when time does not move forward or a counter goes back. */
export function throughput(samples: readonly CounterSample[]): Throughput {
  const produced: (number | null)[] = [];
  const archived: (number | null)[] = [];
  samples.forEach((s, i) => {
    for (const [name, v] of [
      ['produced', s.produced],
      ['archived', s.archived],
    ] as const)
      if (v !== undefined && (!Number.isInteger(v) || v < 0))
        throw new Error(`${name} counter at sample ${i} is ${v}: counters are whole numbers ≥ 0`);
    const prev = samples[i - 1];
    if (!prev) {
      produced.push(null);
      archived.push(null);
      return;
    }
    const dt = (s.atMs - prev.atMs) / 1000;
    if (!(dt > 0))
      throw new Error(`sample ${i} is not later than sample ${i - 1} (${prev.atMs} → ${s.atMs})`);
    const rate = (name: string, a: number | undefined, b: number | undefined) => {
      if (a === undefined || b === undefined) return null;
      if (b < a) throw new Error(`${name} counter went back from ${a} to ${b} at sample ${i}`);
      return Math.round(((b - a) / dt) * 10) / 10;
    };
    produced.push(rate('produced', prev.produced, s.produced));
    archived.push(rate('archived', prev.archived, s.archived));
  });
  const last = samples[samples.length - 1];
  return {
    t: samples.map((s) => s.atMs / 1000),
    produced,
    archived,
    totals: { produced: last?.produced ?? 0, archived: last?.archived ?? null },
  };
}

/** The ESM's lag over its shards: the sum of records behind. */
export function esmLag(shards: readonly EsmShardLag[]): NonNullable<Lag['esm']> {
  for (const s of shards)
    if (!Number.isInteger(s.recordsBehind) || s.recordsBehind < 0 || s.iteratorAgeMs < 0)
      throw new Error(
        `shard ${s.shardId}: lag cannot be negative or fractional (${s.recordsBehind} records)`,
      );
  return {
    shards: [...shards].sort((a, b) => a.shardId.localeCompare(b.shardId)),
    recordsBehind: shards.reduce((n, s) => n + s.recordsBehind, 0),
  };
}

/** Flink's lag from its source count; after a restore the count restarted at the checkpoint, so no lag is claimed. */
export function flinkLag(state: string, produced: number, sourceRead: number, restarts: number): FlinkLag {
  if (restarts > 0)
    return {
      state,
      sourceRead,
      note: `restored from a checkpoint ${restarts}×: the source count restarted, records behind unknown`,
    };
  if (sourceRead > produced)
    throw new Error(
      `the Flink source read ${sourceRead} records, more than the ${produced} the stream accepted`,
    );
  return { state, sourceRead, recordsBehind: produced - sourceRead };
}

const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

function rowsByMinute(
  label: string,
  rows: readonly Aggregate[],
  contentId: string,
  type: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    if (r.contentId !== contentId || r.type !== type)
      throw new Error(`${label}: a row of ${r.contentId}/${r.type} among the rows of ${contentId}/${type}`);
    if (!MINUTE.test(r.bucket)) throw new Error(`${label}: "${r.bucket}" is not a minute bucket`);
    if (!Number.isInteger(r.count) || r.count < 0)
      throw new Error(`${label}: count ${r.count} at ${r.bucket}`);
    if (out.has(r.bucket)) throw new Error(`${label}: minute ${r.bucket} twice`);
    out.set(r.bucket, r.count);
  }
  return out;
}

/**
 * The reference and each view, minute by minute over the union of their minutes. A view's missing minute is 0 in a
 * day where it has rows (nothing counted that minute) and null in a day it has none (not computed: the batch view
 * only holds closed days).
 */
export function minuteSeries(
  contentId: string,
  type: string,
  reference: readonly Aggregate[],
  views: readonly { name: string; label: string; rows: readonly Aggregate[] }[],
): MinuteSeries {
  const ref = rowsByMinute('reference', reference, contentId, type);
  const byView = views.map((v) => ({
    ...v,
    byMinute: rowsByMinute(`${v.name} view`, v.rows, contentId, type),
  }));
  const minutes = [...new Set([...ref.keys(), ...byView.flatMap((v) => [...v.byMinute.keys()])])].sort();
  const series = (name: string, label: string, m: Map<string, number>): ViewSeries => {
    const days = new Set([...m.keys()].map((k) => k.slice(0, 10)));
    const counts = minutes.map((k) => m.get(k) ?? (days.has(k.slice(0, 10)) ? 0 : null));
    return { name, label, counts, total: [...m.values()].reduce((a, b) => a + b, 0) };
  };
  return {
    contentId,
    type,
    minutes,
    reference: series('reference', 'reference (generator truth)', ref),
    views: byView.map((v) => series(v.name, v.label, v.byMinute)),
  };
}

/** Dead letters by reason from the messages a destination accepted; `held` is what the destination reports. */
export function deadLetterCount(
  destination: string,
  reasons: Readonly<Record<string, number>>,
  held?: number,
): DeadLetterCount {
  for (const [r, n] of Object.entries(reasons))
    if (!Number.isInteger(n) || n < 0) throw new Error(`${destination}: ${n} dead letters for reason ${r}`);
  const total = Object.values(reasons).reduce((a, b) => a + b, 0);
  return { destination, reasons: { ...reasons }, total, ...(held === undefined ? {} : { held }) };
}

/**
 * Records after `position` among a shard's accepted sequence numbers (sorted ascending). Kinesis sequence numbers
 * grow within a shard; they are decimal strings too long for a double, so they are compared as BigInt. No position
 * (nothing settled yet): every record.
 */
export function recordsAfter(sorted: readonly bigint[], position: string | undefined): number {
  if (position === undefined) return sorted.length;
  if (!/^\d+$/.test(position)) throw new Error(`"${position}" is not a sequence number`);
  const p = BigInt(position);
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as bigint) <= p) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}
