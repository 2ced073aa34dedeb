/**
 * The engine's steps, each what one Lambda invocation (one state of the state machine) does, over injected storage:
 * plan → map (one call per work item) → reduce events (one per round-1 partition) → reduce counts (one per round-2
 * partition) → finish (commit the staged files into the lake, the day view, the completion item) → clean up.
 *
 * Every task writes only to keys derived from (day, run, its own index), so a retried task overwrites what an
 * earlier attempt wrote; nothing reaches the lake before `finish`, which replaces the day's partitions.
 */
import { createHash } from 'node:crypto';
import { LakePrefixes } from '../../lib/contracts/lake-layout';
import { type LakeTable, MapReduceErrors, RunLayout, runPrefix } from '../../lib/contracts/mapreduce';
import { type MapCounts, mapObjects } from './map';
import { toParquet, toParquetColumns } from './parquet';
import { EngineError, type MapItem, type PlanLimits, planDay } from './plan';
import type { CountRecord, DayPartial, EventRecord, QuarantineRow } from './records';
import { compareText } from './records';
import { dailyCounts, reduceCounts, reduceEvents, topContent } from './reduce';
import { readIndex, readPartition } from './shuffle';
import { type BlobStore, mapLimit, rangeReader } from './store';
import { completionItem, dayItems, minuteItems, type ViewStore } from './views';

export interface EngineConfig {
  readonly rawBucket: string;
  readonly curatedBucket: string;
  readonly analyticsBucket: string;
  /** Holds the runs' scratch space (`lib/contracts/mapreduce.ts` → SCRATCH_PREFIX). */
  readonly scratchBucket: string;
  readonly limits: PlanLimits;
  readonly topN: number;
}

export interface EngineDeps {
  readonly store: BlobStore;
  readonly views: ViewStore;
  readonly now: () => Date;
}

/** What every task of one run is told (small: it travels in the state machine's state). */
export interface RunContext {
  readonly day: string;
  /** The run's id for the completion item: the execution ARN on AWS. */
  readonly runId: string;
  /** The run's folder name in the scratch space (the execution name on AWS). */
  readonly runKey: string;
  readonly mapTasks: number;
  readonly eventPartitions: number;
  readonly countPartitions: number;
  /** `updatedAt` of every batch-view item of the run (the plan's time, as the Spark job uses its start time). */
  readonly updatedAt: string;
}

export interface PlanOutput {
  readonly run: RunContext;
  readonly scratchBucket: string;
  /** The run's folder in the scratch bucket (the Distributed Maps write their results under it). */
  readonly runPrefix: string;
  /** Keys of the work-item lists the Distributed Map states read (JSON arrays). */
  readonly items: { readonly map: string; readonly events: string; readonly counts: string };
  readonly inputBytes: number;
  readonly inputObjects: number;
}

/** The plan as stored in the run folder, for the finish step. */
interface StoredPlan {
  readonly run: RunContext;
  readonly inputListedAt: string;
  readonly inputObjects: number;
  readonly inputBytes: number;
  readonly inputLastModified: string;
}

const JSON_TYPE = 'application/json';
const PARQUET_TYPE = 'application/vnd.apache.parquet';
const BINARY_TYPE = 'application/octet-stream';
/** Concurrent S3 requests of one task (range reads of shuffle segments, copies). */
const IO_CONCURRENCY = 16;

export const isoMillis = (d: Date) => d.toISOString();

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function assertDay(day: string): void {
  if (!DAY.test(day) || new Date(`${day}T00:00:00.000Z`).toISOString().slice(0, 10) !== day)
    throw new Error(`date must be a calendar day yyyy-MM-dd, got ${JSON.stringify(day)}`);
}

/** Where each lake table's day partition lives: bucket and the prefix that holds dt=D/. */
export function lakeRoots(cfg: EngineConfig): Record<LakeTable, { bucket: string; root: string }> {
  return {
    curated_events: { bucket: cfg.curatedBucket, root: LakePrefixes.curatedEvents },
    quarantine: { bucket: cfg.curatedBucket, root: LakePrefixes.quarantine },
    minute_content_counts: {
      bucket: cfg.analyticsBucket,
      root: `${LakePrefixes.analytics}minute_content_counts/`,
    },
    daily_content_counts: {
      bucket: cfg.analyticsBucket,
      root: `${LakePrefixes.analytics}daily_content_counts/`,
    },
    top_content: { bucket: cfg.analyticsBucket, root: `${LakePrefixes.analytics}top_content/` },
  };
}

