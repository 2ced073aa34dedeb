import { EsmPoller, MAX_STATE_BYTES, type OnFailureMessage } from '../../local/esm-poller';
import {
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
  T0,
  windowConfig,
} from './esm-fakes';

describe('local ESM tumbling windows: the 1 MB state limit', () => {
  /** A state `{x: "aaa…", ids: [0, 1]}` whose JSON is exactly `bytes` long. */
  const stateOf = (bytes: number) => ({
    x: 'a'.repeat(bytes - JSON.stringify({ x: '', ids: [0, 1] }).length),
    ids: [0, 1],
  });

  async function run(firstStateBytes: number) {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    const stateBytes: number[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(4, (i) => T0 + i) }),
      onWindow((e) => {
        events.push({ ...seen(e), state: { bytes: JSON.stringify(e.state).length, ids: e.state.ids } });
        if (events.length === 1) return { state: stateOf(firstStateBytes) };
        return foldIds(e);
      }),
      noDestination,
      windowConfig(clock, { batchSize: 2 }),
    );
    poller.onInvocation((inv) => stateBytes.push(inv.stateBytes ?? -1));
    await runUntilIdle(poller);
    return { events, stats: poller.stats, stateBytes };
  }

  test('a returned state of exactly 1,048,576 bytes is kept: the window goes on', async () => {
    const { events, stats, stateBytes } = await run(MAX_STATE_BYTES);
    expect(stateBytes[0]).toBe(MAX_STATE_BYTES);
    expect(events.map((e) => [e.indexes, e.isFinalInvokeForWindow, e.isWindowTerminatedEarly])).toEqual([
      [[0, 1], false, false],
      [[2, 3], false, false],
      [[], true, false],
    ]);
    expect(stats).toMatchObject({ windowsTerminatedEarly: 0, windowsClosed: 1 });
  });

  test('one byte more ends the window early: a final invocation with that state and both flags, then the window goes on with {}', async () => {
    const { events, stats, stateBytes } = await run(MAX_STATE_BYTES + 1);
    expect(stateBytes[0]).toBe(MAX_STATE_BYTES + 1);
    expect(
      events.map((e) => [e.indexes, e.isFinalInvokeForWindow, e.isWindowTerminatedEarly, e.state]),
    ).toEqual([
      [[0, 1], false, false, { bytes: 2, ids: undefined }],
      [[], true, true, { bytes: MAX_STATE_BYTES + 1, ids: [0, 1] }],
      [[2, 3], false, false, { bytes: 2, ids: undefined }],
      [[], true, false, { bytes: JSON.stringify({ ids: [2, 3] }).length, ids: [2, 3] }],
    ]);
    expect(new Set(events.map((e) => e.window.start))).toEqual(new Set([iso(T0)]));
    expect(stats).toMatchObject({ windowsTerminatedEarly: 1, windowsClosed: 1 });
  });
});

describe('local ESM tumbling windows: retry policies (D8)', () => {
  test('a batch given up to the on-failure destination leaves the state as it was', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    const dest: OnFailureMessage[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(3, (i) => T0 + i) }),
      onWindow((e) => {
        events.push(seen(e));
        if (e.Records.some((r) => indexOf(r) === 1)) throw new Error('poison');
        return foldIds(e);
      }),
      async (m) => {
        dest.push(m);
      },
      windowConfig(clock, { batchSize: 1, maxRetryAttempts: 1 }),
    );
    await runUntilIdle(poller);
    expect(events.map((e) => [e.indexes, e.state])).toEqual([
      [[0], {}],
      [[1], { ids: [0] }],
      [[1], { ids: [0] }],
      [[2], { ids: [0] }],
      [[], { ids: [0, 2] }],
    ]);
    expect(dest.map((m) => [m.requestContext.condition, m.KinesisBatchInfo.startSequenceNumber])).toEqual([
      ['RetryAttemptsExhausted', seqOf(1)],
    ]);
    expect(poller.checkpoints.s).toBe(seqOf(2));
  });

  test('bisect runs the halves one after the other, the state passing from one to the next', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(4, (i) => T0 + i) }),
      onWindow((e) => {
        events.push(seen(e));
        if (e.Records.some((r) => indexOf(r) === 3)) throw new Error('poison');
        return foldIds(e);
      }),
      async () => undefined,
      windowConfig(clock, { bisectOnError: true, maxRetryAttempts: 0 }),
    );
    await runUntilIdle(poller);
    expect(events.map((e) => [e.indexes, e.state])).toEqual([
      [[0, 1, 2, 3], {}],
      [[0, 1], {}],
      [[2, 3], { ids: [0, 1] }],
      [[2], { ids: [0, 1] }],
      [[3], { ids: [0, 1, 2] }],
      [[], { ids: [0, 1, 2] }],
    ]);
  });

  test('records older than the maximum record age go to the destination without an invocation; the window still ends', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    const dest: OnFailureMessage[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(2, (i) => T0 + i) }),
      onWindow((e) => {
        events.push(seen(e));
        return foldIds(e);
      }),
      async (m) => {
        dest.push(m);
      },
      windowConfig(clock, { maxRecordAgeSeconds: 60 }),
    );
    await runUntilIdle(poller);
    expect(dest.map((m) => m.requestContext.condition)).toEqual(['RecordAgeExceeded']);
    expect(events.map((e) => [e.indexes, e.state, e.isFinalInvokeForWindow])).toEqual([[[], {}, true]]);
  });
});
