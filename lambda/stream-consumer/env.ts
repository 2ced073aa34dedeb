import { z } from 'zod';
import viewTable from '../../lib/contracts/view-table.json';
import { DEFAULT_WRITE_CONCURRENCY } from './process-batch';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Runtime configuration of the consumer; README.md's table lists the same keys and defaults (a test checks it). */
export const consumerEnvSchema = z.object({
  VIEW_TABLE_NAME: z.string().min(3),
  DEAD_LETTER_QUEUE_URL: z.url(),
  SPEED_TTL_DAYS: int(1, 3650).default(viewTable.speedRowTtlDays),
  WRITE_CONCURRENCY: int(1, 100).default(DEFAULT_WRITE_CONCURRENCY),
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default('stream-consumer'),
  POWERTOOLS_METRICS_NAMESPACE: z.string().min(1).default('streamlake'),
});

export type ConsumerEnv = z.output<typeof consumerEnvSchema>;

/** Validates the environment once, at cold start; the message names every bad key and what is allowed. */
export function parseConsumerEnv(env: NodeJS.ProcessEnv): ConsumerEnv {
  const parsed = consumerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = i.path.join('.');
      return `${key}=${JSON.stringify(env[key])}: ${i.message}`;
    });
    throw new Error(`stream-consumer environment is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}
