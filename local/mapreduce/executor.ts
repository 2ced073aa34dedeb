/**
 * Runs one day through the MapReduce engine's handlers the way its state machine does: plan, then each phase's work
 * items (read back from the item lists the plan wrote, as the Distributed Map's ItemReader does) with bounded
 * concurrency and retries, then finish and clean up. Returns the finish summary and each phase's timing.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHandlers, type MapReduceHandlers } from '../../lambda/mapreduce/handlers';
import type { EngineConfig, FinishOutput, PlanOutput } from '../../lambda/mapreduce/phases';
import { type BlobStore, mapLimit, S3BlobStore } from '../../lambda/mapreduce/store';
import { DynamoViewStore, type ViewStore } from '../../lambda/mapreduce/views';
import { MAPREDUCE_DEFAULTS, MapReduceErrors } from '../../lib/contracts/mapreduce';

export type PhaseName = 'plan' | 'map' | 'reduce-events' | 'reduce-counts' | 'finish' | 'cleanup';

export interface PhaseTiming {
  readonly phase: PhaseName;
  readonly tasks: number;
  /** Invocations including retries. */
  readonly attempts: number;
  readonly seconds: number;
}

export interface MapReduceDayResult {
  readonly runId: string;
  readonly summary: FinishOutput;
  readonly phases: PhaseTiming[];
}

export interface ExecuteOptions {
  readonly day: string;
  /** Tasks of one phase in flight at once (the Distributed Map's MaxConcurrency). */
  readonly concurrency: number;
  /** Round-2 tasks in flight at once (they write the batch view). @default MAPREDUCE_DEFAULTS.viewWriters */
  readonly viewWriters?: number;
  /** Retries of a failed task (the state machine's Retry). @default 2 */
  readonly retries?: number;
  /** @default `local-<day>-<time>` */
  readonly runKey?: string;
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Errors the state machine does not retry (they go straight to a Fail state). */
const FINAL_ERRORS = new Set<string>(Object.values(MapReduceErrors));

async function withRetries<T>(
  what: string,
  retries: number,
  sleep: (ms: number) => Promise<void>,
  count: () => void,
  fn: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    count();
    try {
      return await fn();
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      if (attempt >= retries || FINAL_ERRORS.has(name)) {
        if (err instanceof Error) err.message = `${what}: ${err.message}`;
        throw err;
      }
      await sleep(200 * 2 ** attempt);
    }
  }
}

/** The state machine's steps over any handlers and the store holding the scratch space. */
export async function executeDay(
  handlers: MapReduceHandlers,
  store: BlobStore,
  o: ExecuteOptions,
): Promise<MapReduceDayResult> {
  const retries = o.retries ?? 2;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = o.log ?? (() => {});
  const runKey = o.runKey ?? `local-${o.day}-${Date.now()}`;
  const runId = `local:${runKey}`;
  const phases: PhaseTiming[] = [];
  const timed = async <T>(
    phase: PhaseName,
    tasks: number,
    fn: (count: () => void) => Promise<T>,
  ): Promise<T> => {
    let attempts = 0;
    const start = process.hrtime.bigint();
    const out = await fn(() => attempts++);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    phases.push({ phase, tasks, attempts, seconds });
    log(`${phase}: ${tasks} task(s), ${attempts} invocation(s), ${seconds.toFixed(2)} s`);
    return out;
  };
  const items = async <T>(bucket: string, key: string) =>
    JSON.parse((await store.get(bucket, key)).toString()) as T[];
  const each = async <T>(phase: PhaseName, list: T[], limit: number, call: (item: T) => Promise<unknown>) =>
    timed(phase, list.length, (count) =>
      mapLimit(list, limit, (item, i) =>
        withRetries(`${phase} item ${i}`, retries, sleep, count, () => call(item)),
      ),
    );

  const planned: PlanOutput = await timed('plan', 1, (count) =>
    withRetries('plan', retries, sleep, count, () => handlers.plan({ date: o.day, runId, runKey })),
  );
  const { run, scratchBucket } = planned;
  log(
    `plan: ${planned.inputObjects} object(s), ${planned.inputBytes} B → ${run.mapTasks} map task(s), ${run.eventPartitions} + ${run.countPartitions} reducers`,
  );
  await each('map', await items(scratchBucket, planned.items.map), o.concurrency, (item) =>
    handlers.map({ run, item }),
  );
  await each('reduce-events', await items(scratchBucket, planned.items.events), o.concurrency, (item) =>
    handlers.reduceEvents({ run, item }),
  );
  await each(
    'reduce-counts',
    await items(scratchBucket, planned.items.counts),
    o.viewWriters ?? MAPREDUCE_DEFAULTS.viewWriters,
    (item) => handlers.reduceCounts({ run, item }),
  );
  const summary = await timed('finish', 1, (count) =>
    withRetries('finish', retries, sleep, count, () => handlers.finish({ run })),
  );
  await timed('cleanup', 1, (count) =>
    withRetries('cleanup', retries, sleep, count, () => handlers.cleanup({ run })),
  );
  return { runId, summary, phases };
}

export interface RunMapReduceDayOptions extends ExecuteOptions {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly buckets: { readonly raw: string; readonly curated: string; readonly analytics: string };
  /** The views table. */
  readonly table: string;
  /** Where scratch space lives. @default buckets.analytics (as deployed) */
  readonly scratchBucket?: string;
  /** Overrides of the engine's limits (e.g. smaller items to exercise several map tasks offline). */
  readonly limits?: Partial<EngineConfig['limits']>;
  readonly topN?: number;
  readonly now?: () => Date;
}

/** One day on the S3 and DynamoDB the clients point at (moto and dynalite offline). */
export async function runMapReduceDay(o: RunMapReduceDayOptions): Promise<MapReduceDayResult> {
  const store = new S3BlobStore(o.s3);
  const config: EngineConfig = {
    rawBucket: o.buckets.raw,
    curatedBucket: o.buckets.curated,
    analyticsBucket: o.buckets.analytics,
    scratchBucket: o.scratchBucket ?? o.buckets.analytics,
    topN: o.topN ?? MAPREDUCE_DEFAULTS.topN,
    limits: { ...MAPREDUCE_DEFAULTS, ...o.limits },
  };
  const views: ViewStore = new DynamoViewStore(DynamoDBDocumentClient.from(o.dynamodb), o.table);
  const handlers = createHandlers(config, { store, views, now: o.now ?? (() => new Date()) });
  return executeDay(handlers, store, o);
}
