import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandlers } from '../../../lambda/mapreduce/handlers';
import type { EngineConfig } from '../../../lambda/mapreduce/phases';
import { MAPREDUCE_DEFAULTS } from '../../../lib/contracts/mapreduce';
import { executeDay, type MapReduceDayResult } from '../../../local/mapreduce/executor';
import { FsBlobStore } from '../../../local/mapreduce/fs-store';
import { expectedDay, expectedMinute, fixtureLines, malformedLines } from '../../fixtures/fixtures';
import { layOut, MemoryViews, type Row, readTable } from './lake';

const DAYS = ['2026-11-20', '2026-11-21'] as const;
const NOW = new Date('2026-11-22T01:00:00.000Z');
const B = { raw: 'raw', curated: 'curated', analytics: 'analytics' };

interface Lake {
  dir: string;
  store: FsBlobStore;
  views: MemoryViews;
  placed: Map<number, string>;
  results: MapReduceDayResult[];
  config: EngineConfig;
}

/** Small limits, so the fixtures go through several map items and several reducers of each round. */
const config: EngineConfig = {
  rawBucket: B.raw,
  curatedBucket: B.curated,
  analyticsBucket: B.analytics,
  scratchBucket: B.analytics,
  topN: 3,
  limits: {
    ...MAPREDUCE_DEFAULTS,
    mapItemBytes: 4_000,
    targetFileBytes: 5_000,
    eventPartitionsPerCountPartition: 2,
  },
};

async function runDays(lake: Lake, runKey: string): Promise<MapReduceDayResult[]> {
  const handlers = createHandlers(lake.config, { store: lake.store, views: lake.views, now: () => NOW });
  const out: MapReduceDayResult[] = [];
  for (const day of DAYS)
    out.push(await executeDay(handlers, lake.store, { day, concurrency: 3, runKey: `${runKey}-${day}` }));
  return out;
}

async function makeLake(): Promise<Lake> {
  const dir = mkdtempSync(join(tmpdir(), 'sl-mr-golden-'));
  const store = new FsBlobStore(dir);
  const placed = await layOut(store, B.raw, fixtureLines(), 60);
  const lake: Lake = { dir, store, views: new MemoryViews(), placed, results: [], config };
  lake.results = await runDays(lake, 'golden');
  return lake;
}

const rowsOf = async (lake: Lake, bucket: string, prefix: string) =>
  (await readTable(lake.store, bucket, prefix)).flatMap((f) => f.rows);
const num = (v: unknown) => Number(v);

let lake: Lake;
beforeAll(async () => {
  lake = await makeLake();
});
afterAll(() => rmSync(lake.dir, { recursive: true, force: true }));

test('the fixtures went through several map tasks and several reducers of each round', () => {
  const run = lake.results[0];
  const tasks = Object.fromEntries(run.phases.map((p) => [p.phase, p.tasks]));
  expect(tasks.map).toBeGreaterThan(1);
  expect(tasks['reduce-events']).toBeGreaterThan(1);
  expect(tasks['reduce-counts']).toBeGreaterThan(1);
});

