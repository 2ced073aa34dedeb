/**
 * The engine's Lambda handlers, built by a factory from their configuration and clients, so the offline executor
 * (`local/mapreduce`) and the tests run exactly what is deployed without touching `process.env`. Event shapes are
 * what the state machine passes (`lib/constructs/batch/mapreduce-batch-job.ts`).
 */
import { z } from 'zod';
import {
  cleanup,
  type EngineConfig,
  type EngineDeps,
  type FinishOutput,
  finish,
  map,
  type PlanOutput,
  plan,
  reduceCountsTask,
  reduceEventsTask,
} from './phases';
import type { MapItem } from './plan';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const count = z.number().int().min(1);
const runSchema = z.object({
  day,
  runId: z.string().min(1),
  runKey: z.string().min(1),
  mapTasks: count,
  eventPartitions: count,
  countPartitions: count,
  updatedAt: z.string().min(1),
});
const planEvent = z.object({ date: day, runId: z.string().min(1), runKey: z.string().min(1) });
const mapEvent = z.object({
  run: runSchema,
  item: z.object({
    index: z.number().int().min(0),
    objects: z
      .array(
        z.object({ key: z.string().min(1), ordinal: z.number().int().min(0), size: z.number().int().min(0) }),
      )
      .min(1),
  }),
});
const partitionEvent = z.object({ run: runSchema, item: z.object({ partition: z.number().int().min(0) }) });
const runEvent = z.object({ run: runSchema });

function parse<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const r = schema.safeParse(event);
  if (!r.success)
    throw new Error(
      `${what}: bad event: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

function inRange(partition: number, of: number, what: string): void {
  if (partition >= of)
    throw new Error(`${what}: partition ${partition} is outside the run's ${of} partitions`);
}

export interface MapReduceHandlers {
  plan(event: unknown): Promise<PlanOutput>;
  map(event: unknown): Promise<Awaited<ReturnType<typeof map>>>;
  reduceEvents(event: unknown): Promise<Awaited<ReturnType<typeof reduceEventsTask>>>;
  reduceCounts(event: unknown): Promise<Awaited<ReturnType<typeof reduceCountsTask>>>;
  finish(event: unknown): Promise<FinishOutput>;
  cleanup(event: unknown): Promise<{ deleted: number }>;
}

export function createHandlers(cfg: EngineConfig, deps: EngineDeps): MapReduceHandlers {
  return {
    plan: async (event) => {
      const e = parse(planEvent, event, 'plan');
      return plan(cfg, deps, { day: e.date, runId: e.runId, runKey: e.runKey });
    },
    map: async (event) => {
      const e = parse(mapEvent, event, 'map');
      if (e.item.index >= e.run.mapTasks)
        throw new Error(`map: item ${e.item.index} is outside the run's ${e.run.mapTasks} items`);
      return map(cfg, deps, e.run, e.item as MapItem);
    },
    reduceEvents: async (event) => {
      const e = parse(partitionEvent, event, 'reduceEvents');
      inRange(e.item.partition, e.run.eventPartitions, 'reduceEvents');
      return reduceEventsTask(cfg, deps, e.run, e.item.partition);
    },
    reduceCounts: async (event) => {
      const e = parse(partitionEvent, event, 'reduceCounts');
      inRange(e.item.partition, e.run.countPartitions, 'reduceCounts');
      return reduceCountsTask(cfg, deps, e.run, e.item.partition);
    },
    finish: async (event) => finish(cfg, deps, parse(runEvent, event, 'finish').run),
    cleanup: async (event) => cleanup(cfg, deps, parse(runEvent, event, 'cleanup').run),
  };
}
