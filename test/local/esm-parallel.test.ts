import { EsmPoller } from '../../local/esm-poller';
import {
  baseConfig,
  fakeSource,
  indexOf,
  makeRecords,
  runUntilIdle,
  seqOf,
  spin,
  T0,
  waitFor,
} from './esm-fakes';

const noDestination = async () => {
  throw new Error('nothing should reach the on-failure destination');
};

describe('local ESM ParallelizationFactor (concurrent batches per shard)', () => {
  test('up to N batches of a shard run at once; a partition key is never in two concurrent batches and stays in order', async () => {
    const keyOf = (i: number) => `key-${i % 7}`;
    const records = makeRecords(120, (i) => T0 + i, 0, keyOf);
    const inFlight = new Map<string, number>();
    let concurrent = 0;
    let maxConcurrent = 0;
    const overlaps: string[] = [];
    const order = new Map<string, number[]>();
    const poller = new EsmPoller(
      fakeSource({ s: records }),
      async (e) => {
        const keys = new Set(e.Records.map((r) => r.kinesis.partitionKey));
        for (const k of keys) {
          if ((inFlight.get(k) ?? 0) > 0) overlaps.push(k);
          inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
        }
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        for (const r of e.Records)
          order.set(r.kinesis.partitionKey, [...(order.get(r.kinesis.partitionKey) ?? []), indexOf(r)]);
        await spin(3);
        concurrent -= 1;
        for (const k of keys) inFlight.set(k, (inFlight.get(k) ?? 0) - 1);
      },
      noDestination,
      { ...baseConfig, batchSize: 5, parallelizationFactor: 3 },
    );
    await runUntilIdle(poller);
    expect(overlaps).toEqual([]);
    expect(maxConcurrent).toBeGreaterThan(1);
    expect(maxConcurrent).toBeLessThanOrEqual(3);
    for (const [key, seen] of order)
      expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i).filter((i) => keyOf(i) === key));
    expect([...order.values()].flat().sort((a, b) => a - b)).toEqual(
      Array.from({ length: 120 }, (_, i) => i),
    );
    expect(poller.stats.recordsRedelivered).toBe(0);
    expect(poller.checkpoints.s).toBe(seqOf(119));
  });

  test('the checkpoint and settled position never pass a record whose batch is still in flight', async () => {
    // Record 0 has key "held"; its batch waits until released while later records (other keys) complete.
    const records = makeRecords(
      40,
      (i) => T0 + i,
      0,
      (i) => (i === 0 ? 'held' : `other-${i}`),
    );
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let completedWhileHeld = 0;
    let holding = true;
    const poller = new EsmPoller(
      fakeSource({ s: records }),
      async (e) => {
        if (e.Records.some((r) => r.kinesis.partitionKey === 'held')) {
          await held;
          return;
        }
        if (holding) completedWhileHeld += e.Records.length;
      },
      noDestination,
      { ...baseConfig, batchSize: 4, parallelizationFactor: 2 },
    );
    await poller.start();
    await waitFor('other batches to complete', () => completedWhileHeld >= 8);
    await spin();
    expect(poller.readPositions().s).toBeDefined();
    expect(poller.settledPositions().s).toBeUndefined();
    expect(poller.checkpoints.s).toBeUndefined();
    holding = false;
    release();
    await waitFor('the poller to be idle', () => poller.idle);
    await poller.stop();
    expect(poller.settledPositions().s).toBe(seqOf(39));
    expect(poller.readPositions().s).toBe(seqOf(39));
    expect(poller.checkpoints.s).toBe(seqOf(39));
  });

  test('with factor 1, batches of a shard run one at a time', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(30, (i) => T0 + i) }),
      async () => {
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await spin(3);
        concurrent -= 1;
      },
      noDestination,
      { ...baseConfig, batchSize: 5 },
    );
    await runUntilIdle(poller);
    expect(maxConcurrent).toBe(1);
  });
});
