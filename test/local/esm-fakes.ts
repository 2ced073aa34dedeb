/** In-memory stand-ins for the local event source mapping's tests: a stream, a clock, records and a waiter. */
import type { KinesisStreamEvent } from 'aws-lambda';
import type {
  Clock,
  EsmPoller,
  KinesisHandler,
  PollerConfig,
  ShardSource,
  SourceRecord,
  TumblingWindowEvent,
} from '../../local/esm-poller';

/** An in-memory stream: shard → records (append to a shard's array to "put" more); an iterator is "shard|index". */
export function fakeSource(shards: Record<string, SourceRecord[]>): ShardSource {
  return {
    listShards: async () => Object.keys(shards),
    iterator: async (shardId, position, after) => {
      const recs = shards[shardId] ?? [];
      if (after) return `${shardId}|${recs.findIndex((r) => r.sequenceNumber === after) + 1}`;
      return `${shardId}|${position === 'LATEST' ? recs.length : 0}`;
    },
    getRecords: async (it, limit) => {
      const [shardId, idx] = it.split('|') as [string, string];
      const recs = shards[shardId] ?? [];
      const from = Number(idx);
      const out = recs.slice(from, from + limit);
      return { records: out, nextIterator: `${shardId}|${from + out.length}` };
    },
  };
}

/** A clock that only moves when the test says so; waiting yields to the event loop without advancing it. */
export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  sleep(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }
  advanceTo(t: number): void {
    this.t = t;
  }
}

/** A window start (ms) aligned on every window length used in these tests. */
export const T0 = 1_800_000_000_000;

export const seqOf = (i: number) => String(1_000_000 + i);

/** `n` records numbered from `from`, arriving at `arrivalMs(i)`, data `{"i":i}`, partition key `key(i)`. */
export function makeRecords(
  n: number,
  arrivalMs: (i: number) => number,
  from = 0,
  key: (i: number) => string = (i) => `pk-${i}`,
): SourceRecord[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      sequenceNumber: seqOf(i),
      partitionKey: key(i),
      data: new TextEncoder().encode(JSON.stringify({ i })),
      arrivalMs: arrivalMs(i),
    };
  });
}

export const indexOf = (r: KinesisStreamEvent['Records'][number]) =>
  (JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) as { i: number }).i;

export const baseConfig: PollerConfig = {
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  bisectOnError: false,
  maxRetryAttempts: 2,
  maxRecordAgeSeconds: -1,
  reportBatchItemFailures: true,
  startingPosition: 'TRIM_HORIZON',
  tumblingWindowSeconds: 0,
  parallelizationFactor: 1,
  pollIntervalMs: 1,
  retryBaseDelayMs: 1,
};

/** Turns of the event loop to wait for a condition before giving up (a bound on work, not on time). */
const MAX_TURNS = 50_000;

export async function waitFor(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < MAX_TURNS; i++) {
    if (cond()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Lets the poller run `turns` event-loop turns (to show that something does NOT happen meanwhile). */
export async function spin(turns = 500): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export async function runUntilIdle(poller: EsmPoller): Promise<void> {
  await poller.start();
  await waitFor('the poller to be idle', () => poller.idle);
  await poller.stop();
}

/** A tumbling-window event as the handler received it, copied (the poller must not see later mutations). */
export interface SeenWindowEvent {
  readonly indexes: number[];
  readonly window: { start: string; end: string };
  readonly state: Record<string, unknown>;
  readonly isFinalInvokeForWindow: boolean;
  readonly isWindowTerminatedEarly: boolean;
  readonly shardId: string;
  readonly eventSourceARN: string;
}

export function seen(e: TumblingWindowEvent): SeenWindowEvent {
  return {
    indexes: e.Records.map(indexOf),
    window: { ...e.window },
    state: structuredClone(e.state),
    isFinalInvokeForWindow: e.isFinalInvokeForWindow,
    isWindowTerminatedEarly: e.isWindowTerminatedEarly,
    shardId: e.shardId,
    eventSourceARN: e.eventSourceARN,
  };
}

/** The handler of the window tests: state `{ids}` lists every record index folded into the window. */
export function foldIds(e: TumblingWindowEvent): { state: { ids: number[] }; batchItemFailures: [] } {
  const ids = Array.isArray(e.state.ids) ? (e.state.ids as number[]) : [];
  return { state: { ids: [...ids, ...e.Records.map(indexOf)] }, batchItemFailures: [] };
}

export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The window tests' settings: 60 s windows on the fake clock. */
export const windowConfig = (clock: FakeClock, over: Partial<PollerConfig> = {}): PollerConfig => ({
  ...baseConfig,
  tumblingWindowSeconds: 60,
  clock,
  ...over,
});

/** A handler that sees tumbling-window events. */
export const onWindow =
  (fn: (e: TumblingWindowEvent) => unknown): KinesisHandler =>
  async (e) =>
    fn(e as TumblingWindowEvent) as Awaited<ReturnType<KinesisHandler>>;

export const noDestination = async (): Promise<void> => {
  throw new Error('nothing should reach the on-failure destination');
};

/** 5 records in window [T0, T0+60 s), the last 1 ms before its end; 3 in [T0+60 s, T0+120 s), the first on its start. */
const ARRIVALS = [0, 15_000, 30_000, 45_000, 59_999, 60_000, 90_000, 119_999];
export const twoWindows = () => makeRecords(8, (i) => T0 + (ARRIVALS[i] as number));
