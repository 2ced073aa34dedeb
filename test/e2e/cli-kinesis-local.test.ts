/**
 * The producer against kinesis-local (the maintained kinesis-mock build) on a random 127.0.0.1 port, over plain
 * HTTP: create a stream, produce seeded events through the CLI, read every shard back, compare ids and counts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { systemClock } from '../../cli/lib/clock';
import { parseEvent } from '../../cli/lib/event';
import { WorkloadGenerator } from '../../cli/lib/generator';
import { run } from '../../cli/main';

const STREAM = 'streamlake-cli-test';
const N = 600;
const SEED = 11;
const START = '2026-11-20T23:40:00Z';

let child: ChildProcess | undefined;
let endpoint = '';
let kinesis: KinesisClient;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined>, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    await systemClock.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  const [plain, tls] = [await freePort(), await freePort()];
  child = spawn(process.execPath, ['main.js'], {
    cwd: join(__dirname, '..', '..', 'node_modules', 'kinesis-local'),
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plain),
      KINESIS_MOCK_TLS_PORT: String(tls),
      LOG_LEVEL: 'WARN',
    },
    stdio: 'ignore',
  });
  endpoint = `http://127.0.0.1:${plain}`;
  kinesis = new KinesisClient({
    region: 'us-east-1',
    endpoint,
    requestHandler: new NodeHttpHandler(),
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await until('kinesis-local', async () => (await kinesis.send(new ListStreamsCommand({}))).StreamNames);
  await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 3 }));
  await until('stream ACTIVE', async () => {
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
    return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  kinesis?.destroy();
  if (child && child.exitCode === null) {
    // kinesis-local ignores SIGTERM.
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
  }
});

async function readAll(): Promise<{ data: Buffer; partitionKey: string; shard: string }[]> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: STREAM }))).Shards ?? [];
  const out: { data: Buffer; partitionKey: string; shard: string }[] = [];
  for (const shard of shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: STREAM,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (;;) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator!, Limit: 10_000 }));
      for (const rec of r.Records ?? [])
        out.push({ data: Buffer.from(rec.Data!), partitionKey: rec.PartitionKey!, shard: shard.ShardId! });
      if (!r.NextShardIterator || (r.Records ?? []).length === 0) break;
      iterator = r.NextShardIterator;
    }
  }
  return out;
}

test('streamlake produce sends every seeded record; reading all shards back gives the same records', async () => {
  const errors: string[] = [];
  const stdout: string[] = [];
  const code = await run(
    [
      'produce',
      '--endpoint-url',
      endpoint,
      '--stream-name',
      STREAM,
      '--count',
      String(N),
      '--seed',
      String(SEED),
      '--start',
      START,
      '--rate',
      '100000',
    ],
    {
      out: (t) => stdout.push(t),
      err: (t) => errors.push(t),
      stderr: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
      clock: systemClock,
      fetch,
    },
  );
  expect(errors).toEqual([]);
  expect(code).toBe(0);
  expect(stdout.join('')).toMatch(new RegExp(`sent ${N}, retried \\d+, failed 0`));

  const expected = new WorkloadGenerator({
    seed: SEED,
    startTimeMs: Date.parse(START),
    ratePerSecond: 100000,
  }).take(N);
  const got = await readAll();
  expect(got).toHaveLength(N);
  // Same multiset of (partition key, payload): compare sorted.
  const key = (pk: string, d: Uint8Array) => `${pk} ${Buffer.from(d).toString('base64')}`;
  expect(got.map((r) => key(r.partitionKey, r.data)).sort()).toEqual(
    expected.map((r) => key(r.partitionKey, r.data)).sort(),
  );
  // Event ids match, duplicates included; malformed records are delivered too (the pipeline dead-letters them).
  const ids = got.flatMap((r) => {
    const p = parseEvent(r.data);
    return p.ok ? [p.event.eventId] : [];
  });
  expect(ids.sort()).toEqual(expected.flatMap((r) => (r.truth.eventId ? [r.truth.eventId] : [])).sort());
  // eventId partition keys spread the load over the shards.
  expect(new Set(got.map((r) => r.shard)).size).toBe(3);
}, 120_000);
