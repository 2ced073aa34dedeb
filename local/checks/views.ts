/**
 * View checks. Where exactness is promised (the batch view, the Flink view) the view must equal the independent
 * reference. The Lambda speed path is at least once, so its promise is two-sided: reference ≤ speed ≤ upper bound, per
 * minute bucket, where the upper bound counts every chance a record had to be written (each delivery in batch mode;
 * in window mode, each attempt of its window that could flush the state holding it), taken from the local event
 * source mapping's delivery log, which the harness keeps, not the handler.
 */
import { type Aggregate, bucketOf, type Diff, diff, type TruthEvent } from '../reference';
import { type Check, fail, pass } from './check';

/** Equal to the reference, bucket by bucket. */
export function checkExactView(
  name: string,
  expected: Map<string, Aggregate>,
  actual: Map<string, Aggregate>,
): Check {
  const d = diff(expected, actual);
  return d.length === 0
    ? pass(name, `${expected.size} buckets identical`)
    : fail(name, `${d.length} of ${expected.size} buckets differ`, d.slice(0, 10));
}

/** One invocation as the local event source mapping logged it (`EsmPoller.onInvocation`). */
export interface Delivery {
  readonly shardId: string;
  readonly sequenceNumbers: readonly string[];
  readonly outcome: 'ok' | 'partial' | 'error';
  /** Tumbling-window invocations: the window's start (with the shard, the window's identity). */
  readonly windowStart?: string;
  readonly isFinalInvokeForWindow?: boolean;
}

const keyOf = (contentId: string, type: string, bucket: string) => `${contentId}\u0000${type}\u0000${bucket}`;

/**
 * How many times each record (`shardId:sequenceNumber`) could have been written to the speed view.
 *
 * Batch mode: once per invocation that delivered it, whatever the outcome (a failed invocation may have written
 * before failing). Window mode: a window's state is written by its final invocation, and by an invocation that flushes
 * early when the state outgrows its budget; a failed attempt is retried with the previous state. So every attempt that
 * is final or failed may write every record folded into the window's state so far plus its own batch; a successful
 * early flush writes records that the final invocation then no longer holds, so counting each record once per final
 * attempt covers it.
 */
export function writeChances(deliveries: readonly Delivery[]): Map<string, number> {
  const chances = new Map<string, number>();
  const add = (shardId: string, seqs: readonly string[]) => {
    for (const s of seqs) chances.set(`${shardId}:${s}`, (chances.get(`${shardId}:${s}`) ?? 0) + 1);
  };
  const folded = new Map<string, string[]>(); // shard + window → sequence numbers in the state so far
  for (const d of deliveries) {
    if (d.windowStart === undefined) {
      add(d.shardId, d.sequenceNumbers);
      continue;
    }
    const w = `${d.shardId}\u0000${d.windowStart}`;
    const state = folded.get(w) ?? [];
    if (d.isFinalInvokeForWindow || d.outcome === 'error') {
      add(d.shardId, state);
      add(d.shardId, d.sequenceNumbers);
    }
    if (d.outcome !== 'error') {
      if (d.isFinalInvokeForWindow) folded.delete(w);
      else folded.set(w, state.concat(d.sequenceNumbers));
    }
  }
  return chances;
}

/**
 * The most each minute bucket can hold: every valid event's count and watch seconds times the write chances of every
 * record that carried it (its duplicates included). `events` maps `shardId:sequenceNumber` to the event the generator
 * put in that record (absent for malformed records).
 */
export function speedUpperBound(
  events: ReadonlyMap<string, TruthEvent>,
  deliveries: readonly Delivery[],
): Map<string, Aggregate> {
  const out = new Map<string, Aggregate>();
  for (const [record, n] of writeChances(deliveries)) {
    const e = events.get(record);
    if (!e) continue;
    const bucket = bucketOf(e.occurredAt, 'minute');
    const k = keyOf(e.contentId, e.type, bucket);
    const cur = out.get(k) ?? { contentId: e.contentId, type: e.type, bucket, count: 0, watchSeconds: 0 };
    cur.count += n;
    cur.watchSeconds += n * (e.watchSeconds ?? 0);
    out.set(k, cur);
  }
  return out;
}

export const SPEED_CHECK = 'speed view within its at-least-once bounds, per minute';

/** reference ≤ actual ≤ upper, count and watch seconds, in every minute bucket any of the three holds. */
export function checkSpeedView(
  reference: Map<string, Aggregate>,
  upper: Map<string, Aggregate>,
  actual: Map<string, Aggregate>,
): Check {
  const under: Diff[] = [];
  const over: Diff[] = [];
  const zero = { count: 0, watchSeconds: 0 };
  const totals = { ref: 0, up: 0, act: 0 };
  for (const k of new Set([...reference.keys(), ...upper.keys(), ...actual.keys()])) {
    const r = reference.get(k) ?? zero;
    const u = upper.get(k) ?? zero;
    const a = actual.get(k) ?? zero;
    totals.ref += r.count;
    totals.up += u.count;
    totals.act += a.count;
    const key = k.replaceAll('\u0000', '#');
    const pick = (x: { count: number; watchSeconds: number }) => ({
      count: x.count,
      watchSeconds: x.watchSeconds,
    });
    if (a.count < r.count || a.watchSeconds < r.watchSeconds)
      under.push({ key, expected: pick(r), actual: pick(a) });
    else if (a.count > u.count || a.watchSeconds > u.watchSeconds)
      over.push({ key, expected: pick(u), actual: pick(a) });
  }
  const figures = `reference ${totals.ref} events, speed ${totals.act} (+${totals.act - totals.ref}), bound ${totals.up} (+${totals.up - totals.ref})`;
  if (under.length === 0 && over.length === 0)
    return pass(SPEED_CHECK, `${figures}; every minute within bounds`);
  const parts = [
    under.length ? `${under.length} buckets under the reference` : '',
    over.length ? `${over.length} buckets over the redelivery bound (diffs show the bound as expected)` : '',
  ].filter(Boolean);
  return fail(SPEED_CHECK, `${figures}; ${parts.join(', ')}`, [...under, ...over].slice(0, 10));
}