export async function plan(
  cfg: EngineConfig,
  deps: EngineDeps,
  input: { day: string; runId: string; runKey: string },
): Promise<PlanOutput> {
  assertDay(input.day);
  if (!/^[A-Za-z0-9._-]{1,80}$/.test(input.runKey))
    throw new Error(`runKey must be 1-80 of [A-Za-z0-9._-], got ${JSON.stringify(input.runKey)}`);
  const prefix = `${LakePrefixes.rawEvents}dt=${input.day}/`;
  const listed = await deps.store.list(cfg.rawBucket, prefix);
  const listedAt = isoMillis(deps.now());
  const p = planDay(input.day, `s3://${cfg.rawBucket}/${prefix}`, listed, cfg.limits);
  const run: RunContext = {
    day: input.day,
    runId: input.runId,
    runKey: input.runKey,
    mapTasks: p.mapItems.length,
    eventPartitions: p.eventPartitions,
    countPartitions: p.countPartitions,
    updatedAt: listedAt,
  };
  const folder = runPrefix(input.day, input.runKey);
  const put = (key: string, value: unknown) =>
    deps.store.put(cfg.scratchBucket, folder + key, Buffer.from(JSON.stringify(value)), JSON_TYPE);
  const stored: StoredPlan = {
    run,
    inputListedAt: listedAt,
    inputObjects: p.objects,
    inputBytes: p.bytes,
    inputLastModified: p.lastModified,
  };
  const range = (n: number) => Array.from({ length: n }, (_, i) => ({ partition: i }));
  await Promise.all([
    put(RunLayout.plan, stored),
    put(RunLayout.mapItems, p.mapItems),
    put(RunLayout.eventItems, range(p.eventPartitions)),
    put(RunLayout.countItems, range(p.countPartitions)),
  ]);
  return {
    run,
    scratchBucket: cfg.scratchBucket,
    runPrefix: folder,
    items: {
      map: folder + RunLayout.mapItems,
      events: folder + RunLayout.eventItems,
      counts: folder + RunLayout.countItems,
    },
    inputBytes: p.bytes,
    inputObjects: p.objects,
  };
}

function quarantineOrder(a: QuarantineRow, b: QuarantineRow): number {
  return (
    compareText(a.reason, b.reason) || compareText(a.source_file, b.source_file) || compareText(a.raw, b.raw)
  );
}

export async function map(
  cfg: EngineConfig,
  deps: EngineDeps,
  run: RunContext,
  item: MapItem,
): Promise<{ index: number } & MapCounts> {
  const folder = runPrefix(run.day, run.runKey);
  const result = await mapObjects(
    { day: run.day, rawBucket: cfg.rawBucket, objects: item.objects, eventPartitions: run.eventPartitions },
    (key) => deps.store.open(cfg.rawBucket, key),
  );
  const planned = item.objects.reduce((n, o) => n + o.size, 0);
  if (result.counts.bytes !== planned)
    throw new EngineError(
      MapReduceErrors.inputChanged,
      `map item ${item.index} read ${result.counts.bytes} bytes where the plan listed ${planned}: a raw object changed during the run; re-run the day`,
    );
  await deps.store.put(
    cfg.scratchBucket,
    folder + RunLayout.mapOutput(item.index),
    result.shuffle,
    BINARY_TYPE,
  );
  if (result.quarantine.length > 0) {
    const rows = [...result.quarantine].sort(quarantineOrder);
    const key = RunLayout.staged('quarantine', `part-m${String(item.index).padStart(5, '0')}.parquet`);
    await deps.store.put(cfg.scratchBucket, folder + key, toParquet('quarantine', rows), PARQUET_TYPE);
  }
  return { index: item.index, ...result.counts };
}

const part = (p: number) => `part-${String(p).padStart(5, '0')}.parquet`;

