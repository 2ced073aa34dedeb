import { parseEvent } from '../../cli/lib/event';
import { type GeneratedRecord, summarizeTruth, WorkloadGenerator } from '../../cli/lib/generator';

const N = 20_000;
const decoder = new TextDecoder();
const text = (r: GeneratedRecord) => decoder.decode(r.data);

describe('WorkloadGenerator', () => {
  const sample = new WorkloadGenerator({ seed: 42 }).take(N);

  test('is deterministic for a seed', () => {
    const again = new WorkloadGenerator({ seed: 42 }).take(N);
    expect(again.map(text)).toEqual(sample.map(text));
    expect(again.map((r) => r.partitionKey)).toEqual(sample.map((r) => r.partitionKey));
  });

  test('differs for another seed', () => {
    const other = new WorkloadGenerator({ seed: 43 }).take(100);
    expect(other.map(text)).not.toEqual(sample.slice(0, 100).map(text));
  });

  test('fractions of late, out-of-order, duplicate and malformed records are within tolerance', () => {
    // Defaults: late 2%, out of order 5%, duplicate 1%, malformed 0.5%. Binomial sd at N=20,000 is
    // ≤ 0.16 percentage points; a tolerance of ±0.5 points is more than 3 sd for each.
    const s = summarizeTruth(sample);
    expect(s.total).toBe(N);
    expect(Math.abs(s.late / N - 0.02)).toBeLessThan(0.005);
    expect(Math.abs(s.outOfOrder / N - 0.05)).toBeLessThan(0.005);
    expect(Math.abs(s.duplicates / N - 0.01)).toBeLessThan(0.005);
    expect(Math.abs(s.malformed / N - 0.005)).toBeLessThan(0.005);
    expect(s.malformed).toBeGreaterThan(0);
  });

  test('honours configured fractions', () => {
    const s = summarizeTruth(
      new WorkloadGenerator({
        seed: 1,
        fractions: { late: 0.1, outOfOrder: 0, duplicate: 0.2, malformed: 0.05 },
      }).take(N),
    );
    expect(Math.abs(s.late / N - 0.1)).toBeLessThan(0.01);
    expect(s.outOfOrder).toBe(0);
    expect(Math.abs(s.duplicates / N - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(s.malformed / N - 0.05)).toBeLessThan(0.01);
  });

  test('ground truth agrees with the contract: well-formed records parse, malformed ones fail for the stated reason', () => {
    // Collect disagreements and assert once: 20,000 expect() calls would dominate the run time.
    const wrong: unknown[] = [];
    for (const r of sample) {
      const parsed = parseEvent(r.data);
      if (r.truth.kind === 'malformed') {
        if (parsed.ok || parsed.reason !== r.truth.reason) wrong.push({ truth: r.truth, parsed });
      } else if (!parsed.ok || parsed.event.eventId !== r.truth.eventId)
        wrong.push({ truth: r.truth, parsed });
    }
    expect(wrong).toEqual([]);
  });

  test('every malformed category occurs', () => {
    const reasons = new Set(sample.filter((r) => r.truth.kind === 'malformed').map((r) => r.truth.reason));
    expect(reasons.size).toBeGreaterThanOrEqual(8);
  });

  test('duplicates re-send an earlier record byte for byte, less than 10 minutes of event time later', () => {
    const dups = sample.filter((r) => r.truth.kind === 'duplicate');
    expect(dups.length).toBeGreaterThan(0);
    let newest = 0;
    const newestAt: number[] = [];
    for (const r of sample) {
      if (r.truth.event) newest = Math.max(newest, Date.parse(r.truth.event.occurredAt));
      newestAt.push(newest);
    }
    for (const d of dups) {
      const original = sample[d.truth.duplicateOf!]!;
      expect(original.truth.kind).toBe('event');
      expect(Buffer.from(d.data).equals(Buffer.from(original.data))).toBe(true);
      expect(d.partitionKey).toBe(original.partitionKey);
      expect(newestAt[d.truth.sequence]! - newestAt[original.truth.sequence]!).toBeLessThan(10 * 60_000);
    }
  });

  test('late events are 1..5 minutes and out-of-order events at most 30 s behind the newest seen', () => {
    let newest = 0;
    const wrong: unknown[] = [];
    for (const r of sample) {
      if (r.truth.kind !== 'event') continue;
      const t = Date.parse(r.truth.event!.occurredAt);
      const behind = newest - t;
      const ok =
        r.truth.timing === 'late'
          ? behind >= 60_000 - 1 && behind <= 300_000
          : r.truth.timing === 'out_of_order'
            ? behind >= 0 && behind <= 30_000
            : t >= newest;
      if (!ok) wrong.push({ sequence: r.truth.sequence, timing: r.truth.timing, behind });
      newest = Math.max(newest, t);
    }
    expect(wrong).toEqual([]);
  });

  test('content popularity is skewed: the top stream gets far more events than the median one', () => {
    const counts = new Map<string, number>();
    for (const r of sample)
      if (r.truth.event) counts.set(r.truth.event.contentId, (counts.get(r.truth.event.contentId) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(sorted[0]!).toBeGreaterThan(10 * sorted[Math.floor(sorted.length / 2)]!);
  });

  test('partition keys are eventIds, never contentIds', () => {
    expect(sample.filter((r) => r.truth.eventId && r.partitionKey !== r.truth.eventId)).toEqual([]);
  });

  test('records never contain a newline (one record per JSONL line)', () => {
    expect(sample.filter((r) => r.data.includes(0x0a)).map((r) => r.truth.sequence)).toEqual([]);
  });

  test('starts at the requested time', () => {
    const [first] = new WorkloadGenerator({
      seed: 5,
      startTimeMs: Date.parse('2026-11-20T23:40:00.000Z'),
      fractions: { malformed: 0, duplicate: 0, late: 0, outOfOrder: 0 },
    }).take(1);
    expect(first!.truth.event!.occurredAt.startsWith('2026-11-20T23:40:0')).toBe(true);
  });

  test('fails when fractions add up to more than 1 or are out of range', () => {
    expect(() => new WorkloadGenerator({ seed: 1, fractions: { late: 0.6, outOfOrder: 0.6 } })).toThrow(
      /add up/,
    );
    expect(() => new WorkloadGenerator({ seed: 1, fractions: { late: -0.1 } })).toThrow(/\[0, 1\]/);
    expect(() => new WorkloadGenerator({ seed: 1, ratePerSecond: 0 })).toThrow(/ratePerSecond/);
  });
});
