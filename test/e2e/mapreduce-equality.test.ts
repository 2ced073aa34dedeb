/**
 * Equality is the test: on the golden fixtures laid out as Firehose lays them out in the S3 emulator (moto), the
 * MapReduce engine (its handlers, driven by the local executor, writing to moto and dynalite) and the Spark job
 * (spark-submit local[2], S3A on moto) write the same curated rows, analytics tables, quarantine reasons and batch
 * view, and both equal the independent reference (test/fixtures, written by generate.py). Parquet is read back with
 * pyarrow, which wrote neither engine's files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { S3BlobStore } from '../../lambda/mapreduce/store';
import { LakePrefixes } from '../../lib/contracts/lake-layout';
import { CREDENTIALS, REGION, startDynalite, startMoto, venvBin } from '../../local/emulators';
import { runSpark } from '../../local/jobs';
import { type MapReduceDayResult, runMapReduceDay } from '../../local/mapreduce/executor';
import { ProcessRegistry } from '../../local/proc';
import { expectedDay, expectedMinute, fixtureLines, malformedLines } from '../fixtures/fixtures';
import { layOut } from '../lambda/mapreduce/lake';
import { createViewsTable } from '../support/views-table';

const DAYS = ['2026-11-20', '2026-11-21'] as const;
const RAW = 'eq-raw';
const ENGINES = {
  spark: { curated: 'eq-spark-curated', analytics: 'eq-spark-analytics', table: 'views-spark' },
  mapreduce: { curated: 'eq-mr-curated', analytics: 'eq-mr-analytics', table: 'views-mr' },
} as const;
type Engine = keyof typeof ENGINES;
const TABLES = {
  curated_events: (e: Engine) => [ENGINES[e].curated, LakePrefixes.curatedEvents],
  quarantine: (e: Engine) => [ENGINES[e].curated, LakePrefixes.quarantine],
  minute_content_counts: (e: Engine) => [
    ENGINES[e].analytics,
    `${LakePrefixes.analytics}minute_content_counts/`,
  ],
  daily_content_counts: (e: Engine) => [
    ENGINES[e].analytics,
    `${LakePrefixes.analytics}daily_content_counts/`,
  ],
  top_content: (e: Engine) => [ENGINES[e].analytics, `${LakePrefixes.analytics}top_content/`],
} as const;
type Table = keyof typeof TABLES;

interface ParquetFile {
  schema: [string, string, string, string][];
  rows: Record<string, unknown>[];
}

const reg = new ProcessRegistry();
let work: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let placed: Map<number, string>;
const mr: MapReduceDayResult[] = [];
/** table → engine → day → files */
const lake = {} as Record<Table, Record<Engine, Record<string, ParquetFile[]>>>;

async function download(engine: Engine, table: Table, day: string): Promise<ParquetFile[]> {
  const [bucket, root] = TABLES[table](engine);
  const store = new S3BlobStore(s3);
  const dir = join(work, 'read', engine, table, day);
  for (const o of await store.list(bucket, `${root}dt=${day}/`)) {
    const file = join(dir, o.key.slice(o.key.lastIndexOf('/') + 1));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await store.get(bucket, o.key));
  }
  mkdirSync(dir, { recursive: true });
  const out = execFileSync(venvBin('python'), [join(__dirname, 'support', 'parquet_rows.py'), dir], {
    maxBuffer: 256 << 20,
  });
  return Object.values(JSON.parse(out.toString()) as Record<string, ParquetFile>);
}

