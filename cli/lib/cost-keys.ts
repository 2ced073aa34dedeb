/**
 * How many view rows the deployed code writes: the expected number of distinct (contentId, type, minute) keys among
 * the events a writer aggregates at once. The Lambda consumer aggregates a shard's events per tumbling window of
 * arrival time and writes each key once at the window's end; the Flink job writes each key when its minute closes and
 * again per late event; the Spark job writes each minute and day key of a day once.
 *
 * Event minutes come from occurredAt = arrival − lag, with the lag drawn from the workload's lateness bands, so a
 * 120 s window aligned on minutes touches its two minutes plus the minutes late events fall into.
 */
import type { LatenessBand } from './cost-assumptions';

/** Probability of each (content, type) key: Zipf content popularity × the type mix. */
export function keyProbabilities(
  contentIds: number,
  zipfExponent: number,
  typeWeights: Readonly<Record<string, number>>,
): number[] {
  if (!Number.isInteger(contentIds) || contentIds < 1)
    throw new RangeError(`contentIds must be a whole number ≥ 1, got ${contentIds}`);
  const weights = Object.values(typeWeights);
  const typeTotal = weights.reduce((a, b) => a + b, 0);
  let z = 0;
  for (let k = 1; k <= contentIds; k++) z += k ** -zipfExponent;
  const out: number[] = [];
  for (let k = 1; k <= contentIds; k++) {
    const content = k ** -zipfExponent / z;
    for (const w of weights) out.push((content * w) / typeTotal);
  }
  return out;
}

const distinctMemo = new WeakMap<readonly number[], Map<number, number>>();

/** Expected number of distinct keys among n independent draws: Σ 1 − (1 − p)^n (remembered per key set). */
export function expectedDistinct(n: number, probabilities: readonly number[]): number {
  if (n <= 0) return 0;
  const cache = distinctMemo.get(probabilities) ?? new Map<number, number>();
  distinctMemo.set(probabilities, cache);
  const hit = cache.get(n);
  if (hit !== undefined) return hit;
  let sum = 0;
  for (const p of probabilities) sum += p >= 1 ? 1 : -Math.expm1(n * Math.log1p(-p));
  cache.set(n, sum);
  return sum;
}

/** P(lag ≤ x) for the lateness bands (each uniform). */
export function lagCdf(bands: readonly LatenessBand[], x: number): number {
  let p = 0;
  for (const b of bands) {
    const width = b.toSeconds - b.fromSeconds;
    const within = width <= 0 ? (x >= b.fromSeconds ? 1 : 0) : (x - b.fromSeconds) / width;
    p += b.share * Math.min(1, Math.max(0, within));
  }
  return p;
}

/**
 * Shares of a window's events by minute of occurredAt, for events arriving uniformly over a window of `seconds` that
 * starts `phase` seconds after a minute boundary. Minute 0 is the minute the window starts in.
 */
export function minuteShares(
  seconds: number,
  bands: readonly LatenessBand[],
  phase = 0,
): Map<number, number> {
  const shares = new Map<number, number>();
  const steps = Math.max(60, Math.ceil(seconds * 2));
  const maxLag = Math.max(...bands.map((b) => b.toSeconds));
  for (let i = 0; i < steps; i++) {
    const a = phase + ((i + 0.5) * seconds) / steps; // arrival, seconds after the minute boundary before the window
    for (let m = Math.floor((a - maxLag) / 60) - 1; m <= Math.floor(a / 60); m++) {
      // occurredAt in [60m, 60m + 60) ⇔ lag in (a − 60m − 60, a − 60m]
      const p = lagCdf(bands, a - 60 * m) - lagCdf(bands, a - 60 * m - 60);
      if (p > 0) shares.set(m, (shares.get(m) ?? 0) + p / steps);
    }
  }
  return shares;
}

/**
 * Expected distinct (contentId, type, minute) keys among `events` events arriving over `seconds` seconds. Windows of
 * a whole number of minutes start on a minute (Lambda aligns tumbling windows on multiples of their length since the
 * epoch); any other span is averaged over its phase.
 */
const memo = new WeakMap<readonly number[], Map<string, number>>();

export function expectedMinuteKeys(
  events: number,
  seconds: number,
  probabilities: readonly number[],
  bands: readonly LatenessBand[],
): number {
  if (events <= 0) return 0;
  // An estimate asks for the same figures several times (each month of the growth line): remember them.
  const cache = memo.get(probabilities) ?? new Map<string, number>();
  memo.set(probabilities, cache);
  const key = `${events}|${seconds}|${JSON.stringify(bands)}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const phases = seconds % 60 === 0 ? [0] : Array.from({ length: 12 }, (_, i) => i * 5);
  let total = 0;
  for (const phase of phases) {
    for (const share of minuteShares(seconds, bands, phase).values())
      total += expectedDistinct(events * share, probabilities);
  }
  cache.set(key, total / phases.length);
  return total / phases.length;
}

/**
 * Share of events that reach the Flink job after their one-minute window has fired (each re-fires the window: one
 * more write) and share so late they are dead-lettered. The watermark trails the newest event time by the bounded
 * out-of-orderness; the newest events arrive with (about) no lag.
 */
export function flinkLateShares(
  bands: readonly LatenessBand[],
  outOfOrdernessSeconds: number,
  allowedLatenessSeconds: number,
): { late: number; tooLate: number } {
  let late = 0;
  let tooLate = 0;
  const arrivals = 120;
  for (let i = 0; i < arrivals; i++) {
    const a = ((i + 0.5) * 60) / arrivals; // arrival within a minute
    const watermark = a - outOfOrdernessSeconds;
    for (const b of bands) {
      const steps = Math.max(1, Math.ceil((b.toSeconds - b.fromSeconds) * 4));
      for (let j = 0; j < steps; j++) {
        const lag = b.fromSeconds + ((j + 0.5) * (b.toSeconds - b.fromSeconds)) / steps;
        const windowEnd = 60 * Math.floor((a - lag) / 60) + 60;
        const w = b.share / steps / arrivals;
        if (windowEnd + allowedLatenessSeconds <= watermark) tooLate += w;
        else if (windowEnd <= watermark) late += w;
      }
    }
  }
  return { late, tooLate };
}
