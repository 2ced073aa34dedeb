import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import viewTable from '../../lib/contracts/view-table.json';
import { DEADLINE_METRIC, daysBehind, expectedDay } from './check';

const env = z
  .object({ VIEW_TABLE_NAME: z.string().min(3), SCHEDULE_LAG_HOURS: z.coerce.number().int().min(1).max(23) })
  .parse(process.env);
const logger = new Logger({ serviceName: DEADLINE_METRIC.service });
const metrics = new Metrics({ namespace: DEADLINE_METRIC.namespace, serviceName: DEADLINE_METRIC.service });
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** Run by EventBridge Scheduler at the deadline with `{"scheduledTime": "<aws.scheduler.scheduled-time>"}`. */
export async function handler(event: {
  scheduledTime?: string;
}): Promise<{ expected: string; daysBehind: number }> {
  const expected = expectedDay(event.scheduledTime ?? new Date().toISOString(), env.SCHEDULE_LAG_HOURS);
  const { pk, sk, attribute } = viewTable.batchWatermark;
  const item = await documents.send(
    new GetCommand({
      TableName: env.VIEW_TABLE_NAME,
      Key: { [viewTable.partitionKey]: pk, [viewTable.sortKey]: sk },
      ConsistentRead: true,
    }),
  );
  const last = item.Item?.[attribute];
  const behind = daysBehind(expected, last);
  if (behind > 0)
    logger.warn('batch is behind its deadline', { expected, lastCompletedDay: last, daysBehind: behind });
  else logger.info('batch is on time', { expected, lastCompletedDay: last });
  metrics.addMetric(DEADLINE_METRIC.name, MetricUnit.Count, behind);
  metrics.publishStoredMetrics();
  return { expected, daysBehind: behind };
}