export async function reduceEventsTask(
  cfg: EngineConfig,
  deps: EngineDeps,
  run: RunContext,
  partition: number,
): Promise<{ partition: number; input: number; curated: number; partials: number }> {
  const folder = runPrefix(run.day, run.runKey);
  const inputs = await mapLimit(
    Array.from({ length: run.mapTasks }, (_, i) => i),
    IO_CONCURRENCY,
    async (i) => {
      const key = folder + RunLayout.mapOutput(i);
      return (
        await readPartition<EventRecord, MapCounts>(
          rangeReader(deps.store, cfg.scratchBucket, key),
          partition,
          key,
        )
      ).records;
    },
  );
  const out = reduceEvents(inputs, run.countPartitions);
  if (out.counts.curated > 0) {
    const key = folder + RunLayout.staged('curated_events', part(partition));
    await deps.store.put(
      cfg.scratchBucket,
      key,
      toParquetColumns('curated_events', out.curated),
      PARQUET_TYPE,
    );
  }
  await deps.store.put(
    cfg.scratchBucket,
    folder + RunLayout.eventsOutput(partition),
    out.shuffle,
    BINARY_TYPE,
  );
  return { partition, ...out.counts };
}

interface CountsOutput {
  readonly minuteRows: number;
  readonly dayPartials: DayPartial[];
}

export async function reduceCountsTask(
  cfg: EngineConfig,
  deps: EngineDeps,
  run: RunContext,
  partition: number,
): Promise<{ partition: number; minuteRows: number; viewItems: number }> {
  const folder = runPrefix(run.day, run.runKey);
  const inputs = await mapLimit(
    Array.from({ length: run.eventPartitions }, (_, i) => i),
    IO_CONCURRENCY,
    async (i) => {
      const key = folder + RunLayout.eventsOutput(i);
      return (
        await readPartition<CountRecord, unknown>(
          rangeReader(deps.store, cfg.scratchBucket, key),
          partition,
          key,
        )
      ).records;
    },
  );
  const out = reduceCounts(inputs);
  if (out.minutes.length > 0) {
    const key = folder + RunLayout.staged('minute_content_counts', part(partition));
    await deps.store.put(
      cfg.scratchBucket,
      key,
      toParquet('minute_content_counts', out.minutes),
      PARQUET_TYPE,
    );
  }
  // Every partial of a minute key lands in this partition, so these are the keys' exact totals.
  const items = minuteItems(out.minutes, run.updatedAt);
  await deps.views.put(items);
  const result: CountsOutput = { minuteRows: out.minutes.length, dayPartials: out.dayPartials };
  await deps.store.put(
    cfg.scratchBucket,
    folder + RunLayout.countsOutput(partition),
    Buffer.from(JSON.stringify(result)),
    JSON_TYPE,
  );
  return { partition, minuteRows: out.minutes.length, viewItems: items.length };
}

export interface FinishOutput {
  readonly day: string;
  readonly runId: string;
  readonly rawBytes: number;
  readonly rawObjects: number;
  readonly rawRows: number;
  readonly quarantinedRows: number;
  readonly curatedRows: number;
  readonly minuteRows: number;
  readonly viewItems: number;
  readonly published: Record<LakeTable, number>;
}

