import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { emptyWindowState } from '../../../lambda/stream-consumer/window';
import { expectedMinute, fixtureLines, malformedLines } from '../../fixtures/fixtures';
import { createViewsTable } from '../../support/views-table';
import { event, kinesisEvent, kinesisRecord, kinesisRecords, tumblingEvent } from './records';

/**
 * The real handler (index.ts: env, Powertools, SDK clients) against dynalite on 127.0.0.1, the endpoint given the
 * standard way (AWS_ENDPOINT_URL_DYNAMODB). SQS is mocked: there is no light SQS emulator to start here.
 */
const TABLE = 'streamlake-views';
let dynalite: ChildProcess;
let client: DynamoDBClient;
let handler: typeof import('../../../lambda/stream-consumer/index').handler;
const sqs = mockClient(SQSClient);
const savedEnv = { ...process.env };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntil(ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await ok()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('dynalite did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const context = { awsRequestId: 'test', functionName: 'stream-consumer' } as Context;

/** Every speed row of the table as `pk|sk → [eventCount, watchSeconds]`. */
async function speedRows(pks: string[]): Promise<Map<string, [number, number]>> {
  const rows = new Map<string, [number, number]>();
  for (const pk of pks) {
    const out = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':pk': { S: pk }, ':m': { S: 'm#' } },
      }),
    );
    for (const item of out.Items ?? []) {
      rows.set(`${item.pk.S}|${item.sk.S}`, [Number(item.eventCount.N), Number(item.watchSeconds.N)]);
    }
  }
  return rows;
}

beforeAll(async () => {
  const port = await freePort();
  const cli = join(dirname(require.resolve('dynalite/package.json')), 'cli.js');
  dynalite = spawn(
    process.execPath,
    [cli, '--host', '127.0.0.1', '--port', String(port), '--createTableMs', '0'],
    {
      stdio: 'ignore',
    },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    VIEW_TABLE_NAME: TABLE,
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/malformed',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  await waitUntil(
    async () => Array.isArray((await client.send(new ListTablesCommand({}))).TableNames),
    15_000,
  );
  await createViewsTable(client, TABLE);
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: 'x' })),
  }));
  ({ handler } = await import('../../../lambda/stream-consumer/index'));
}, 60_000);

