import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent } from 'aws-lambda';
import { CREDENTIALS, REGION, startKinesisLocal } from '../../local/emulators';
import {
  EsmPoller,
  kinesisShardSource,
  type OnFailureMessage,
  type PollerConfig,
  type SourceRecord,
  type TumblingWindowEvent,
  windowIndex,
} from '../../local/esm-poller';
import { ProcessRegistry } from '../../local/proc';
import { fakeSource } from '../local/esm-fakes';

function records(n: number, arrivalMs = Date.now()): SourceRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    sequenceNumber: String(1000 + i).padStart(8, '0'),
    partitionKey: `pk-${i}`,
    data: new TextEncoder().encode(JSON.stringify({ i })),
    arrivalMs,
  }));
}

const indexOf = (r: KinesisStreamEvent['Records'][number]) =>
  (JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) as { i: number }).i;

const base: PollerConfig = {
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
  pollIntervalMs: 10,
  retryBaseDelayMs: 1,
};

async function runUntilIdle(poller: EsmPoller): Promise<void> {
  await poller.start();
  while (!poller.idle) await new Promise((r) => setTimeout(r, 10));
  await poller.stop();
}

describe('EsmPoller (local Kinesis event source mapping)', () => {
  test('delivers every record once, in shard order, in batches of at most batchSize, and checkpoints the last one', async () => {
    const recs = records(25);
    const seen: number[][] = [];
    const poller = new EsmPoller(
      fakeSource({ 'shard-0': recs }),
      async (e) => {
        seen.push(e.Records.map(indexOf));
        return { batchItemFailures: [] };
      },
      async () => undefined,
      base,
    );
    await runUntilIdle(poller);
    expect(seen.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(Math.max(...seen.map((b) => b.length))).toBe(10);
    expect(poller.checkpoints['shard-0']).toBe(recs[24]?.sequenceNumber);
    expect(poller.stats.recordsRedelivered).toBe(0);
  });

  test('a partial batch response retries from the lowest failed sequence number only', async () => {
    const recs = records(10);
    const seen: number[][] = [];
    let failedOnce = false;
    const poller = new EsmPoller(
      fakeSource({ s: recs }),
      async (e) => {
        seen.push(e.Records.map(indexOf));
        if (!failedOnce) {
          failedOnce = true;
          // report 7 and 4 failed: the retry must start at 4 (the lowest), not 7
          return {
            batchItemFailures: [
              { itemIdentifier: e.Records[7]?.kinesis.sequenceNumber ?? '' },
              { itemIdentifier: e.Records[4]?.kinesis.sequenceNumber ?? '' },
            ],
          };
        }
        return { batchItemFailures: [] };
      },
      async () => undefined,
      base,
    );
    await runUntilIdle(poller);
    expect(seen).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [4, 5, 6, 7, 8, 9],
    ]);
    expect(poller.stats.recordsRedelivered).toBe(6);
  });

  test('an empty item identifier fails the whole batch', async () => {
    const seen: number[][] = [];
    const poller = new EsmPoller(
      fakeSource({ s: records(3) }),
      async (e) => {
        seen.push(e.Records.map(indexOf));
        return seen.length === 1 ? { batchItemFailures: [{ itemIdentifier: '' }] } : undefined;
      },
      async () => undefined,
      base,
    );
    await runUntilIdle(poller);
    expect(seen).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
  });

  test('without bisect, a batch that keeps failing is retried maxRetryAttempts times and then sent to the destination', async () => {
    const recs = records(4);
    let calls = 0;
    const dest: OnFailureMessage[] = [];
    const poller = new EsmPoller(
      fakeSource({ 'shard-0': recs }),
      async () => {
        calls += 1;
        throw new Error('boom');
      },
      async (m) => {
        dest.push(m);
      },
      { ...base, maxRetryAttempts: 2 },
    );
    await runUntilIdle(poller);
    expect(calls).toBe(3);
    expect(dest).toHaveLength(1);
    expect(dest[0]?.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(dest[0]?.KinesisBatchInfo).toMatchObject({
      shardId: 'shard-0',
      startSequenceNumber: recs[0]?.sequenceNumber,
      endSequenceNumber: recs[3]?.sequenceNumber,
      batchSize: 4,
    });
    expect(dest[0]?.responseContext?.functionError).toContain('boom');
    // the poller moved past the failed batch
    expect(poller.checkpoints['shard-0']).toBe(recs[3]?.sequenceNumber);
  });

  test('with bisect, a poison record is isolated: only it reaches the destination, every other record is processed', async () => {
    const recs = records(8);
    const processed = new Set<number>();
    const dest: OnFailureMessage[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: recs }),
      async (e) => {
        const idx = e.Records.map(indexOf);
        if (idx.includes(5)) throw new Error('poison');
        for (const i of idx) processed.add(i);
      },
      async (m) => {
        dest.push(m);
      },
      { ...base, bisectOnError: true, maxRetryAttempts: 1 },
    );
    await runUntilIdle(poller);
    expect([...processed].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(dest).toHaveLength(1);
    expect(dest[0]?.KinesisBatchInfo.batchSize).toBe(1);
    expect(dest[0]?.KinesisBatchInfo.startSequenceNumber).toBe(recs[5]?.sequenceNumber);
    expect(poller.stats.bisections).toBeGreaterThan(0);
  });

  test('records older than the maximum record age go to the destination without an invocation', async () => {
    let calls = 0;
    const dest: OnFailureMessage[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: records(3, Date.now() - 120_000) }),
      async () => {
        calls += 1;
      },
      async (m) => {
        dest.push(m);
      },
      { ...base, maxRecordAgeSeconds: 60 },
    );
    await runUntilIdle(poller);
    expect(calls).toBe(0);
    expect(dest.map((m) => m.requestContext.condition)).toEqual(['RecordAgeExceeded']);
  });

  test('a batch smaller than batchSize is still delivered once the batching window has passed', async () => {
    const seen: number[][] = [];
    const poller = new EsmPoller(
      fakeSource({ s: records(3) }),
      async (e) => {
        seen.push(e.Records.map(indexOf));
      },
      async () => undefined,
      { ...base, batchSize: 100, maxBatchingWindowSeconds: 0.2 },
    );
    await poller.start();
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    await poller.stop();
    expect(seen).toEqual([[0, 1, 2]]);
  });

  test('a poller started from a checkpoint resumes after it', async () => {
    const recs = records(6);
    const seen: number[] = [];
    const poller = new EsmPoller(
      fakeSource({ s: recs }),
      async (e) => {
        seen.push(...e.Records.map(indexOf));
      },
      async () => undefined,
      { ...base, initialCheckpoints: { s: recs[2]?.sequenceNumber ?? '' } },
    );
    await runUntilIdle(poller);
    expect(seen).toEqual([3, 4, 5]);
  });

  test('with partial responses off, a returned failure list is ignored (the batch counts as processed)', async () => {
    let calls = 0;
    const poller = new EsmPoller(
      fakeSource({ s: records(2) }),
      async (e) => {
        calls += 1;
        return { batchItemFailures: [{ itemIdentifier: e.Records[0]?.kinesis.sequenceNumber ?? '' }] };
      },
      async () => undefined,
      { ...base, reportBatchItemFailures: false },
    );
    await runUntilIdle(poller);
    expect(calls).toBe(1);
  });
});

