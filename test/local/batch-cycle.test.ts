/** The offline batch cycle (local/compute/batch.ts): the planner's plan, each day in order, the engine from the templates. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type LocalBatchTarget,
  runBatchCycle,
  scheduledTimeFor,
  templateBatchEngine,
  templateLookbackDays,
} from '../../local/compute/batch';
import type { LogFiles } from '../../local/logs';
import type { ProcessRegistry } from '../../local/proc';
import type { LocalInfra } from '../../local/templates';

const doc = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

const infra = (functions: Record<string, Record<string, unknown>>) =>
  ({ functions }) as unknown as LocalInfra;
const planner = { LOOKBACK_DAYS: '3', RAW_PREFIX: 'raw/events/', VIEW_TABLE_NAME: 'v', RAW_BUCKET_NAME: 'r' };
const mapreduce = { RAW_BUCKET: 'r', SCRATCH_BUCKET: 'a', VIEW_TABLE_NAME: 'v' };

const target: LocalBatchTarget = {
  ep: { moto: 'http://127.0.0.1:1', dynamodb: 'http://127.0.0.1:2', kinesis: 'http://127.0.0.1:3' },
  s3: new S3Client({ region: 'us-east-1' }),
  dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
  table: 'views',
  rawBucket: 'raw',
  curatedBucket: 'curated',
  analyticsBucket: 'analytics',
  lookbackDays: 3,
};
const run = { reg: {} as ProcessRegistry, logs: {} as LogFiles, workDir: '/tmp/unused' };

function rawObjects(day: string, at: string) {
  s3.on(ListObjectsV2Command, { Prefix: `raw/events/dt=${day}/` }).resolves({
    Contents: [{ Key: `raw/events/dt=${day}/hour=01/o.gz`, Size: 100, LastModified: new Date(at) }],
  });
}

beforeEach(() => {
  doc.reset();
  s3.reset();
  s3.on(ListObjectsV2Command).resolves({});
  doc.on(QueryCommand).resolves({ Items: [] });
});

test('the engine is what the templates deploy: the MapReduce functions, else EMR', () => {
  expect(templateBatchEngine(infra({ Planner: planner, Plan: mapreduce }))).toBe('mapreduce');
  expect(templateBatchEngine(infra({ Planner: planner }))).toBe('emr');
});

test("the lookback is the planner function's LOOKBACK_DAYS; fails when the templates have no planner", () => {
  expect(templateLookbackDays(infra({ Planner: { ...planner, LOOKBACK_DAYS: '5' } }))).toBe(5);
  expect(() => templateLookbackDays(infra({ Plan: mapreduce }))).toThrow(/no batch planner/);
});

test('the cycle for a day is scheduled the next day, so the planner targets that day', () => {
  expect(scheduledTimeFor('2026-11-30')).toBe('2026-12-01T01:00:00.000Z');
});

test('a scheduled cycle runs the missing day, then the scheduled day, even when the first fails', async () => {
  rawObjects('2026-11-19', '2026-11-19T23:00:00.000Z');
  rawObjects('2026-11-20', '2026-11-20T23:00:00.000Z');
  const ran: string[] = [];
  const cycle = await runBatchCycle(target, {
    engine: 'mapreduce',
    scheduledTime: scheduledTimeFor('2026-11-20'),
    ...run,
    runDay: async (day) => {
      ran.push(day);
      return day === '2026-11-19'
        ? { ok: false, detail: 'InjectedFault: boom', log: 'x' }
        : { ok: true, detail: 'done', log: 'y' };
    },
  });
  expect(ran).toEqual(['2026-11-19', '2026-11-20']);
  expect(cycle.plan.missing).toEqual(['2026-11-19']);
  expect(cycle.days.map((d) => [d.day, d.reasons, d.ok])).toEqual([
    ['2026-11-19', ['missing'], false],
    ['2026-11-20', ['scheduled'], true],
  ]);
});

test('a requested date runs that day only, without reading the lake', async () => {
  const ran: string[] = [];
  const cycle = await runBatchCycle(target, {
    engine: 'emr',
    date: '2026-11-18',
    ...run,
    runDay: async (day) => {
      ran.push(day);
      return { ok: true, detail: 'done', log: 'y' };
    },
  });
  expect(ran).toEqual(['2026-11-18']);
  expect(cycle.days.map((d) => d.reasons)).toEqual([['requested']]);
  expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
});

test('fails before running anything when the requested date is not a calendar day', async () => {
  const runDay = jest.fn();
  await expect(runBatchCycle(target, { engine: 'emr', date: '2026-02-30', ...run, runDay })).rejects.toThrow(
    /not a calendar day/,
  );
  expect(runDay).not.toHaveBeenCalled();
});
