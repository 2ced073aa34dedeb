import {
  checkExactView,
  checkSpeedView,
  type Delivery,
  speedUpperBound,
  writeChances,
} from '../../local/checks/views';
import { type Aggregate, aggregate, type TruthEvent } from '../../local/reference';
import { eventsBySeq, streamOf, workload } from './workload';

const records = workload();
const stream = streamOf(records);
const events = eventsBySeq(records, stream);
const truth: TruthEvent[] = records.flatMap((r) =>
  r.truth.kind !== 'malformed' && r.truth.event ? [r.truth.event] : [],
);
const reference = aggregate(truth, 'minute');

/** Batches of 50 per shard, delivered once each and successfully. */
function batches(size = 50): Delivery[] {
  const out: Delivery[] = [];
  for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
    const seqs = stream.filter((s) => s.shardId === shardId).map((s) => s.sequenceNumber);
    for (let i = 0; i < seqs.length; i += size)
      out.push({ shardId, sequenceNumbers: seqs.slice(i, i + size), outcome: 'ok' });
  }
  return out;
}

/** What an at-least-once consumer writes: every delivered record's event, per delivery, deduplicated in a batch. */
function written(deliveries: readonly Delivery[]): Map<string, Aggregate> {
  const all: TruthEvent[] = [];
  for (const d of deliveries) {
    const seen = new Set<string>();
    for (const s of d.sequenceNumbers) {
      const e = events.get(`${d.shardId}:${s}`);
      if (e && !seen.has(e.eventId)) {
        seen.add(e.eventId);
        all.push({ ...e, eventId: `${e.eventId}/${all.length}` }); // aggregate() dedupes by eventId: keep each write
      }
    }
  }
  return aggregate(all, 'minute');
}

const scale = (m: Map<string, Aggregate>, f: number) =>
  new Map([...m].map(([k, a]) => [k, { ...a, count: a.count * f, watchSeconds: a.watchSeconds * f }]));

describe('checkExactView', () => {
  test('passes on the reference itself and fails on one bucket off by one', () => {
    expect(checkExactView('v', reference, new Map(reference)).status).toBe('pass');
    const [k, a] = [...reference][0] as [string, Aggregate];
    const off = new Map(reference).set(k, { ...a, count: a.count + 1 });
    const c = checkExactView('v', reference, off);
    expect([c.status, c.diffs?.length]).toEqual(['fail', 1]);
  });
});

describe('speed view bounds (reference ≤ speed ≤ reference + redeliveries)', () => {
  test('passes on what an at-least-once consumer writes, cross-batch duplicates included', () => {
    const d = batches();
    const c = checkSpeedView(reference, speedUpperBound(events, d), written(d));
    expect([c.status, c.detail]).toEqual(['pass', expect.stringMatching(/every minute within bounds/)]);
  });

  test('fails on a doubled speed view', () => {
    const d = batches();
    const c = checkSpeedView(reference, speedUpperBound(events, d), scale(written(d), 2));
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/over the redelivery bound/);
  });

  test('fails on a view that lost a record', () => {
    const d = batches();
    const view = written(d);
    const [k, a] = [...view].find(([, x]) => x.count > 0) as [string, Aggregate];
    view.set(k, { ...a, count: a.count - 1 });
    const c = checkSpeedView(reference, speedUpperBound(events, d), view);
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/under the reference/);
  });

  test('a redelivered batch widens the bound by exactly its records, and a view that counts it passes', () => {
    const d = batches();
    const again = d[3] as Delivery;
    const retried = [...d.slice(0, 4), { ...again, outcome: 'ok' as const }, ...d.slice(4)];
    const base = [...speedUpperBound(events, d).values()].reduce((s, a) => s + a.count, 0);
    const widened = [...speedUpperBound(events, retried).values()].reduce((s, a) => s + a.count, 0);
    const valid = again.sequenceNumbers.filter((s) => events.has(`${again.shardId}:${s}`)).length;
    expect(widened - base).toBe(valid);
    expect(checkSpeedView(reference, speedUpperBound(events, retried), written(retried)).status).toBe('pass');
    // …but the same view is over the bound when the log shows no redelivery.
    expect(checkSpeedView(reference, speedUpperBound(events, d), written(retried)).status).toBe('fail');
  });
});

describe('writeChances in window mode', () => {
  const w = (over: Partial<Delivery> & Pick<Delivery, 'sequenceNumbers'>): Delivery => ({
    shardId: 's',
    outcome: 'ok',
    windowStart: '2026-11-20T23:58:00Z',
    ...over,
  });

  test('a clean window: each record can be written once, by the final invocation', () => {
    const chances = writeChances([
      w({ sequenceNumbers: ['1', '2'] }),
      w({ sequenceNumbers: ['3'] }),
      w({ sequenceNumbers: [], isFinalInvokeForWindow: true }),
    ]);
    expect(Object.fromEntries(chances)).toEqual({ 's:1': 1, 's:2': 1, 's:3': 1 });
  });

  test('a failed final invocation is retried with the whole state: every record gets a second chance', () => {
    const chances = writeChances([
      w({ sequenceNumbers: ['1'] }),
      w({ sequenceNumbers: ['2'], isFinalInvokeForWindow: true, outcome: 'error' }),
      w({ sequenceNumbers: ['2'], isFinalInvokeForWindow: true }),
    ]);
    expect(Object.fromEntries(chances)).toEqual({ 's:1': 2, 's:2': 2 });
  });

  test('a failed intermediate invocation may have flushed early: its state and batch get a chance', () => {
    const chances = writeChances([
      w({ sequenceNumbers: ['1'] }),
      w({ sequenceNumbers: ['2'], outcome: 'error' }),
      w({ sequenceNumbers: ['2'] }),
      w({ sequenceNumbers: [], isFinalInvokeForWindow: true }),
    ]);
    expect(Object.fromEntries(chances)).toEqual({ 's:1': 2, 's:2': 2 });
  });

  test('windows of different shards or starts do not share state', () => {
    const chances = writeChances([
      w({ sequenceNumbers: ['1'] }),
      w({ shardId: 't', sequenceNumbers: ['9'], isFinalInvokeForWindow: true }),
      w({ sequenceNumbers: [], isFinalInvokeForWindow: true }),
      w({ sequenceNumbers: ['2'], windowStart: '2026-11-20T23:59:00Z', isFinalInvokeForWindow: true }),
    ]);
    expect(Object.fromEntries(chances)).toEqual({ 's:1': 1, 't:9': 1, 's:2': 1 });
  });

  test('records of a window that never closed get no chance: the lower bound then fails', () => {
    expect(writeChances([w({ sequenceNumbers: ['1'] })]).size).toBe(0);
  });
});