describe('EsmPoller against kinesis-local: tumbling windows on the stream’s own arrival timestamps', () => {
  const reg = new ProcessRegistry();
  const workDir = mkdtempSync(join(tmpdir(), 'streamlake-esm-'));
  let kinesis: KinesisClient;
  const STREAM = 'esm-window-test';

  beforeAll(async () => {
    const endpoint = await startKinesisLocal(reg, workDir);
    kinesis = new KinesisClient({
      region: REGION,
      credentials: CREDENTIALS,
      endpoint,
      requestHandler: new NodeHttpHandler(),
    });
    await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 2 }));
    for (let i = 0; i < 100; i++) {
      const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    kinesis?.destroy();
    await reg.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('every record is folded once into the window of its arrival second; each window ends with one final invocation carrying its state', async () => {
    // Put 120 records in a few rounds, so that 1 s windows see several batches and the shards several windows.
    for (let round = 0; round < 4; round++) {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: STREAM,
          Records: Array.from({ length: 30 }, (_, k) => ({
            PartitionKey: `pk-${round * 30 + k}`,
            Data: new TextEncoder().encode(JSON.stringify({ i: round * 30 + k })),
          })),
        }),
      );
      await new Promise((r) => setTimeout(r, 400));
    }
    // The truth, read independently of the poller: every record with its shard and arrival time.
    const truth = new Map<string, { shard: string; window: number; i: number }>();
    const source = kinesisShardSource(kinesis, STREAM);
    for (const shard of await source.listShards()) {
      let it: string | undefined = await source.iterator(shard, 'TRIM_HORIZON');
      while (it) {
        const r = await source.getRecords(it, 1000);
        for (const rec of r.records)
          truth.set(`${shard}:${rec.sequenceNumber}`, {
            shard,
            window: windowIndex(rec.arrivalMs, 1),
            i: (JSON.parse(new TextDecoder().decode(rec.data)) as { i: number }).i,
          });
        if (r.records.length === 0) break;
        it = r.nextIterator;
      }
    }
    expect(truth.size).toBe(120);

    // Finals fire once the window end has passed on the poller's clock: run it a minute ahead so none waits.
    const clock = {
      now: () => Date.now() + 60_000,
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    };
    const aggregated: string[] = [];
    const finals: { shard: string; start: string; ids: number[] }[] = [];
    const poller = new EsmPoller(
      source,
      async (e) => {
        const w = e as TumblingWindowEvent;
        for (const r of w.Records) aggregated.push(r.eventID);
        const ids = [...((w.state.ids as number[] | undefined) ?? []), ...w.Records.map(indexOf)];
        if (w.isFinalInvokeForWindow) finals.push({ shard: w.shardId, start: w.window.start, ids });
        return { state: { ids } };
      },
      async () => undefined,
      { ...base, batchSize: 7, tumblingWindowSeconds: 1, clock },
    );
    await poller.start();
    while (!poller.idle) await new Promise((r) => setTimeout(r, 20));
    await poller.stop();

    expect([...aggregated].sort()).toEqual([...truth.keys()].sort());
    const expected = new Map<string, number[]>();
    for (const t of truth.values()) {
      const key = `${t.shard}|${new Date(t.window * 1000).toISOString().replace('.000Z', 'Z')}`;
      expected.set(key, [...(expected.get(key) ?? []), t.i]);
    }
    expect(new Map(finals.map((f) => [`${f.shard}|${f.start}`, f.ids]))).toEqual(expected);
    expect(finals).toHaveLength(expected.size);
    expect(poller.openWindows()).toBe(0);
    const last = (shard: string) =>
      [...truth.entries()]
        .filter(([, t]) => t.shard === shard)
        .map(([k]) => k.split(':')[1])
        .pop();
    for (const shard of await source.listShards()) {
      expect(poller.readPositions()[shard]).toBe(last(shard));
      expect(poller.settledPositions()[shard]).toBe(last(shard));
      expect(poller.checkpoints[shard]).toBe(last(shard));
    }
  });
});
