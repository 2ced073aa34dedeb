import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import planning from '../../lib/contracts/batch-planning.json';
import { createPlannerHandler, type PlannerEvent, type PlannerResult, plannerEnvSchema } from './handler';

// Cold start: a misconfigured function fails here, naming the variable, before it plans anything.
const env = plannerEnvSchema.parse(process.env);
const { namespace, planner: names } = planning.metrics;
const logger = new Logger({ serviceName: names.service });
const metrics = new Metrics({ namespace, serviceName: names.service });

const plan = createPlannerHandler({
  env,
  doc: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  s3: new S3Client({}),
  now: Date.now,
  onPlan: (result) => {
    metrics.addMetric(names.plannedDays, MetricUnit.Count, result.days.length);
    metrics.addMetric(names.lateDataDays, MetricUnit.Count, result.lateData.length);
    metrics.addMetric(names.missingDays, MetricUnit.Count, result.missing.length);
    if (result.lateData.length > 0)
      logger.warn('late data found: re-running those days', { lateData: result.lateData });
    if (result.missing.length > 0)
      logger.warn('days without a completed batch run: re-running them', { missing: result.missing });
    logger.info('batch plan', {
      target: result.target,
      plan: result.plan,
      lookbackDays: result.lookbackDays,
    });
  },
});

/** First state of each batch execution (both engines): which days to run. The logic lives in handler.ts. */
export async function handler(event: PlannerEvent): Promise<PlannerResult> {
  try {
    return await plan(event);
  } finally {
    metrics.publishStoredMetrics();
  }
}