async function viewItems(engine: Engine): Promise<Record<string, unknown>[]> {
  const out = await DynamoDBDocumentClient.from(dynamodb).send(
    new ScanCommand({ TableName: ENGINES[engine].table }),
  );
  return out.Items ?? [];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sl-mr-equality-'));
  const [moto, dynamo] = await Promise.all([startMoto(reg, work), startDynalite(reg, work)]);
  const common = { region: REGION, credentials: CREDENTIALS };
  s3 = new S3Client({ ...common, endpoint: moto, forcePathStyle: true });
  dynamodb = new DynamoDBClient({ ...common, endpoint: dynamo });
  const buckets = [RAW, ...Object.values(ENGINES).flatMap((e) => [e.curated, e.analytics])];
  for (const b of buckets) await s3.send(new CreateBucketCommand({ Bucket: b }));
  for (const e of Object.values(ENGINES)) await createViewsTable(dynamodb, e.table);
  // Several objects per hour, named in arrival order: the first-written rule spans objects.
  placed = await layOut(new S3BlobStore(s3), RAW, fixtureLines(), 70);

  for (const day of DAYS) {
    const exit = await runSpark(reg, {
      workDir: work,
      ep: { moto, dynamodb: dynamo, kinesis: 'http://127.0.0.1:9' },
      day,
      rawBucket: RAW,
      curatedBucket: ENGINES.spark.curated,
      analyticsBucket: ENGINES.spark.analytics,
      viewTable: ENGINES.spark.table,
      rawRoot: LakePrefixes.rawEvents.replace(/\/$/, ''),
    });
    if (exit !== 0) throw new Error(`the Spark job failed for ${day} (exit ${exit}); see ${work}/logs`);
    mr.push(
      await runMapReduceDay({
        s3,
        dynamodb,
        buckets: { raw: RAW, curated: ENGINES.mapreduce.curated, analytics: ENGINES.mapreduce.analytics },
        table: ENGINES.mapreduce.table,
        day,
        concurrency: 4,
        // Small work items and partitions: several mappers and reducers of each round over the fixtures.
        limits: { mapItemBytes: 3000, targetFileBytes: 4000, eventPartitionsPerCountPartition: 2 },
      }),
    );
  }
  for (const table of Object.keys(TABLES) as Table[]) {
    lake[table] = { spark: {}, mapreduce: {} };
    for (const engine of Object.keys(ENGINES) as Engine[])
      for (const day of DAYS) lake[table][engine][day] = await download(engine, table, day);
  }
}, 1_200_000);

afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await reg.stopAll();
  if (work) rmSync(work, { recursive: true, force: true });
});

