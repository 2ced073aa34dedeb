/**
 * Fault tests of the batch layer in the offline runtime: a failed day and late data. The golden fixtures are laid out
 * in moto as Firehose lays them out; each cycle is the offline runtime's (`local/compute/batch.ts`: the batch
 * planner's own code, then each planned day on the MapReduce engine's handlers, writing to moto and dynalite); what is
 * served comes from the real query API handler. Served numbers are compared with the fixtures' reference
 * (test/fixtures, written by generate.py), never with what an engine counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { batchDays } from '../../cli/lib/batch-days';
import { S3BlobStore } from '../../lambda/mapreduce/store';
import type { MetricsResponse } from '../../lambda/query-api/api';
import { parseEnv } from '../../lambda/query-api/env';
import { createHandler } from '../../lambda/query-api/handler';
import viewTable from '../../lib/contracts/view-table.json';
import {
  type BatchCycle,
  type DayRunner,
  engineDayRunner,
  type LocalBatchTarget,
  runBatchCycle,
  scheduledTimeFor,
} from '../../local/compute/batch';
import { CREDENTIALS, REGION, startDynalite, startMoto } from '../../local/emulators';
import { LogFiles } from '../../local/logs';
import { ProcessRegistry } from '../../local/proc';
import { type DayRow, expectedDay, expectedMinute, fixtureLines } from '../fixtures/fixtures';
import { firehosePartition, layOut } from '../lambda/mapreduce/lake';
import { createViewsTable } from '../support/views-table';

const D1 = '2026-11-20';
const D2 = '2026-11-21';
const LOOKBACK_DAYS = 3;
const reg = new ProcessRegistry();
let work: string;
let endpoints: { moto: string; dynamodb: string };
let s3: S3Client;
let dynamodb: DynamoDBClient;
let logs: LogFiles;
// The lambda speed engine never reads the view version: a client that is never called.
const ssm = new SSMClient({ region: REGION, credentials: CREDENTIALS, endpoint: 'http://127.0.0.1:9' });

async function target(name: string): Promise<LocalBatchTarget> {
  const t: LocalBatchTarget = {
    ep: { ...endpoints, kinesis: 'http://127.0.0.1:9' },
    s3,
    dynamodb,
    table: `${name}-views`,
    rawBucket: `${name}-raw`,
    curatedBucket: `${name}-curated`,
    analyticsBucket: `${name}-analytics`,
    lookbackDays: LOOKBACK_DAYS,
  };
  for (const b of [t.rawBucket, t.curatedBucket, t.analyticsBucket])
    await s3.send(new CreateBucketCommand({ Bucket: b }));
  await createViewsTable(dynamodb, t.table);
  return t;
}

const cycle = (t: LocalBatchTarget, o: { scheduledTime?: string; date?: string; runDay?: DayRunner }) =>
  runBatchCycle(t, { engine: 'mapreduce', reg, logs, workDir: work, ...o });

/** The fixture lines of `day`, in arrival order. */
const linesOf = (day: string) => fixtureLines().filter((l) => firehosePartition(l)?.day === day);

/**
 * The speed view of `day` as the speed layer writes it (minute rows, `lib/contracts/view-table.json`): the reference
 * minutes less one event of `short`, so an answer shows which view it came from.
 */
async function writeSpeedView(t: LocalBatchTarget, day: string, short: DayRow): Promise<void> {
  const doc = DynamoDBDocumentClient.from(dynamodb);
  let shortened = false;
  for (const m of expectedMinute().filter((r) => r.minute.startsWith(day))) {
    const cut: boolean = !shortened && m.contentId === short.contentId && m.type === short.type;
    shortened ||= cut;
    await doc.send(
      new PutCommand({
        TableName: t.table,
        Item: {
          pk: `${viewTable.views.speed}#${m.contentId}#${m.type}`,
          sk: `m#${m.minute}`,
          eventCount: m.count - (cut ? 1 : 0),
          watchSeconds: m.watchSeconds,
          bucketStart: `${m.minute}:00.000Z`,
        },
      }),
    );
  }
  if (!shortened) throw new Error(`no speed minute for ${short.contentId}/${short.type} on ${day}`);
}

