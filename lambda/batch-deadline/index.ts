import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import planning from '../../lib/contracts/batch-planning.json';
import { createDeadlineHandler, type DeadlineResult, deadlineEnvSchema } from './handler';

// Cold start: a misconfigured function fails here, naming the variable.
const env = deadlineEnvSchema.parse(process.env);
const { namespace, deadline: names } = planning.metrics;
const logger = new Logger({ serviceName: names.service });
const metrics = new Metrics({ namespace, serviceName: names.service });

const check = createDeadlineHandler({
  env,
  doc: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  s3: new S3Client({}),
  now: Date.now,
  onResult: (result) => {
    metrics.addMetric(names.daysMissing, MetricUnit.Count, result.missing.length);
    if (result.missing.length > 0)
      logger.warn('days past their deadline without a completed batch run', { ...result });
    else logger.info('every day of the window has a completed batch run', { ...result });
  },
});

/** The deadline check; the logic lives in handler.ts and check.ts. */
export async function handler(event: { scheduledTime?: string }): Promise<DeadlineResult> {
  try {
    return await check(event);
  } finally {
    metrics.publishStoredMetrics();
  }
}
