import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The handler's environment, validated once at cold start: a misconfigured function fails loudly, not per request. */
export const envSchema = z.discriminatedUnion('ARCHITECTURE', [
  z.object({
    ARCHITECTURE: z.literal('lambda'),
    SPEED_ENGINE: z.enum(['lambda', 'flink']),
    VIEW_TABLE_NAME: z.string().min(3),
    VIEW_VERSION_PARAMETER: z.string().startsWith('/'),
    MAX_RANGE_DAYS: int(1, 366),
    DAY_SETTLE_MINUTES: int(0, 10_080).default(0),
  }),
  z.object({
    ARCHITECTURE: z.literal('kappa'),
    SPEED_ENGINE: z.literal('flink'),
    VIEW_TABLE_NAME: z.string().min(3),
    VIEW_VERSION_PARAMETER: z.string().startsWith('/'),
    MAX_RANGE_DAYS: int(1, 366),
    DAY_SETTLE_MINUTES: int(0, 10_080).default(0),
  }),
]);

export type ServingEnv = z.output<typeof envSchema>;

export function parseEnv(env: NodeJS.ProcessEnv): ServingEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'ARCHITECTURE'}: ${i.message}`);
    throw new Error(`query-api environment is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}
