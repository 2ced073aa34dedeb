/**
 * Names the MapReduce batch engine shares between its handlers (`lambda/mapreduce`), its construct
 * (`lib/constructs/batch/mapreduce-batch-job.ts`), the offline executor (`local/mapreduce`) and the benchmark.
 * A plain module (no CDK imports), so every side can load it.
 */

/** The engine's name in the batch completion item (`lib/contracts/view-table.json` → `batchCompletion.engines`). */
export const MAPREDUCE_ENGINE = 'mapreduce';

/**
 * Quarantine reason of a valid event found in another day's partition. Not an event-contract rule, so not in
 * `event.ts`: it belongs to the batch layer, and the Spark job names it the same (`REASON_PARTITION_MISMATCH` in
 * `jobs/spark/src/streamlake_spark/transforms.py`; a test holds the two together).
 */
export const PARTITION_MISMATCH = 'partition_mismatch';

/**
 * Scratch space of the engine: a prefix of the analytics bucket that holds each run's plan, work-item lists,
 * shuffle files and staged outputs under `runs/dt=<day>/<runKey>/`. A lifecycle rule expires it; a successful run
 * also deletes its own files.
 */
export const SCRATCH_PREFIX = 'mapreduce/';
/** Days after which scratch objects expire (the backstop for runs that failed or were stopped). */
export const SCRATCH_EXPIRATION_DAYS = 2;

/** Keys inside a run's scratch folder. */
export const RunLayout = {
  plan: 'plan.json',
  mapItems: 'items/map.json',
  eventItems: 'items/reduce-events.json',
  countItems: 'items/reduce-counts.json',
  /** Map output i: round-1 shuffle (keyed by eventId), one file with a segment per reducer. */
  mapOutput: (i: number) => `shuffle/events/m-${pad(i)}.bin`,
  /** Round-1 reducer output p: round-2 shuffle (keyed by contentId, type, minute). */
  eventsOutput: (p: number) => `shuffle/counts/r-${pad(p)}.bin`,
  /** Round-2 reducer output q: the day partials it rolled up and its counts. */
  countsOutput: (q: number) => `shuffle/days/c-${pad(q)}.json`,
  /** Staged lake files, copied into the lake by the commit step. */
  staged: (table: LakeTable, name: string) => `stage/${table}/${name}`,
  /** Where the Distributed Map states write their child results (ResultWriter). */
  results: 'results/',
} as const;

/** The lake tables the engine writes (the Spark job's outputs, `lib/contracts/spark-args.json` → `outputs`). */
export const LAKE_TABLES = [
  'curated_events',
  'quarantine',
  'minute_content_counts',
  'daily_content_counts',
  'top_content',
] as const;
export type LakeTable = (typeof LAKE_TABLES)[number];

/** The run folder of one day's run. */
export function runPrefix(day: string, runKey: string): string {
  return `${SCRATCH_PREFIX}runs/dt=${day}/${runKey}/`;
}

export function pad(n: number): string {
  return String(n).padStart(5, '0');
}

/** Errors the handlers throw on purpose; the state machine routes them to Fail states of the same name. */
export const MapReduceErrors = {
  /** The day's raw partition holds no object (an ingestion problem, not an empty day). */
  noRawPartition: 'NoRawPartition',
  /** The day or one of its objects is over the engine's configured limits: run it on EMR. */
  dayTooLarge: 'DayTooLarge',
  /** The input changed under the run (an object listed by the plan is gone or different). */
  inputChanged: 'InputChanged',
  /** The execution's error when any planned day failed (each day's own error is in its cause). */
  daysFailed: 'MapReduceJobFailed',
} as const;

/** Environment variables of the engine's functions (read once, at cold start). */
export const MapReduceEnv = {
  rawBucket: 'RAW_BUCKET',
  curatedBucket: 'CURATED_BUCKET',
  analyticsBucket: 'ANALYTICS_BUCKET',
  scratchBucket: 'SCRATCH_BUCKET',
  viewTable: 'VIEW_TABLE_NAME',
  mapItemBytes: 'MAP_ITEM_BYTES',
  maxObjectBytes: 'MAX_OBJECT_BYTES',
  maxDayBytes: 'MAX_DAY_BYTES',
  targetFileBytes: 'TARGET_FILE_BYTES',
  eventsPerCountsPartition: 'EVENT_PARTITIONS_PER_COUNT_PARTITION',
  topN: 'TOP_N',
} as const;

/**
 * V8 flags of the engine's functions (NODE_OPTIONS): a larger young generation, because map and reduce tasks allocate
 * millions of short-lived records and the default one makes the scavenger run far more often (measured with
 * `node --cpu-prof` on a round-1 reducer: garbage collection was about a fifth of its time).
 */
export const MAPREDUCE_NODE_OPTIONS = '--max-semi-space-size=64';
/** The same, for a worker thread (`resourceLimits.maxYoungGenerationSizeMb`: about three semi-spaces). */
export const MAPREDUCE_YOUNG_GENERATION_MB = 192;

const MiB = 1024 * 1024;

/**
 * Limits and sizes, with the reasoning in docs/batch.md ("MapReduce engine: limits"). Bytes are the day's raw
 * objects as stored (gzip), which is what a listing can size without reading anything.
 */
export const MAPREDUCE_DEFAULTS = {
  /** Compressed bytes per map work item (objects are never split: gzip is not splittable). */
  mapItemBytes: 128 * MiB,
  /** Largest single raw object a mapper accepts (its shuffle output is held in memory). */
  maxObjectBytes: 256 * MiB,
  /** Largest day the engine runs; above it the run is refused and EMR recommended. */
  maxDayBytes: 100 * 1024 * MiB,
  /** Curated file size target: round-1 reducers = ceil(day bytes / target), the Spark job's `--target-file-mb`. */
  targetFileBytes: 128 * MiB,
  /** Round-2 reducers = ceil(round-1 reducers / this): they only sum per-minute partials. */
  eventPartitionsPerCountPartition: 8,
  /** Rows of top_content, the Spark job's `--top-n`. */
  topN: 10,
  /** Round-2 reducers writing the batch view at once, the Spark job's `--view-writers`. */
  viewWriters: 4,
} as const;