/** `GET /metrics` (day granularity) through the real query API handler, built by its factory. */
async function served(t: LocalBatchTarget, key: DayRow, from: string, to: string): Promise<MetricsResponse> {
  const handler = createHandler({
    env: parseEnv({
      ARCHITECTURE: 'lambda',
      SPEED_ENGINE: 'lambda',
      VIEW_TABLE_NAME: t.table,
      VIEW_VERSION_PARAMETER: '/streamlake/local/view-version',
      MAX_RANGE_DAYS: '31',
    }),
    dynamodb,
    ssm,
    logger: { addContext: () => {}, info: () => {}, error: () => {} },
    metrics: { addMetric: () => {}, captureColdStartMetric: () => {}, publishStoredMetrics: () => {} },
  });
  const res = await handler(
    {
      routeKey: 'GET /metrics',
      rawPath: '/metrics',
      queryStringParameters: { contentId: key.contentId, type: key.type, granularity: 'day', from, to },
      requestContext: { http: { method: 'GET', path: '/metrics' } },
    } as unknown as APIGatewayProxyEventV2,
    { awsRequestId: 'fault-test' } as Context,
  );
  if (res.statusCode !== 200) throw new Error(`query failed: ${res.statusCode} ${res.body}`);
  return JSON.parse(String(res.body)) as MetricsResponse;
}

/** One day of an answer: its status and its point (count and watch seconds). */
function dayOf(r: MetricsResponse, day: string) {
  const status = r.days.find((d) => d.day === day);
  const point = r.series[0]?.points.find((p) => p.bucket === day);
  return {
    layer: status?.layer,
    provisional: status?.provisional,
    count: point?.count,
    watch: point?.watchSeconds,
  };
}

/** Every (contentId, type) of the reference for `day`, as served: [key, layer, provisional, count, watch]. */
async function servedDay(t: LocalBatchTarget, day: string) {
  const rows = expectedDay().filter((r) => r.day === day);
  const out: string[] = [];
  for (const r of rows) {
    const d = dayOf(await served(t, r, day, day), day);
    out.push([r.contentId, r.type, d.layer, d.provisional, d.count, d.watch].join('|'));
  }
  return out.sort();
}
const referenceDay = (day: string) =>
  expectedDay()
    .filter((r) => r.day === day)
    .map((r) => [r.contentId, r.type, 'batch', false, r.count, r.watchSeconds].join('|'))
    .sort();

/** A reference key of `day` with more than one event, so one less is still a point. */
const keyWithEvents = (day: string) => {
  const key = expectedDay().find((r) => r.day === day && r.count > 1);
  if (!key) throw new Error(`no reference key with more than one event on ${day}`);
  return key;
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sl-batch-faults-'));
  logs = new LogFiles(work);
  const [moto, dynamo] = await Promise.all([startMoto(reg, work), startDynalite(reg, work)]);
  endpoints = { moto, dynamodb: dynamo };
  const common = { region: REGION, credentials: CREDENTIALS };
  s3 = new S3Client({ ...common, endpoint: moto, forcePathStyle: true });
  dynamodb = new DynamoDBClient({ ...common, endpoint: dynamo });
}, 300_000);

afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  ssm.destroy();
  await logs?.close();
  await reg.stopAll();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fault: a failed batch day is served from the speed view, provisional, until it is re-run', () => {
  let t: LocalBatchTarget;
  let failed: BatchCycle;
  const key = keyWithEvents(D1);

  beforeAll(async () => {
    t = await target('fault-failed');
    await layOut(new S3BlobStore(s3), t.rawBucket, [...linesOf(D1), ...linesOf(D2)], 70);
    await writeSpeedView(t, D1, key);
    // D1's run fails at its last step: every batch-view row of D1 is written, the completion item is refused.
    const faulty = new DynamoDBClient({
      region: REGION,
      credentials: CREDENTIALS,
      endpoint: endpoints.dynamodb,
    });
    faulty.middlewareStack.add(
      (next, context) => async (args) => {
        const completion = JSON.stringify(args.input).includes(viewTable.batchCompletion.pk);
        if (/^Put(Item)?Command$/.test(context.commandName ?? '') && completion)
          throw Object.assign(new Error('injected: the views table refused the completion item'), {
            name: 'InjectedFault',
          });
        return next(args);
      },
      { step: 'initialize', name: 'injectCompletionFault' },
    );
    const good = engineDayRunner(t, { engine: 'mapreduce', reg, logs, workDir: work });
    const bad = engineDayRunner(
      { ...t, dynamodb: faulty },
      { engine: 'mapreduce', reg, logs, workDir: work },
    );
    // The scheduled cycle for D2 finds D1 missing (raw objects, no completion item) and runs it first.
    failed = await cycle(t, {
      scheduledTime: scheduledTimeFor(D2),
      runDay: (d) => (d === D1 ? bad(d) : good(d)),
    });
    faulty.destroy();
  });

  test('the cycle planned D1 (missing) and D2 (scheduled); D1 failed, D2 still ran', () => {
    expect(failed.plan.plan).toEqual([
      { day: D1, reasons: ['missing'] },
      { day: D2, reasons: ['scheduled'] },
    ]);
    expect(failed.days.map((d) => [d.day, d.ok])).toEqual([
      [D1, false],
      [D2, true],
    ]);
    expect(failed.days[0]?.detail).toMatch(/InjectedFault/);
  });

  test('a query over D1..D2 answers D1 from the speed view, provisional, and D2 from the batch view', async () => {
    const r = await served(t, key, D1, D2);
    expect(dayOf(r, D1)).toEqual({
      layer: 'speed',
      provisional: true,
      count: key.count - 1,
      watch: key.watchSeconds,
    });
    expect(r.watermark).toBeNull();
    const d2 = expectedDay().filter((x) => x.day === D2);
    expect(await servedDay(t, D2)).toEqual(referenceDay(D2));
    expect(d2.length).toBeGreaterThan(0);
  });

  test('batch status shows D1 missing and D2 complete', async () => {
    const days = await batchDays(DynamoDBDocumentClient.from(dynamodb), s3, {
      viewTable: t.table,
      rawBucket: t.rawBucket,
      toDay: D2,
      days: 2,
    });
    expect(days.map((d) => [d.day, d.state])).toEqual([
      [D2, 'complete'],
      [D1, 'missing'],
    ]);
  });

  test('re-running D1 (batch run --date) makes every key of D1 exact, from the batch view', async () => {
    const rerun = await cycle(t, { date: D1 });
    expect(rerun.plan.plan).toEqual([{ day: D1, reasons: ['requested'] }]);
    expect(rerun.days.map((d) => d.ok)).toEqual([true]);
    expect(await servedDay(t, D1)).toEqual(referenceDay(D1));
    expect((await served(t, key, D1, D2)).watermark).toBe(D2);
  });
});

describe('fault: late events of a day are picked up by the next scheduled cycle', () => {
  let t: LocalBatchTarget;
  let first: BatchCycle;
  let next: BatchCycle;
  let servedBefore: string[];
  const lines = linesOf(D1);
  // The last fifth of D1's lines arrives after D1's run (Firehose writes them in later objects).
  const onTime = lines.slice(0, Math.floor(lines.length * 0.8));
  const late = lines.slice(onTime.length);

  beforeAll(async () => {
    t = await target('fault-late');
    const store = new S3BlobStore(s3);
    await layOut(store, t.rawBucket, onTime, 70, 'streamlake-raw-1-2026-11-21-00-30');
    first = await cycle(t, { scheduledTime: scheduledTimeFor(D1) });
    servedBefore = await servedDay(t, D1);
    // Written later, in objects that sort after the first ones (Firehose names objects by arrival time).
    await layOut(store, t.rawBucket, late, 70, 'streamlake-raw-1-2026-11-22-02-10');
    await layOut(store, t.rawBucket, linesOf(D2), 70, 'streamlake-raw-1-2026-11-22-00-30');
    next = await cycle(t, { scheduledTime: scheduledTimeFor(D2) });
  });

  test('before the late events, D1 was complete without them: the served numbers differ from the reference', () => {
    expect(first.days.map((d) => [d.day, d.reasons, d.ok])).toEqual([[D1, ['scheduled'], true]]);
    expect(late.length).toBeGreaterThan(0);
    expect(servedBefore).not.toEqual(referenceDay(D1));
  });

  test('the next scheduled cycle re-runs D1 for late data, then runs D2', () => {
    expect(next.plan.lateData.map((l) => l.day)).toEqual([D1]);
    expect(next.days.map((d) => [d.day, d.reasons, d.ok])).toEqual([
      [D1, ['late_data'], true],
      [D2, ['scheduled'], true],
    ]);
  });

  test('after it, every key of D1 and D2 is served from the batch view and equals the reference', async () => {
    expect(await servedDay(t, D1)).toEqual(referenceDay(D1));
    expect(await servedDay(t, D2)).toEqual(referenceDay(D2));
  });
});