describe.each(DAYS)('day %s equals the independent reference', (day) => {
  test('daily_content_counts = expected-day.json', async () => {
    const rows = await rowsOf(lake, B.analytics, `analytics/daily_content_counts/dt=${day}/`);
    const got = rows.map((r) => [r.content_id, r.type, r.day, num(r.event_count), num(r.watch_seconds)]);
    const want = expectedDay()
      .filter((r) => r.day === day)
      .map((r) => [r.contentId, r.type, r.day, r.count, r.watchSeconds]);
    expect(got.sort()).toEqual(want.sort());
    expect(want.length).toBeGreaterThan(0);
  });

  test('minute_content_counts = expected-minute.json', async () => {
    const rows = await rowsOf(lake, B.analytics, `analytics/minute_content_counts/dt=${day}/`);
    const got = rows.map((r) => [r.content_id, r.type, r.minute, num(r.event_count), num(r.watch_seconds)]);
    const want = expectedMinute()
      .filter((r) => r.minute.startsWith(day))
      .map((r) => [r.contentId, r.type, r.minute, r.count, r.watchSeconds]);
    expect(got.sort()).toEqual(want.sort());
  });

  test('curated holds each valid event once', async () => {
    const rows = await rowsOf(lake, B.curated, `curated/events/dt=${day}/`);
    const ids = rows.map((r) => String(r.event_id));
    expect(new Set(ids).size).toBe(ids.length);
    const total = expectedDay()
      .filter((r) => r.day === day)
      .reduce((n, r) => n + r.count, 0);
    expect(ids.length).toBe(total);
    const summary = lake.results[DAYS.indexOf(day)].summary;
    expect(summary.curatedRows).toBe(total);
  });

  test('quarantine holds each malformed line placed on the day, with its reason', async () => {
    const lines = fixtureLines();
    const want = malformedLines()
      .filter((m) => lake.placed.get(m.line) === day)
      .map((m) => [m.reason, lines[m.line - 1].toString('utf8')]);
    const rows = await rowsOf(lake, B.curated, `quarantine/dt=${day}/`);
    expect(rows.map((r) => [r.reason, r.raw]).sort()).toEqual(want.sort());
    expect(want.length).toBeGreaterThan(0);
    for (const r of rows)
      expect(String(r.source_file)).toMatch(new RegExp(`^s3://raw/raw/events/dt=${day}/hour=\\d\\d/`));
  });

  test('the batch view holds the exact minute and day totals', () => {
    const items = [...lake.views.items.values()].filter(
      (i) => String(i.pk).startsWith('batch#') && String(i.sk).slice(2, 12) === day,
    );
    const got = items.map((i) => [i.pk, i.sk, i.eventCount, i.watchSeconds, i.bucketStart, i.updatedAt]);
    const at = NOW.toISOString();
    const want = [
      ...expectedMinute()
        .filter((r) => r.minute.startsWith(day))
        .map((r) => [
          `batch#${r.contentId}#${r.type}`,
          `m#${r.minute}`,
          r.count,
          r.watchSeconds,
          `${r.minute}:00.000Z`,
          at,
        ]),
      ...expectedDay()
        .filter((r) => r.day === day)
        .map((r) => [
          `batch#${r.contentId}#${r.type}`,
          `d#${r.day}`,
          r.count,
          r.watchSeconds,
          `${r.day}T00:00:00.000Z`,
          at,
        ]),
    ];
    expect(got.sort()).toEqual(want.sort());
  });

  test('the completion item is written last, per the contract', () => {
    const key = `meta#batch|day#${day}`;
    const item = lake.views.items.get(key);
    const total = expectedDay()
      .filter((r) => r.day === day)
      .reduce((n, r) => n + r.count, 0);
    expect(item).toEqual({
      pk: 'meta#batch',
      sk: `day#${day}`,
      day,
      completedAt: NOW.toISOString(),
      engine: 'mapreduce',
      runId: `local:golden-${day}`,
      inputListedAt: NOW.toISOString(),
      inputObjects: expect.any(Number),
      inputBytes: expect.any(Number),
      inputLastModified: expect.stringMatching(/Z$/),
      eventCount: total,
    });
    const order = lake.views.order;
    const lastOfDay = order.filter((k) => k.includes(day)).pop();
    expect(lastOfDay).toBe(key);
  });
});

test('top_content ranks the day by events, ties by watch time then id', async () => {
  const rows = await rowsOf(lake, B.analytics, `analytics/top_content/dt=${DAYS[0]}/`);
  const per = new Map<string, number>();
  for (const r of expectedDay().filter((d) => d.day === DAYS[0]))
    per.set(r.contentId, (per.get(r.contentId) ?? 0) + r.count);
  const want = [...per.values()].sort((a, b) => b - a).slice(0, 3);
  const got = rows.sort((a, b) => num(a.rank) - num(b.rank));
  expect(got.map((r) => num(r.rank))).toEqual([1, 2, 3]);
  expect(got.map((r) => num(r.event_count))).toEqual(want);
});

test('every curated file is sorted by content_id, type, occurred_at, event_id', async () => {
  const files = await readTable(lake.store, B.curated, 'curated/events/');
  expect(files.length).toBeGreaterThan(2);
  for (const f of files) {
    const keys = f.rows.map((r: Row) => [
      r.content_id,
      r.type,
      (r.occurred_at as Date).getTime(),
      r.event_id,
    ]);
    const sorted = [...keys].sort((a, b) => {
      for (let i = 0; i < 4; i++)
        if (a[i] !== b[i]) return (a[i] as string | number) < (b[i] as string | number) ? -1 : 1;
      return 0;
    });
    expect(keys).toEqual(sorted);
  }
});

test('a re-run replaces every day partition and leaves no scratch behind', async () => {
  const before = await rowsOf(lake, B.curated, `curated/events/dt=${DAYS[0]}/`);
  await runDays(lake, 'rerun');
  const files = (await lake.store.list(B.curated, `curated/events/dt=${DAYS[0]}/`)).map((o) => o.key);
  const after = await rowsOf(lake, B.curated, `curated/events/dt=${DAYS[0]}/`);
  expect(after.map((r) => r.event_id).sort()).toEqual(before.map((r) => r.event_id).sort());
  const tags = new Set(files.map((f) => f.replace(/^.*-([0-9a-f]{12})\.snappy\.parquet$/, '$1')));
  expect(tags.size).toBe(1);
  expect(await lake.store.list(B.analytics, 'mapreduce/')).toEqual([]);
});
