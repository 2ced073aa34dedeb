import { EsmPoller, type InvocationRecord, type SourceRecord } from '../../local/esm-poller';
import {
  baseConfig,
  FakeClock,
  fakeSource,
  foldIds,
  indexOf,
  iso,
  makeRecords,
  noDestination,
  onWindow,
  runUntilIdle,
  type SeenWindowEvent,
  seen,
  seqOf,
  spin,
  T0,
  twoWindows,
  waitFor,
  windowConfig,
} from './esm-fakes';

describe('local ESM tumbling windows (AWS: services-kinesis-windows)', () => {
  test('windows are [k·W, (k+1)·W) of arrival time; a batch never spans a boundary; the window ends before the next starts', async () => {
    const clock = new FakeClock(T0 + 70_000);
    const events: SeenWindowEvent[] = [];
    const invocations: InvocationRecord[] = [];
    const poller = new EsmPoller(
      fakeSource({ 'shard-0': twoWindows() }),
      onWindow((e) => {
        events.push(seen(e));
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock),
    );
    poller.onInvocation((inv) => invocations.push(inv));
    await poller.start();
    await waitFor('three invocations', () => events.length === 3);
    const w0 = { start: iso(T0), end: iso(T0 + 60_000) };
    const w1 = { start: iso(T0 + 60_000), end: iso(T0 + 120_000) };
    expect(events).toEqual([
      {
        indexes: [0, 1, 2, 3, 4],
        window: w0,
        state: {},
        isFinalInvokeForWindow: false,
        isWindowTerminatedEarly: false,
        shardId: 'shard-0',
        eventSourceARN: baseConfig.streamArn,
      },
      expect.objectContaining({ indexes: [], window: w0, state: { ids: [0, 1, 2, 3, 4] } }),
      expect.objectContaining({ indexes: [5, 6, 7], window: w1, state: {}, isFinalInvokeForWindow: false }),
    ]);
    expect(events[1]?.isFinalInvokeForWindow).toBe(true);
    expect(events[1]?.isWindowTerminatedEarly).toBe(false);
    expect(invocations.map((i) => [i.window, i.isFinalInvokeForWindow])).toEqual([
      [w0, false],
      [w0, true],
      [w1, false],
    ]);

    // Window 1 ends at T0+120 s: until the wall clock gets there, it stays open and the poller is not idle.
    await spin();
    expect(events).toHaveLength(3);
    expect(poller.openWindows()).toBe(1);
    expect(poller.idle).toBe(false);
    clock.advanceTo(T0 + 120_000);
    await waitFor('the poller to be idle', () => poller.idle);
    await poller.stop();
    expect(events[3]).toEqual(
      expect.objectContaining({
        indexes: [],
        window: w1,
        state: { ids: [5, 6, 7] },
        isFinalInvokeForWindow: true,
      }),
    );
    expect(events).toHaveLength(4);
    expect(poller.openWindows()).toBe(0);
    expect(poller.stats).toMatchObject({ windowsClosed: 2, windowsTerminatedEarly: 0, invocations: 4 });
  });

  test('a full batch is cut at batchSize within a window, and the state carries over from batch to batch', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(5, (i) => T0 + i) }),
      onWindow((e) => {
        events.push(seen(e));
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock, { batchSize: 2 }),
    );
    await runUntilIdle(poller);
    expect(events.map((e) => [e.indexes, e.state])).toEqual([
      [[0, 1], {}],
      [[2, 3], { ids: [0, 1] }],
      [[4], { ids: [0, 1, 2, 3] }],
      [[], { ids: [0, 1, 2, 3, 4] }],
    ]);
  });

  test('the state crosses JSON between invocations: never the same object, Dates become strings, undefined is dropped', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const returned: Record<string, unknown>[] = [];
    const received: Record<string, unknown>[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(3, (i) => T0 + i) }),
      onWindow((e) => {
        received.push(e.state);
        const state = { n: (Number(e.state.n) || 0) + e.Records.length, at: new Date(T0), gone: undefined };
        returned.push(state);
        return { state };
      }),
      noDestination,
      windowConfig(clock, { batchSize: 1 }),
    );
    await runUntilIdle(poller);
    expect(received).toHaveLength(4);
    for (let i = 1; i < received.length; i++) {
      expect(received[i]).not.toBe(returned[i - 1]);
      expect(received[i]).toEqual({ n: i, at: new Date(T0).toISOString() });
    }
  });

  test('a response without a state fails the invocation; the retry gets the previous state', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    let dropped = false;
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(2, (i) => T0 + i) }),
      onWindow((e) => {
        events.push(seen(e));
        if (e.Records.length > 0 && indexOf(e.Records[0] as never) === 1 && !dropped) {
          dropped = true;
          return { batchItemFailures: [] }; // no state
        }
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock, { batchSize: 1 }),
    );
    await runUntilIdle(poller);
    expect(events.map((e) => [e.indexes, e.state])).toEqual([
      [[0], {}],
      [[1], { ids: [0] }],
      [[1], { ids: [0] }],
      [[], { ids: [0, 1] }],
    ]);
    expect(poller.stats.failedInvocations).toBe(1);
  });

  test('a failed invocation’s state is never kept: a thrown error or a whole-batch failure retries with the previous state', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    let calls = 0;
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(2, (i) => T0 + i) }),
      onWindow((e) => {
        events.push(seen(e));
        calls += 1;
        if (calls === 2) throw new Error('transient');
        // an empty item identifier fails the whole batch, whatever state comes with it
        if (calls === 3) return { state: { poisoned: true }, batchItemFailures: [{ itemIdentifier: '' }] };
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock, { batchSize: 1 }),
    );
    await runUntilIdle(poller);
    expect(events.map((e) => [e.indexes, e.state])).toEqual([
      [[0], {}],
      [[1], { ids: [0] }],
      [[1], { ids: [0] }],
      [[1], { ids: [0] }],
      [[], { ids: [0, 1] }],
    ]);
  });

  test('a partial batch response keeps the returned state and retries from the lowest failed record with it', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    let failed = false;
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(4, (i) => T0 + i) }),
      onWindow((e) => {
        events.push(seen(e));
        if (!failed && e.Records.length === 4) {
          failed = true;
          const ok = e.Records.slice(0, 2).map(indexOf);
          return {
            state: { ids: ok },
            batchItemFailures: [{ itemIdentifier: e.Records[2]?.kinesis.sequenceNumber ?? '' }],
          };
        }
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock),
    );
    await runUntilIdle(poller);
    expect(events.map((e) => [e.indexes, e.state])).toEqual([
      [[0, 1, 2, 3], {}],
      [[2, 3], { ids: [0, 1] }],
      [[], { ids: [0, 1, 2, 3] }],
    ]);
  });

  test('a failing final invocation is retried, past maxRetryAttempts, until it succeeds; the shard waits meanwhile', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    let finalFailures = 0;
    const poller = new EsmPoller(
      fakeSource({ s: twoWindows() }),
      onWindow((e) => {
        events.push(seen(e));
        if (e.isFinalInvokeForWindow && e.window.start === iso(T0) && finalFailures < 3) {
          finalFailures += 1;
          throw new Error('final flush failed');
        }
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock, { maxRetryAttempts: 0 }),
    );
    await runUntilIdle(poller);
    expect(events.map((e) => [e.indexes, e.isFinalInvokeForWindow, e.state])).toEqual([
      [[0, 1, 2, 3, 4], false, {}],
      ...Array.from({ length: 4 }, () => [[], true, { ids: [0, 1, 2, 3, 4] }]),
      [[5, 6, 7], false, {}],
      [[], true, { ids: [5, 6, 7] }],
    ]);
    expect(poller.stats.batchesToDestination).toBe(0);
  });

  test('the checkpoint advances to a window’s last record only when its final invocation succeeds', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const checkpointAt: (string | undefined)[] = [];
    let poller: EsmPoller | undefined;
    poller = new EsmPoller(
      fakeSource({ s: twoWindows() }),
      onWindow((e) => {
        checkpointAt.push(poller?.checkpoints.s);
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock, { batchSize: 2 }),
    );
    await runUntilIdle(poller);
    // window 0: 3 batches and its final; window 1: 2 batches and its final
    expect(checkpointAt).toEqual([undefined, undefined, undefined, undefined, seqOf(4), seqOf(4), seqOf(4)]);
    expect(poller.checkpoints.s).toBe(seqOf(7));
  });

  test('stop(drain) leaves an open window unfired; a poller restarted from the checkpoint reads it again afresh', async () => {
    const clock = new FakeClock(T0 + 10_000);
    const records = makeRecords(3, (i) => T0 + i);
    const first: SeenWindowEvent[] = [];
    const p1 = new EsmPoller(
      fakeSource({ s: records }),
      onWindow((e) => {
        first.push(seen(e));
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock),
    );
    await p1.start();
    await waitFor('the aggregation invocation', () => first.length === 1);
    await p1.stop(true);
    expect(first.map((e) => e.isFinalInvokeForWindow)).toEqual([false]);
    expect(p1.checkpoints.s).toBeUndefined();
    expect(p1.openWindows()).toBe(1);

    clock.advanceTo(T0 + 60_000);
    const second: SeenWindowEvent[] = [];
    const p2 = new EsmPoller(
      fakeSource({ s: records }),
      onWindow((e) => {
        second.push(seen(e));
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock, { initialCheckpoints: { ...p1.checkpoints } }),
    );
    await runUntilIdle(p2);
    expect(second.map((e) => [e.indexes, e.state, e.isFinalInvokeForWindow])).toEqual([
      [[0, 1, 2], {}, false],
      [[], { ids: [0, 1, 2] }, true],
    ]);
  });

  test('a record that arrives for a window already closed opens it again with a fresh state', async () => {
    const clock = new FakeClock(T0 + 70_000);
    const shard: SourceRecord[] = makeRecords(2, (i) => T0 + i);
    const events: SeenWindowEvent[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: shard }),
      onWindow((e) => {
        events.push(seen(e));
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock),
    );
    await poller.start();
    await waitFor('window 0 to close', () => events.length === 2 && poller.idle);
    shard.push(...makeRecords(1, () => T0 + 59_999, 2));
    await waitFor('the straggler’s window to close', () => events.length === 4 && poller.idle);
    await poller.stop();
    expect(events.map((e) => [e.indexes, e.window.start, e.state, e.isFinalInvokeForWindow])).toEqual([
      [[0, 1], iso(T0), {}, false],
      [[], iso(T0), { ids: [0, 1] }, true],
      [[2], iso(T0), {}, false],
      [[], iso(T0), { ids: [2] }, true],
    ]);
  });
});
