/** The dashboard's state assembly: rates, lag, minute series, dead letters; wrong inputs throw. */
import { contentChoices } from '../../local/dashboard/sources';
import {
  deadLetterCount,
  esmLag,
  flinkLag,
  minuteSeries,
  recordsAfter,
  throughput,
} from '../../local/dashboard/state';
import type { Aggregate } from '../../local/reference';

const row = (bucket: string, count: number, contentId = 'c-1', type = 'play'): Aggregate => ({
  contentId,
  type,
  bucket,
  count,
  watchSeconds: 0,
});

describe('throughput', () => {
  test('per-second rates between samples, totals from the last sample', () => {
    const tp = throughput([
      { atMs: 10_000, produced: 0, archived: 0 },
      { atMs: 11_000, produced: 500, archived: 0 },
      { atMs: 13_000, produced: 900, archived: 450 },
    ]);
    expect(tp.t).toEqual([10, 11, 13]);
    expect(tp.produced).toEqual([null, 500, 200]);
    expect(tp.archived).toEqual([null, 0, 225]);
    expect(tp.totals).toEqual({ produced: 900, archived: 450 });
  });

  test('no archive: its rates are null and its total is null', () => {
    const tp = throughput([
      { atMs: 0, produced: 1 },
      { atMs: 1000, produced: 3 },
    ]);
    expect(tp.archived).toEqual([null, null]);
    expect(tp.totals.archived).toBeNull();
  });

  test('fails when a counter goes back', () => {
    expect(() =>
      throughput([
        { atMs: 0, produced: 10 },
        { atMs: 1000, produced: 9 },
      ]),
    ).toThrow('produced counter went back from 10 to 9 at sample 1');
  });

  test('fails when time does not move forward', () => {
    expect(() =>
      throughput([
        { atMs: 1000, produced: 1 },
        { atMs: 1000, produced: 2 },
      ]),
    ).toThrow(/sample 1 is not later than sample 0/);
  });

  test('fails on a negative or fractional counter', () => {
    expect(() => throughput([{ atMs: 0, produced: -1 }])).toThrow(/whole numbers/);
    expect(() => throughput([{ atMs: 0, produced: 1, archived: 0.5 }])).toThrow(/archived counter/);
  });
});

describe('lag', () => {
  test('the ESM lag sums the shards', () => {
    const lag = esmLag([
      { shardId: 'shardId-1', recordsBehind: 10_000, iteratorAgeMs: 900 },
      { shardId: 'shardId-0', recordsBehind: 3, iteratorAgeMs: 20 },
    ]);
    expect(lag.recordsBehind).toBe(10_003);
    expect(lag.shards.map((s) => s.shardId)).toEqual(['shardId-0', 'shardId-1']);
  });

  test('records behind a settled position: counted among the accepted sequence numbers, compared as integers', () => {
    // Real Kinesis sequence numbers: 56 digits, beyond a double's precision.
    const base = 49_656_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;
    const seqs = [base, base + 1n, base + 2n, base + 10n];
    expect(recordsAfter(seqs, undefined)).toBe(4);
    expect(recordsAfter(seqs, String(base))).toBe(3);
    expect(recordsAfter(seqs, String(base + 2n))).toBe(1);
    expect(recordsAfter(seqs, String(base + 10n))).toBe(0);
    expect(recordsAfter([], String(base))).toBe(0);
    expect(() => recordsAfter(seqs, 'shardId-0')).toThrow('"shardId-0" is not a sequence number');
  });

  test('fails on a negative backlog', () => {
    expect(() => esmLag([{ shardId: 's', recordsBehind: -1, iteratorAgeMs: 0 }])).toThrow(/shard s/);
  });

  test('Flink: accepted minus read; unknown after a restore; more read than accepted is an error', () => {
    expect(flinkLag('RUNNING', 1000, 400, 0)).toEqual({
      state: 'RUNNING',
      sourceRead: 400,
      recordsBehind: 600,
    });
    const restored = flinkLag('RUNNING', 1000, 10, 1);
    expect(restored.recordsBehind).toBeUndefined();
    expect(restored.note).toMatch(/restored from a checkpoint/);
    expect(() => flinkLag('RUNNING', 10, 11, 0)).toThrow(/read 11 records, more than the 10/);
  });
});

describe('minute series', () => {
  const reference = [row('2026-11-20T23:58', 4), row('2026-11-20T23:59', 2), row('2026-11-21T00:00', 5)];

  test('the union of minutes; 0 in a day the view covers, null in a day it does not', () => {
    const ms = minuteSeries('c-1', 'play', reference, [
      { name: 'speed', label: 'speed', rows: [row('2026-11-20T23:58', 5), row('2026-11-21T00:00', 5)] },
      { name: 'batch', label: 'batch', rows: [row('2026-11-20T23:58', 4), row('2026-11-20T23:59', 2)] },
    ]);
    expect(ms.minutes).toEqual(['2026-11-20T23:58', '2026-11-20T23:59', '2026-11-21T00:00']);
    expect(ms.reference.counts).toEqual([4, 2, 5]);
    expect(ms.views.map((v) => [v.name, v.counts, v.total])).toEqual([
      ['speed', [5, 0, 5], 10],
      ['batch', [4, 2, null], 6],
    ]);
    expect(ms.reference.total).toBe(11);
  });

  test('fails when a view holds a row of another content id', () => {
    expect(() =>
      minuteSeries('c-1', 'play', reference, [
        { name: 'speed', label: 'speed', rows: [row('2026-11-20T23:58', 1, 'c-2')] },
      ]),
    ).toThrow('speed view: a row of c-2/play among the rows of c-1/play');
  });

  test('fails on a minute twice, a day bucket, or a negative count', () => {
    const twice = [row('2026-11-20T23:58', 1), row('2026-11-20T23:58', 2)];
    expect(() => minuteSeries('c-1', 'play', twice, [])).toThrow('reference: minute 2026-11-20T23:58 twice');
    expect(() => minuteSeries('c-1', 'play', [row('2026-11-20', 1)], [])).toThrow(/not a minute bucket/);
    expect(() => minuteSeries('c-1', 'play', [row('2026-11-20T23:58', -1)], [])).toThrow(/count -1/);
  });
});

describe('dead letters and choices', () => {
  test('totals by reason, with what the destination holds', () => {
    expect(deadLetterCount('dlq', { invalid_json: 3, schema_violation: 2 }, 5)).toEqual({
      destination: 'dlq',
      reasons: { invalid_json: 3, schema_violation: 2 },
      total: 5,
      held: 5,
    });
    expect(() => deadLetterCount('dlq', { invalid_json: -1 })).toThrow(
      /-1 dead letters for reason invalid_json/,
    );
  });

  test('content choices rank contents by their reference events over every minute', () => {
    const choices = contentChoices([
      row('2026-11-20T23:58', 3, 'a'),
      row('2026-11-20T23:59', 3, 'a'),
      row('2026-11-20T23:58', 5, 'b'),
      row('2026-11-20T23:58', 1, 'a', 'pause'),
    ]);
    expect(choices).toEqual([
      { contentId: 'a', type: 'play', count: 6 },
      { contentId: 'b', type: 'play', count: 5 },
      { contentId: 'a', type: 'pause', count: 1 },
    ]);
  });
});
