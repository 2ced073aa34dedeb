/**
 * The two failure modes AWS documents for tumbling windows, as the local event source mapping applies them:
 * a failed final invocation suspends the shard until it succeeds (services-kinesis-windows), and an aggregation batch
 * that exhausts its retries is discarded to the on-failure destination with its shard and sequence range while the
 * window carries on without it (kinesis-on-failure-destination; "Tumbling windows fully support the existing retry
 * policies maxRetryAttempts and maxRecordAge").
 */
import { EsmPoller, type InvocationRecord, type OnFailureMessage } from '../../local/esm-poller';
import {
  FakeClock,
  fakeSource,
  foldIds,
  indexOf,
  iso,
  makeRecords,
  onWindow,
  type SeenWindowEvent,
  seen,
  seqOf,
  spin,
  T0,
  twoWindows,
  waitFor,
  windowConfig,
} from './esm-fakes';

describe('local ESM tumbling windows under failures', () => {
  test('a final invocation that keeps failing blocks the shard: nothing of the next window is delivered, the checkpoint stays, the iterator age grows; records that aged out meanwhile go to the destination', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    const invocations: InvocationRecord[] = [];
    const dest: OnFailureMessage[] = [];
    let failing = true;
    const poller = new EsmPoller(
      fakeSource({ s: twoWindows() }),
      onWindow((e) => {
        events.push(seen(e));
        if (e.isFinalInvokeForWindow && e.window.start === iso(T0) && failing) throw new Error('table down');
        return foldIds(e);
      }),
      async (m) => {
        dest.push(m);
      },
      windowConfig(clock, { maxRetryAttempts: 1, maxRecordAgeSeconds: 300 }),
    );
    poller.onInvocation((inv) => invocations.push(inv));
    await poller.start();
    const failedFinals = () => invocations.filter((i) => i.isFinalInvokeForWindow && i.outcome === 'error');
    await waitFor('a failed final invocation', () => failedFinals().length >= 1);
    const ageBefore = failedFinals()[0]?.iteratorAgeMs as number;
    // 10 minutes later, well past maxRetryAttempts and maxRecordAge: still retrying, still blocked
    clock.advanceTo(T0 + 800_000);
    const seenBefore = failedFinals().length;
    await waitFor('more failed final invocations', () => failedFinals().length >= seenBefore + 3);
    await spin();
    const ageAfter = failedFinals()[failedFinals().length - 1]?.iteratorAgeMs as number;
    expect(ageBefore).toBe(200_000 - 59_999);
    expect(ageAfter).toBe(800_000 - 59_999);
    expect(events.filter((e) => e.indexes.some((i) => i >= 5))).toEqual([]);
    expect(poller.checkpoints.s).toBeUndefined();
    expect(poller.openWindows()).toBe(1);
    expect(dest).toEqual([]);
    expect(poller.idle).toBe(false);

    failing = false;
    await waitFor('the poller to be idle', () => poller.idle);
    await poller.stop();
    const finals = events.filter((e) => e.isFinalInvokeForWindow);
    expect(finals.map((e) => [e.window.start, e.state]).slice(-2)).toEqual([
      [iso(T0), { ids: [0, 1, 2, 3, 4] }],
      [iso(T0 + 60_000), {}],
    ]);
    // The next window's records waited 11 minutes behind the blocked final invocation: older than maxRecordAge (300 s),
    // they are discarded without an invocation, and the on-failure message names them for a re-drive.
    expect(
      dest.map((d) => [
        d.requestContext.condition,
        d.KinesisBatchInfo.startSequenceNumber,
        d.KinesisBatchInfo.endSequenceNumber,
      ]),
    ).toEqual([['RecordAgeExceeded', seqOf(5), seqOf(7)]]);
    expect(poller.checkpoints.s).toBe(seqOf(7));
  });

  test('an aggregation batch that exhausts its retries goes to the destination with its shard and exact sequence range; the window closes without it', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const events: SeenWindowEvent[] = [];
    const dest: OnFailureMessage[] = [];
    const poller = new EsmPoller(
      fakeSource({ 'shardId-000000000003': makeRecords(6, (i) => T0 + i * 1000) }),
      onWindow((e) => {
        events.push(seen(e));
        if (e.Records.some((r) => indexOf(r) === 2)) throw new Error('poison');
        return foldIds(e);
      }),
      async (m) => {
        dest.push(m);
      },
      windowConfig(clock, { batchSize: 2, maxRetryAttempts: 2 }),
    );
    await poller.start();
    await waitFor('the poller to be idle', () => poller.idle);
    await poller.stop();
    expect(dest).toHaveLength(1);
    const m = dest[0] as OnFailureMessage;
    expect(m.version).toBe('1.0');
    expect(m.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(m.requestContext.approximateInvokeCount).toBe(3);
    expect(m.responseContext?.statusCode).toBe(200);
    expect(m.KinesisBatchInfo).toMatchObject({
      shardId: 'shardId-000000000003',
      startSequenceNumber: seqOf(2),
      endSequenceNumber: seqOf(3),
      batchSize: 2,
      approximateArrivalOfFirstRecord: new Date(T0 + 2000).toISOString(),
      approximateArrivalOfLastRecord: new Date(T0 + 3000).toISOString(),
    });
    const finals = events.filter((e) => e.isFinalInvokeForWindow);
    expect(finals.map((e) => e.state)).toEqual([{ ids: [0, 1, 4, 5] }]);
    expect(poller.checkpoints['shardId-000000000003']).toBe(seqOf(5));
  });

  test('with bisect on, only the poison record is discarded: the message names exactly it', async () => {
    const clock = new FakeClock(T0 + 200_000);
    const dest: OnFailureMessage[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: makeRecords(4, (i) => T0 + i * 1000) }),
      onWindow((e) => {
        if (e.Records.some((r) => indexOf(r) === 1)) throw new Error('poison');
        return foldIds(e);
      }),
      async (m) => {
        dest.push(m);
      },
      windowConfig(clock, { batchSize: 4, maxRetryAttempts: 0, bisectOnError: true }),
    );
    await poller.start();
    await waitFor('the poller to be idle', () => poller.idle);
    await poller.stop();
    // bisect isolates record 1: only it is discarded
    expect(
      dest.map((d) => [d.KinesisBatchInfo.startSequenceNumber, d.KinesisBatchInfo.endSequenceNumber]),
    ).toEqual([[seqOf(1), seqOf(1)]]);
  });
});
