/**
 * The view-write model against the consumer's own code: the expected number of (contentId, type, minute) keys a
 * tumbling window writes, computed in closed form by cli/lib/cost-keys.ts, is compared with what
 * lambda/stream-consumer/window.ts (processWindowBatch, the deployed code path) writes for a generated stream of the
 * same workload, driven as the event source mapping drives it.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { ASSUMPTIONS } from '../../cli/lib/cost-assumptions';
import {
  expectedDistinct,
  expectedMinuteKeys,
  flinkLateShares,
  keyProbabilities,
  lagCdf,
  minuteShares,
} from '../../cli/lib/cost-keys';
import { MemoryDeadLetterSink } from '../../lambda/stream-consumer/dead-letter';
import { processWindowBatch } from '../../lambda/stream-consumer/window';
import { MemoryViewWriter } from '../../lambda/stream-consumer/writer';

const bands = ASSUMPTIONS.lateness.value;
const keyP = keyProbabilities(
  ASSUMPTIONS.contentIds.value,
  ASSUMPTIONS.zipfExponent.value,
  ASSUMPTIONS.typeWeights.value,
);

/** mulberry32: small, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records of one shard drawn from the assumption's workload: key from keyP, lag from the lateness bands. */
function shardRecords(
  ratePerSecond: number,
  seconds: number,
  startMs: number,
  seed: number,
): KinesisStreamRecord[] {
  const r = rng(seed);
  const cumulative: number[] = [];
  let acc = 0;
  for (const p of keyP) {
    acc += p;
    cumulative.push(acc);
  }
  const types = Object.keys(ASSUMPTIONS.typeWeights.value);
  const hex = () =>
    Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  const records: KinesisStreamRecord[] = [];
  for (let i = 0; i < ratePerSecond * seconds; i++) {
    const arrival = startMs + (i * 1000) / ratePerSecond;
    const x = r();
    let k = 0;
    while (k < cumulative.length - 1 && cumulative[k]! < x) k++;
    const type = types[k % types.length]!;
    const y = r();
    let band = bands[bands.length - 1]!;
    let s = 0;
    for (const b of bands) {
      s += b.share;
      if (y < s) {
        band = b;
        break;
      }
    }
    const lag = band.fromSeconds + r() * (band.toSeconds - band.fromSeconds);
    const event: Record<string, unknown> = {
      eventId: `${hex()}-${hex().slice(0, 4)}-4${hex().slice(0, 3)}-a${hex().slice(0, 3)}-${hex()}${hex().slice(0, 4)}`,
      type,
      userId: `u-${i}`,
      contentId: `content-${Math.floor(k / types.length)}`,
      occurredAt: new Date(Math.floor(arrival - lag * 1000)).toISOString(),
      region: 'IN-MH',
      device: 'web',
    };
    if (type === 'heartbeat' || type === 'view_end') event['watchSeconds'] = 30;
    const sequenceNumber = String(i).padStart(56, '0');
    records.push({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/consumer',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/events',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: String(i),
        sequenceNumber,
        data: Buffer.from(JSON.stringify(event)).toString('base64'),
        approximateArrivalTimestamp: arrival / 1000,
      },
    });
  }
  return records;
}

/** Writes per window of the real window code: one poll a second, cut into batches, a final invoke per window. */
async function simulatedWritesPerWindow(
  records: KinesisStreamRecord[],
  windowSeconds: number,
  batchSize: number,
) {
  const writer = new MemoryViewWriter();
  const deps = { writer, deadLetters: new MemoryDeadLetterSink() };
  const perWindow: number[] = [];
  let state: Record<string, unknown> | undefined;
  let current: number | undefined;
  const invoke = async (batch: KinesisStreamRecord[], k: number, final: boolean) => {
    const window = {
      start: new Date(k * windowSeconds * 1000).toISOString(),
      end: new Date((k + 1) * windowSeconds * 1000).toISOString(),
    };
    const before = writer.writes;
    const out = await processWindowBatch(
      {
        Records: batch,
        window,
        ...(state ? { state } : {}),
        isFinalInvokeForWindow: final,
        isWindowTerminatedEarly: false,
      },
      deps,
    );
    if (final) perWindow.push(writer.writes - before);
    state = final ? undefined : (JSON.parse(JSON.stringify(out.response.state)) as Record<string, unknown>);
  };
  let i = 0;
  while (i < records.length) {
    const second = Math.floor(records[i]!.kinesis.approximateArrivalTimestamp);
    let j = i;
    while (j < records.length && Math.floor(records[j]!.kinesis.approximateArrivalTimestamp) === second) j++;
    const k = Math.floor(second / windowSeconds);
    if (current !== undefined && k !== current) await invoke([], current, true);
    current = k;
    for (let b = i; b < j; b += batchSize)
      await invoke(records.slice(b, Math.min(j, b + batchSize)), k, false);
    i = j;
  }
  if (current !== undefined) await invoke([], current, true);
  return perWindow;
}