afterAll(async () => {
  client?.destroy();
  process.env = savedEnv;
  if (dynalite !== undefined && dynalite.exitCode === null) {
    const exited = new Promise((r) => dynalite.once('exit', r));
    dynalite.kill('SIGTERM');
    const timer = setTimeout(() => dynalite.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
});

describe('handler against dynalite', () => {
  it('writes the golden fixtures as exactly the rows of expected-minute.json', async () => {
    const records = fixtureLines().map((line, i) => kinesisRecord(line, i));
    const response = await handler(kinesisEvent(records), context);
    expect(response).toEqual({ batchItemFailures: [] });
    const expected = new Map(
      expectedMinute().map((r) => [
        `speed#${r.contentId}#${r.type}|m#${r.minute}`,
        [r.count, r.watchSeconds],
      ]),
    );
    const pks = [...new Set(expectedMinute().map((r) => `speed#${r.contentId}#${r.type}`))];
    expect(await speedRows(pks)).toEqual(expected);
    const deadLettered = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(deadLettered).toHaveLength(malformedLines().length);
  }, 60_000);

  it('adds to existing rows and sets bucketStart, updatedAt and the TTL', async () => {
    const records = kinesisRecords([
      event({ contentId: 'dyn-1', occurredAt: '2026-11-21T00:10:05.000Z', watchSeconds: 30 }),
      event({ contentId: 'dyn-1', occurredAt: '2026-11-21T00:10:55.000Z', watchSeconds: 12 }),
    ]);
    await handler(kinesisEvent(records), context);
    await handler(
      kinesisEvent(
        kinesisRecords([event({ contentId: 'dyn-1', occurredAt: '2026-11-21T00:10:00.000Z' })], 2),
      ),
      context,
    );
    const out = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'speed#dyn-1#heartbeat' } },
      }),
    );
    expect(out.Items).toHaveLength(1);
    const item = out.Items![0];
    expect({
      sk: item.sk.S,
      eventCount: item.eventCount.N,
      watchSeconds: item.watchSeconds.N,
      bucketStart: item.bucketStart.S,
      expiresAt: item.expiresAt.N,
    }).toEqual({
      sk: 'm#2026-11-21T00:10',
      eventCount: '3',
      watchSeconds: '72',
      bucketStart: '2026-11-21T00:10:00.000Z',
      expiresAt: String(Date.UTC(2026, 10, 24, 0, 10) / 1000),
    });
    expect(Date.now() - Date.parse(item.updatedAt.S ?? '')).toBeLessThan(60_000);
  }, 60_000);

  it('in a tumbling window, writes nothing until the final invoke, then the window totals', async () => {
    const pks = ['speed#dyn-win#heartbeat', 'speed#dyn-win#like'];
    const first = await handler(
      tumblingEvent(
        kinesisRecords(
          [
            event({ contentId: 'dyn-win', watchSeconds: 30 }),
            event({ contentId: 'dyn-win', type: 'like', watchSeconds: undefined }),
          ],
          20,
        ),
      ),
      context,
    );
    const second = await handler(
      tumblingEvent(kinesisRecords([event({ contentId: 'dyn-win', watchSeconds: 12 })], 22), {
        state: JSON.parse(JSON.stringify(first.state)),
      }),
      context,
    );
    expect(await speedRows(pks)).toEqual(new Map());
    const final = await handler(
      tumblingEvent([], { state: JSON.parse(JSON.stringify(second.state)), isFinalInvokeForWindow: true }),
      context,
    );
    expect(final).toEqual({ state: emptyWindowState(), batchItemFailures: [] });
    expect(await speedRows(pks)).toEqual(
      new Map([
        ['speed#dyn-win#heartbeat|m#2026-11-20T23:59', [2, 42]],
        ['speed#dyn-win#like|m#2026-11-20T23:59', [1, 0]],
      ]),
    );
  }, 60_000);

  it('a final invoke retried after it wrote some keys adds nothing twice (the write token, against dynalite)', async () => {
    const pks = ['speed#dyn-retry#heartbeat', 'speed#dyn-retry#like'];
    const agg = await handler(
      tumblingEvent(
        kinesisRecords(
          [
            event({ contentId: 'dyn-retry', watchSeconds: 30 }),
            event({ contentId: 'dyn-retry', type: 'like', watchSeconds: undefined }),
          ],
          30,
        ),
      ),
      context,
    );
    const finalEvent = tumblingEvent([], {
      state: JSON.parse(JSON.stringify(agg.state)),
      isFinalInvokeForWindow: true,
    });
    await handler(finalEvent, context);
    // Lambda retries the same final invocation (say its response was lost): every key carries its token already
    const retry = await handler(finalEvent, context);
    expect(retry).toEqual({ state: emptyWindowState(), batchItemFailures: [] });
    expect(await speedRows(pks)).toEqual(
      new Map([
        ['speed#dyn-retry#heartbeat|m#2026-11-20T23:59', [1, 30]],
        ['speed#dyn-retry#like|m#2026-11-20T23:59', [1, 0]],
      ]),
    );
    const item = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pks[0] as string } },
      }),
    );
    expect(item.Items?.[0]?.flushTokens?.SS).toHaveLength(1);
  }, 60_000);

  it('fails the invocation when the table does not exist (non-transient)', async () => {
    process.env.VIEW_TABLE_NAME = 'missing-table';
    // the env is read at cold start: load a fresh copy of the handler
    let fresh: typeof handler | undefined;
    await jest.isolateModulesAsync(async () => {
      ({ handler: fresh } = await import('../../../lambda/stream-consumer/index'));
    });
    process.env.VIEW_TABLE_NAME = TABLE;
    await expect(fresh!(kinesisEvent(kinesisRecords([event()], 10)), context)).rejects.toThrow(
      /ResourceNotFoundException/,
    );
  }, 60_000);
});
