import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type GeneratedRecord, WorkloadGenerator } from '../../cli/lib/generator';
import { produce } from '../../cli/lib/producer';
import { CREDENTIALS, REGION, startKinesisLocal } from '../../local/emulators';
import { ProcessRegistry, waitFor } from '../../local/proc';
import { startThrottlingProxy } from '../../local/throttling-proxy';

const client = (endpoint: string) =>
  new KinesisClient({
    region: REGION,
    credentials: CREDENTIALS,
    endpoint,
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });

describe('producer under emulated Kinesis throttling (proxy in front of kinesis-local)', () => {
  const reg = new ProcessRegistry();
  const workDir = mkdtempSync(join(tmpdir(), 'streamlake-throttle-'));
  afterAll(async () => {
    await reg.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('loses nothing and writes nothing twice when whole calls and single records are throttled', async () => {
    const kinesisEndpoint = await startKinesisLocal(reg, workDir);
    const direct = client(kinesisEndpoint);
    await direct.send(new CreateStreamCommand({ StreamName: 'throttled', ShardCount: 2 }));
    await waitFor(
      'stream',
      async () =>
        (await direct.send(new DescribeStreamSummaryCommand({ StreamName: 'throttled' })))
          .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
      30_000,
    );
    // Every third call refused; in the others every fifth record (shifting per call) fails.
    const proxy = await startThrottlingProxy(kinesisEndpoint, {
      rejectCall: (n) => n % 3 === 0,
      failRecord: (n, i) => (i + n) % 5 === 0,
    });
    try {
      const records: GeneratedRecord[] = [];
      const gen = new WorkloadGenerator({ seed: 7 });
      for (const r of gen) {
        records.push(r);
        if (records.length >= 1200) break;
      }
      const viaProxy = client(proxy.endpoint);
      const result = await produce(records, {
        client: viaProxy,
        stream: 'throttled',
        maxRecordsPerCall: 100,
        baseDelayMs: 5,
        maxDelayMs: 50,
        maxAttempts: 20,
      });
      viaProxy.destroy();
      expect(result.failed).toBe(0);
      expect(result.unsent).toEqual([]);
      expect(proxy.stats.rejectedCalls).toBeGreaterThan(0);
      expect(proxy.stats.failedRecords).toBeGreaterThan(0);

      // Read the whole stream back, straight from kinesis-local.
      const payloads: string[] = [];
      const shards = (await direct.send(new ListShardsCommand({ StreamName: 'throttled' }))).Shards ?? [];
      for (const s of shards) {
        let it = (
          await direct.send(
            new GetShardIteratorCommand({
              StreamName: 'throttled',
              ShardId: s.ShardId,
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          )
        ).ShardIterator;
        for (;;) {
          const out = await direct.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
          for (const r of out.Records ?? [])
            payloads.push(Buffer.from(r.Data ?? new Uint8Array()).toString('base64'));
          if (!out.Records?.length) break;
          it = out.NextShardIterator;
        }
      }
      const expected = records.map((r) => Buffer.from(r.data).toString('base64'));
      direct.destroy();
      expect(payloads.sort()).toEqual(expected.sort());
    } finally {
      await proxy.close();
    }
  }, 300_000);
});