describe('key cardinality', () => {
  test('expected distinct keys: 2 equally likely keys, 2 draws → 2 × (1 − ½²) = 1.5', () => {
    expect(expectedDistinct(2, [0.5, 0.5])).toBeCloseTo(1.5, 12);
    expect(expectedDistinct(1e9, [0.5, 0.5])).toBeCloseTo(2, 12);
    expect(expectedDistinct(0, [0.5, 0.5])).toBe(0);
  });

  test('the workload keys are a probability distribution over contentIds × 6 types', () => {
    expect(keyP).toHaveLength(50 * 6);
    expect(keyP.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(() => keyProbabilities(0, 1.1, { a: 1 })).toThrow(/contentIds/);
  });

  test('the lateness bands are a distribution: P(lag ≤ 0) is 0, P(lag ≤ 300 s) is 1, 90 % arrive within 2 s', () => {
    expect(lagCdf(bands, 0)).toBe(0);
    expect(lagCdf(bands, 300)).toBeCloseTo(1, 12);
    expect(lagCdf(bands, 2)).toBeCloseTo(0.9 + 0.095 * (2 / 30), 12);
  });

  test('a 120 s window on minute boundaries: its two minutes hold ~97.6 % of its events, late minutes the rest', () => {
    const shares = minuteShares(120, bands);
    expect([...shares.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect((shares.get(0) ?? 0) + (shares.get(1) ?? 0)).toBeGreaterThan(0.97);
    expect((shares.get(0) ?? 0) + (shares.get(1) ?? 0)).toBeLessThan(0.98);
    expect(Math.min(...shares.keys())).toBe(-5);
  });

  test('Flink: with nothing later than the out-of-orderness no window re-fires; the reference mix re-fires ~2.1 %', () => {
    expect(flinkLateShares([{ share: 1, fromSeconds: 0, toSeconds: 4 }], 5, 600)).toEqual({
      late: 0,
      tooLate: 0,
    });
    const { late, tooLate } = flinkLateShares(bands, 5, 600);
    expect(late).toBeGreaterThan(0.019);
    expect(late).toBeLessThan(0.024);
    expect(tooLate).toBe(0);
    expect(flinkLateShares(bands, 5, 60).tooLate).toBeGreaterThan(0.003);
  });
});

describe('the model against the consumer code (processWindowBatch)', () => {
  const rate = 1000;
  // Two full 120 s windows of one shard at 1,000 events/s, starting on a window boundary.
  const records = shardRecords(rate, 240, Date.UTC(2026, 10, 20, 23, 40), 20261129);
  let simulated: number[] = [];
  beforeAll(async () => {
    simulated = await simulatedWritesPerWindow(records, 120, 1000);
  });

  test('writes per 120 s window agree within 3 % (bench:consumer measured 9.2–9.6 per 1,000 on this mix)', () => {
    expect(simulated).toHaveLength(2);
    const model = expectedMinuteKeys(rate * 120, 120, keyP, bands);
    for (const writes of simulated) {
      expect(writes / model).toBeGreaterThan(0.97);
      expect(writes / model).toBeLessThan(1.03);
    }
    // ~8.9 writes per 1,000 events in steady state.
    expect((1000 * model) / (rate * 120)).toBeGreaterThan(8.5);
    expect((1000 * model) / (rate * 120)).toBeLessThan(9.3);
  });

  test('the comparison can fail: the model for a 60 s window is far from what a 120 s window writes', () => {
    const wrong = 2 * expectedMinuteKeys(rate * 60, 60, keyP, bands);
    for (const writes of simulated) expect(Math.abs(writes / wrong - 1)).toBeGreaterThan(0.2);
  });
});