const rowsOf = (table: Table, engine: Engine, day: string) => lake[table][engine][day].flatMap((f) => f.rows);
/** Rows in a canonical order, for comparing multisets. */
const canonical = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();
/** The object key of a source file, whatever scheme and bucket the engine's reader names it with. */
const keyOf = (uri: unknown) => String(uri).replace(/^[a-z0-9]+:\/\/[^/]+\//, '');

test('the MapReduce run used several map tasks and reducers of each round', () => {
  for (const run of mr) {
    const tasks = Object.fromEntries(run.phases.map((p) => [p.phase, p.tasks]));
    expect(tasks.map).toBeGreaterThan(1);
    expect(tasks['reduce-events']).toBeGreaterThan(1);
    expect(tasks['reduce-counts']).toBeGreaterThan(1);
  }
});

describe.each(DAYS)('%s', (day) => {
  test.each(['curated_events', 'minute_content_counts', 'daily_content_counts', 'top_content'] as const)(
    '%s: the MapReduce rows equal the Spark rows',
    (table) => {
      const spark = canonical(rowsOf(table, 'spark', day));
      expect(spark.length).toBeGreaterThan(0);
      expect(canonical(rowsOf(table, 'mapreduce', day))).toEqual(spark);
    },
  );

  test('quarantine: the same lines with the same reasons from the same objects', () => {
    const norm = (e: Engine) =>
      canonical(rowsOf('quarantine', e, day).map((r) => ({ ...r, source_file: keyOf(r.source_file) })));
    expect(norm('spark').length).toBeGreaterThan(0);
    expect(norm('mapreduce')).toEqual(norm('spark'));
  });

  test('quarantine equals the reference: every malformed line placed on the day, with its reason', () => {
    const lines = fixtureLines();
    const want = malformedLines()
      .filter((m) => placed.get(m.line) === day)
      .map((m) => `${m.reason}\u0000${lines[m.line - 1].toString('utf8')}`);
    const got = rowsOf('quarantine', 'mapreduce', day).map((r) => `${r.reason}\u0000${r.raw}`);
    expect(got.sort()).toEqual(want.sort());
  });

  test('daily and minute counts equal the reference', () => {
    const daily = rowsOf('daily_content_counts', 'mapreduce', day).map((r) =>
      [r.content_id, r.type, r.day, r.event_count, r.watch_seconds].join('|'),
    );
    const wantDaily = expectedDay()
      .filter((r) => r.day === day)
      .map((r) => [r.contentId, r.type, r.day, r.count, r.watchSeconds].join('|'));
    expect(daily.sort()).toEqual(wantDaily.sort());
    const minutes = rowsOf('minute_content_counts', 'mapreduce', day).map((r) =>
      [r.content_id, r.type, r.minute, r.event_count, r.watch_seconds].join('|'),
    );
    const wantMinutes = expectedMinute()
      .filter((r) => r.minute.startsWith(day))
      .map((r) => [r.contentId, r.type, r.minute, r.count, r.watchSeconds].join('|'));
    expect(minutes.sort()).toEqual(wantMinutes.sort());
  });
});

test('every table has the Spark schema: names, types, annotations, required columns; timestamps as UTC instants', () => {
  for (const table of Object.keys(TABLES) as Table[]) {
    const [spark] = lake[table].spark[DAYS[0]];
    const [mine] = lake[table].mapreduce[DAYS[0]];
    const normalize = (schema: ParquetFile['schema']) =>
      schema.map(([name, physical, logical, rep]) =>
        // Spark writes the deprecated INT96; the MapReduce engine INT64 TIMESTAMP(MICROS, UTC) (docs/batch.md).
        physical === 'INT96' || logical.startsWith('Timestamp(isAdjustedToUTC=true, timeUnit=microseconds')
          ? [name, 'TIMESTAMP', rep]
          : [name, physical, logical, rep],
      );
    expect(normalize(mine.schema)).toEqual(normalize(spark.schema));
  }
});

test('the batch views are equal (exact totals), and equal to the reference', async () => {
  const batch = (items: Record<string, unknown>[]) =>
    items
      .filter((i) => String(i.pk).startsWith('batch#'))
      .map((i) => [i.pk, i.sk, i.eventCount, i.watchSeconds, i.bucketStart].join('|'))
      .sort();
  const spark = batch(await viewItems('spark'));
  const mine = batch(await viewItems('mapreduce'));
  expect(mine).toEqual(spark);
  const want = [
    ...expectedMinute().map((r) =>
      [
        `batch#${r.contentId}#${r.type}`,
        `m#${r.minute}`,
        r.count,
        r.watchSeconds,
        `${r.minute}:00.000Z`,
      ].join('|'),
    ),
    ...expectedDay().map((r) =>
      [
        `batch#${r.contentId}#${r.type}`,
        `d#${r.day}`,
        r.count,
        r.watchSeconds,
        `${r.day}T00:00:00.000Z`,
      ].join('|'),
    ),
  ].sort();
  expect(mine).toEqual(want);
});

test('the MapReduce engine marks each day complete per the contract', async () => {
  const items = (await viewItems('mapreduce')).filter((i) => String(i.sk).startsWith('day#'));
  expect(items.map((i) => [i.pk, i.sk, i.engine, i.day]).sort()).toEqual(
    DAYS.map((d) => ['meta#batch', `day#${d}`, 'mapreduce', d]),
  );
  for (const i of items) {
    const run = mr[DAYS.indexOf(i.day as (typeof DAYS)[number])];
    expect(i.eventCount).toBe(run.summary.curatedRows);
    expect(i.inputObjects).toBe(run.summary.rawObjects);
    expect(i.inputBytes).toBe(run.summary.rawBytes);
  }
});
