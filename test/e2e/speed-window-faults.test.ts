/**
 * Fault tests of the Lambda speed path in the offline runtime: the local event source mapping (tumbling windows,
 * retries, on-failure destination) reading kinesis-local, the real consumer (createHandler) writing to dynalite and
 * sending to moto's SQS, and `streamlake speed redrive`. Every total is compared with expected-minute.json, which
 * generate.py computed from the same events (test/fixtures), never with the consumer's or the poller's counters.
 *
 * The workload is events.jsonl without its producer re-sends (a later line with an eventId seen before): the speed
 * path deduplicates within an invocation only, so with re-sends its exact total would depend on how batches are cut;
 * without them, every valid event counts once and the reference is exact. Malformed lines stay (dead-lettered).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { systemClock } from '../../cli/lib/clock';
import { run } from '../../cli/main';
import { createHandler } from '../../lambda/stream-consumer/handler';
import { CREDENTIALS, REGION, startDynalite, startKinesisLocal, startMoto } from '../../local/emulators';
import {
  EsmPoller,
  type InvocationRecord,
  type KinesisHandler,
  kinesisShardSource,
  type OnFailureMessage,
  type PollerConfig,
} from '../../local/esm-poller';
import { ProcessRegistry } from '../../local/proc';
import { expectedMinute, fixtureLines } from '../fixtures/fixtures';
import { createViewsTable } from '../support/views-table';

const reg = new ProcessRegistry();
const workDir = mkdtempSync(join(tmpdir(), 'streamlake-speed-faults-'));
let endpoints: { kinesis: string; dynamodb: string; moto: string };
let kinesis: KinesisClient;
let sqs: SQSClient;
let deadLetterQueueUrl: string;
const clients: { destroy(): void }[] = [];

/** events.jsonl without re-sends (see the file comment), in order. */
function workload(): Buffer[] {
  const seen = new Set<string>();
  return fixtureLines().filter((line) => {
    let id: unknown;
    try {
      id = (JSON.parse(line.toString('utf8')) as { eventId?: unknown }).eventId;
    } catch {
      return true;
    }
    if (typeof id !== 'string') return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const reference = (): Map<string, [number, number]> =>
  new Map(
    expectedMinute().map((r) => [`speed#${r.contentId}#${r.type}|m#${r.minute}`, [r.count, r.watchSeconds]]),
  );

async function speedRows(client: DynamoDBClient, table: string): Promise<Map<string, [number, number]>> {
  const rows = new Map<string, [number, number]>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of out.Items ?? [])
      if (item.pk?.S?.startsWith('speed#'))
        rows.set(`${item.pk.S}|${item.sk?.S}`, [Number(item.eventCount?.N), Number(item.watchSeconds?.N)]);
    start = out.LastEvaluatedKey;
  } while (start);
  return rows;
}

const sum = (rows: Map<string, [number, number]>) => [...rows.values()].reduce((n, [c]) => n + c, 0);

const silent = {
  addContext: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const noMetrics = {
  addMetric: () => undefined,
  captureColdStartMetric: () => undefined,
  publishStoredMetrics: () => undefined,
};

interface Scenario {
  readonly stream: string;
  readonly table: string;
  readonly dynamodb: DynamoDBClient;
  readonly poller: EsmPoller;
  readonly invocations: InvocationRecord[];
  readonly destination: OnFailureMessage[];
  readonly onFailureQueueUrl: string;
}

/**
 * A fresh stream (1 shard), views table and on-failure queue; the workload put in `rounds` PutRecords calls `gapMs`
 * apart (1 s windows: later rounds land in later windows); a poller with the real handler behind `wrap`.
 */
async function scenario(
  name: string,
  o: {
    wrap?: (h: KinesisHandler) => KinesisHandler;
    dynamodbMiddleware?: (client: DynamoDBClient) => void;
    poller?: Partial<PollerConfig>;
    rounds?: number;
    gapMs?: number;
  } = {},
): Promise<Scenario> {
  const stream = `faults-${name}`;
  const table = `views-${name}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const dynamodb = new DynamoDBClient({
    region: REGION,
    credentials: CREDENTIALS,
    endpoint: endpoints.dynamodb,
  });
  await createViewsTable(dynamodb, table);
  const onFailureQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `failed-${name}` })))
    .QueueUrl as string;
  const lines = workload();
  const rounds = o.rounds ?? 1;
  const per = Math.ceil(lines.length / rounds);
  for (let r = 0; r < rounds; r++) {
    const part = lines.slice(r * per, (r + 1) * per);
    for (let i = 0; i < part.length; i += 500)
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: part
            .slice(i, i + 500)
            .map((data, k) => ({ Data: data, PartitionKey: `pk-${(i + k) % 13}` })),
        }),
      );
    if (r < rounds - 1) await systemClock.sleep(o.gapMs ?? 1500);
  }
  // Written by a fresh client per scenario so a middleware only affects its own scenario.
  const writerClient = new DynamoDBClient({
    region: REGION,
    credentials: CREDENTIALS,
    endpoint: endpoints.dynamodb,
  });
  o.dynamodbMiddleware?.(writerClient);
  clients.push(dynamodb, writerClient);
  const consumer = createHandler({
    env: {
      VIEW_TABLE_NAME: table,
      DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
      SPEED_TTL_DAYS: 3,
      WRITE_CONCURRENCY: 1,
      POWERTOOLS_SERVICE_NAME: 'stream-consumer',
      POWERTOOLS_METRICS_NAMESPACE: 'streamlake',
    },
    dynamodb: writerClient,
    sqs,
    logger: silent,
    metrics: noMetrics,
  });
  const real: KinesisHandler = (event, context) => consumer(event as Parameters<typeof consumer>[0], context);
  const destination: OnFailureMessage[] = [];
  const poller = new EsmPoller(
    kinesisShardSource(kinesis, stream),
    o.wrap ? o.wrap(real) : real,
    async (m) => {
      destination.push(m);
      await sqs.send(new SendMessageCommand({ QueueUrl: onFailureQueueUrl, MessageBody: JSON.stringify(m) }));
    },
    {
      streamArn: `arn:aws:kinesis:${REGION}:000000000000:stream/${stream}`,
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      bisectOnError: false,
      maxRetryAttempts: 2,
      maxRecordAgeSeconds: -1,
      reportBatchItemFailures: true,
      startingPosition: 'TRIM_HORIZON',
      tumblingWindowSeconds: 1,
      parallelizationFactor: 1,
      pollIntervalMs: 20,
      retryBaseDelayMs: 20,
      // windows end on this clock: a minute ahead, so a caught-up shard closes its window at once
      clock: { now: () => Date.now() + 60_000, sleep: (ms) => systemClock.sleep(ms) },
      ...o.poller,
    },
  );
  const invocations: InvocationRecord[] = [];
  poller.onInvocation((inv) => invocations.push(inv));
  return { stream, table, dynamodb, poller, invocations, destination, onFailureQueueUrl };
}

async function until(what: string, cond: () => boolean, maxPolls = 6000): Promise<void> {
  for (let i = 0; i < maxPolls; i++) {
    if (cond()) return;
    await systemClock.sleep(20);
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function runToIdle(s: Scenario): Promise<void> {
  await s.poller.start();
  await until('the poller to be idle', () => s.poller.idle);
  await s.poller.stop();
}

function cli(): { ctx: Parameters<typeof run>[1] & object; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    ctx: {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      stderr: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
      clock: systemClock,
      fetch,
    },
  };
}

beforeAll(async () => {
  const [k, d, m] = await Promise.all([
    startKinesisLocal(reg, workDir),
    startDynalite(reg, workDir),
    startMoto(reg, workDir),
  ]);
  endpoints = { kinesis: k, dynamodb: d, moto: m };
  kinesis = new KinesisClient({
    region: REGION,
    credentials: CREDENTIALS,
    endpoint: k,
    requestHandler: new NodeHttpHandler(),
  });
  sqs = new SQSClient({ region: REGION, credentials: CREDENTIALS, endpoint: m });
  deadLetterQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'malformed' })))
    .QueueUrl as string;
}, 180_000);

afterAll(async () => {
  kinesis?.destroy();
  sqs?.destroy();
  for (const c of clients) c.destroy();
  await reg.stopAll();
  rmSync(workDir, { recursive: true, force: true });
});

describe('speed windows under failures (offline runtime)', () => {
  test('fault: a non-transient error part-way through a window flush, then success: no key counted twice', async () => {
    let updates = 0;
    let injected = 0;
    const s = await scenario('midflush', {
      dynamodbMiddleware: (client) =>
        client.middlewareStack.add(
          (next, context) => async (args) => {
            if (context.commandName === 'UpdateItemCommand') {
              updates += 1;
              // the 5th and the 40th writes fail once each, after earlier keys of the same flush were written
              if (updates === 5 || updates === 40) {
                injected += 1;
                throw Object.assign(new Error('injected: item size exceeded'), {
                  name: 'ValidationException',
                });
              }
            }
            return next(args);
          },
          { step: 'initialize', name: 'injectMidFlushFailure' },
        ),
    });
    await runToIdle(s);
    expect(injected).toBe(2);
    const failedFlushes = s.invocations.filter((i) => i.isFinalInvokeForWindow && i.outcome === 'error');
    expect(failedFlushes.length).toBeGreaterThanOrEqual(1);
    expect(await speedRows(s.dynamodb, s.table)).toEqual(reference());
  });

  test('fault: a discarded batch is reported, re-driven with `streamlake speed redrive`, and the totals are exact', async () => {
    const lines = workload();
    // a valid event in the second batch of 100 (an intermediate batch of its window), whose bytes occur once
    const poisonIndex = lines.findIndex(
      (line, i) =>
        i >= 150 &&
        line.toString('utf8').startsWith('{"') &&
        lines.filter((l) => l.equals(line)).length === 1,
    );
    expect(poisonIndex).toBeGreaterThanOrEqual(150);
    const s = await scenario('discard', {
      wrap: (h) => async (event, context) => {
        const hasPoison = event.Records.some((r) =>
          Buffer.from(r.kinesis.data, 'base64').equals(lines[poisonIndex] as Buffer),
        );
        if (hasPoison) throw new Error('injected: this batch always fails');
        return h(event, context);
      },
    });
    await runToIdle(s);
    // reported: one message naming the shard and the range of the discarded batch
    expect(s.destination).toHaveLength(1);
    const info = (s.destination[0] as OnFailureMessage).KinesisBatchInfo;
    expect(info.batchSize).toBeGreaterThan(0);
    expect(info.batchSize).toBeLessThanOrEqual(100);
    expect(s.destination[0]?.requestContext.condition).toBe('RetryAttemptsExhausted');
    const short = await speedRows(s.dynamodb, s.table);
    expect(sum(short)).toBeLessThan(sum(reference()));

    const args = [
      'speed',
      'redrive',
      '--kinesis-endpoint-url',
      endpoints.kinesis,
      '--dynamodb-endpoint-url',
      endpoints.dynamodb,
      '--sqs-endpoint-url',
      endpoints.moto,
      '--region',
      REGION,
      '--queue-url',
      s.onFailureQueueUrl,
      '--table-name',
      s.table,
    ];
    const dry = cli();
    expect(await run([...args, '--dry-run', '--json'], dry.ctx)).toBe(0);
    const plan = JSON.parse(dry.out.join('\n')) as { status: string; records: number; events: number }[];
    expect(plan.map((p) => [p.status, p.records])).toEqual([['dry-run', info.batchSize]]);
    expect(await speedRows(s.dynamodb, s.table)).toEqual(short);

    const redrive = cli();
    expect(await run([...args, '--json'], redrive.ctx)).toBe(0);
    expect(redrive.err).toEqual([]);
    const done = JSON.parse(redrive.out.join('\n')) as { status: string; startSequenceNumber: string }[];
    expect(done.map((d) => [d.status, d.startSequenceNumber])).toEqual([
      ['redriven', info.startSequenceNumber],
    ]);
    expect(await speedRows(s.dynamodb, s.table)).toEqual(reference());

    // the message is gone; a second run finds nothing and changes nothing
    const again = cli();
    expect(await run(args, again.ctx)).toBe(0);
    expect(again.out.join('\n')).toMatch(/no discarded batches/);
    expect(await speedRows(s.dynamodb, s.table)).toEqual(reference());
  });

  test('fault: a final invocation that keeps failing blocks the shard (no progress, iterator age grows), then recovers with exact totals', async () => {
    let tableDown = true;
    const s = await scenario('blocked', {
      rounds: 2,
      dynamodbMiddleware: (client) =>
        client.middlewareStack.add(
          (next, context) => async (args) => {
            if (tableDown && context.commandName === 'UpdateItemCommand')
              throw Object.assign(new Error('injected: table unavailable'), {
                name: 'ResourceNotFoundException',
              });
            return next(args);
          },
          { step: 'initialize', name: 'injectTableDown' },
        ),
    });
    await s.poller.start();
    const failedFinals = () => s.invocations.filter((i) => i.isFinalInvokeForWindow && i.outcome === 'error');
    await until('five failed final invocations', () => failedFinals().length >= 5);
    const blockedWindow = failedFinals()[0]?.window?.start;
    // blocked: every invocation so far is of the first window; nothing of a later window was delivered
    expect(s.invocations.every((i) => i.window?.start === blockedWindow)).toBe(true);
    expect(s.poller.checkpoints[Object.keys(s.poller.readPositions())[0] as string]).toBeUndefined();
    expect(s.poller.idle).toBe(false);
    // the alarm condition: the iterator age of the retried final invocation grows
    const ages = failedFinals().map((i) => i.iteratorAgeMs as number);
    for (let k = 1; k < ages.length; k++) expect(ages[k]).toBeGreaterThanOrEqual(ages[k - 1] as number);
    expect((ages[ages.length - 1] as number) - (ages[0] as number)).toBeGreaterThan(0);
    expect(await speedRows(s.dynamodb, s.table)).toEqual(new Map());

    tableDown = false;
    await until('the poller to be idle', () => s.poller.idle);
    await s.poller.stop();
    const windows = new Set(s.invocations.map((i) => i.window?.start));
    expect(windows.size).toBeGreaterThanOrEqual(2);
    expect(s.destination).toEqual([]);
    expect(await speedRows(s.dynamodb, s.table)).toEqual(reference());
  });
});
