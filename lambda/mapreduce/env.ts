import { z } from 'zod';
import { MAPREDUCE_DEFAULTS, MapReduceEnv } from '../../lib/contracts/mapreduce';
import type { EngineConfig } from './phases';

const bytes = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const E = MapReduceEnv;
const D = MAPREDUCE_DEFAULTS;

/** The functions' environment (set by the construct); every function gets the same keys. */
export const engineEnvSchema = z.object({
  [E.rawBucket]: z.string().min(3),
  [E.curatedBucket]: z.string().min(3),
  [E.analyticsBucket]: z.string().min(3),
  [E.scratchBucket]: z.string().min(3),
  [E.viewTable]: z.string().min(3),
  [E.mapItemBytes]: bytes(D.mapItemBytes),
  [E.maxObjectBytes]: bytes(D.maxObjectBytes),
  [E.maxDayBytes]: bytes(D.maxDayBytes),
  [E.targetFileBytes]: bytes(D.targetFileBytes),
  [E.eventsPerCountsPartition]: bytes(D.eventPartitionsPerCountPartition),
  [E.topN]: z.coerce.number().int().min(1).default(D.topN),
});

/** Reads the environment once, at cold start; the message names every bad key. */
export function parseEngineEnv(env: NodeJS.ProcessEnv): { config: EngineConfig; viewTable: string } {
  const parsed = engineEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
    );
    throw new Error(`mapreduce environment is invalid: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    viewTable: e[E.viewTable],
    config: {
      rawBucket: e[E.rawBucket],
      curatedBucket: e[E.curatedBucket],
      analyticsBucket: e[E.analyticsBucket],
      scratchBucket: e[E.scratchBucket],
      topN: e[E.topN],
      limits: {
        mapItemBytes: e[E.mapItemBytes],
        maxObjectBytes: e[E.maxObjectBytes],
        maxDayBytes: e[E.maxDayBytes],
        targetFileBytes: e[E.targetFileBytes],
        eventPartitionsPerCountPartition: e[E.eventsPerCountsPartition],
      },
    },
  };
}