export async function finish(cfg: EngineConfig, deps: EngineDeps, run: RunContext): Promise<FinishOutput> {
  const folder = runPrefix(run.day, run.runKey);
  const { store } = deps;
  const scratch = cfg.scratchBucket;
  const stored = JSON.parse(
    (await store.get(scratch, folder + RunLayout.plan)).toString('utf8'),
  ) as StoredPlan;
  const counts = await mapLimit(
    Array.from({ length: run.countPartitions }, (_, q) => q),
    IO_CONCURRENCY,
    async (q) =>
      JSON.parse((await store.get(scratch, folder + RunLayout.countsOutput(q))).toString()) as CountsOutput,
  );
  const metaOf = async <M>(keys: string[]) =>
    mapLimit(
      keys,
      IO_CONCURRENCY,
      async (key) => (await readIndex<M>(rangeReader(store, scratch, key), key)).meta,
    );
  const mapMeta = await metaOf<MapCounts>(
    Array.from({ length: run.mapTasks }, (_, i) => folder + RunLayout.mapOutput(i)),
  );
  const eventMeta = await metaOf<{ curated: number }>(
    Array.from({ length: run.eventPartitions }, (_, p) => folder + RunLayout.eventsOutput(p)),
  );
  const daily = dailyCounts(
    run.day,
    counts.map((c) => c.dayPartials),
  );
  if (daily.length > 0) {
    await store.put(
      scratch,
      folder + RunLayout.staged('daily_content_counts', part(0)),
      toParquet('daily_content_counts', daily),
      PARQUET_TYPE,
    );
    const top = topContent(daily, cfg.topN);
    await store.put(
      scratch,
      folder + RunLayout.staged('top_content', part(0)),
      toParquet('top_content', top),
      PARQUET_TYPE,
    );
  }
  const published = await commit(cfg, deps, run);
  const dayViewItems = dayItems(daily, run.updatedAt);
  await deps.views.put(dayViewItems);
  const curatedRows = eventMeta.reduce((n, m) => n + m.curated, 0);
  // Last: the serving layer reads the day from the batch view only once this item exists.
  await deps.views.putOne(
    completionItem({
      day: run.day,
      completedAt: isoMillis(deps.now()),
      runId: run.runId,
      inputListedAt: stored.inputListedAt,
      inputObjects: stored.inputObjects,
      inputBytes: stored.inputBytes,
      inputLastModified: stored.inputLastModified,
      events: curatedRows,
    }),
  );
  const minuteRows = counts.reduce((n, c) => n + c.minuteRows, 0);
  return {
    day: run.day,
    runId: run.runId,
    rawBytes: stored.inputBytes,
    rawObjects: stored.inputObjects,
    rawRows: mapMeta.reduce((n, m) => n + m.lines, 0),
    quarantinedRows: mapMeta.reduce((n, m) => n + m.quarantined, 0),
    curatedRows,
    minuteRows,
    viewItems: minuteRows + dayViewItems.length,
    published,
  };
}

/** A short, stable tag of the run for published file names (which run wrote a file, at a glance). */
export function runTag(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 12);
}

/**
 * Replaces each table's day partition with the run's staged files, as the Spark job's dynamic partition overwrite
 * does: first the files of earlier runs (either engine) are deleted, then the staged files are copied in. A table
 * with no staged file ends with no partition (an empty output deletes it). Repeating the commit (a retry) gives the
 * same partition: the names it writes are fixed by the run.
 */
async function commit(
  cfg: EngineConfig,
  deps: EngineDeps,
  run: RunContext,
): Promise<Record<LakeTable, number>> {
  const folder = runPrefix(run.day, run.runKey);
  const tag = runTag(run.runId);
  const roots = lakeRoots(cfg);
  const published = {} as Record<LakeTable, number>;
  for (const table of Object.keys(roots) as LakeTable[]) {
    const { bucket, root } = roots[table];
    const stagedPrefix = folder + RunLayout.staged(table, '');
    const staged = await deps.store.list(cfg.scratchBucket, stagedPrefix);
    const target = `${root}dt=${run.day}/`;
    const names = staged.map((s) => ({
      from: s.key,
      to: `${target}${s.key.slice(stagedPrefix.length).replace(/\.parquet$/, '')}-${tag}.snappy.parquet`,
    }));
    const keep = new Set(names.map((n) => n.to));
    const old = (await deps.store.list(bucket, target)).map((o) => o.key).filter((k) => !keep.has(k));
    await deps.store.deleteMany(bucket, old);
    await mapLimit(names, IO_CONCURRENCY, (n) =>
      deps.store.copy({ bucket: cfg.scratchBucket, key: n.from }, { bucket, key: n.to }),
    );
    published[table] = names.length;
  }
  return published;
}

/** Deletes the run's scratch folder (the lifecycle rule is the backstop when this never runs). */
export async function cleanup(
  cfg: EngineConfig,
  deps: EngineDeps,
  run: RunContext,
): Promise<{ deleted: number }> {
  const keys = (await deps.store.list(cfg.scratchBucket, runPrefix(run.day, run.runKey))).map((o) => o.key);
  await deps.store.deleteMany(cfg.scratchBucket, keys);
  return { deleted: keys.length };
}
