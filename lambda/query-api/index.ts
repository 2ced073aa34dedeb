import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handleRequest, internalError } from './api';
import { parseEnv } from './env';
import { ViewVersion } from './version';
import { DynamoViewsReader } from './views';

// Cold start: validate the environment and build the clients once.
const env = parseEnv(process.env);
const logger = new Logger({ serviceName: 'query-api' });
const metrics = new Metrics({ namespace: 'streamlake', serviceName: 'query-api' });
const reader = new DynamoViewsReader(
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  env.VIEW_TABLE_NAME,
);
const viewVersion = new ViewVersion(new SSMClient({}), env.VIEW_VERSION_PARAMETER);

/** `GET /metrics` behind an IAM-authorized HTTP API. The logic lives in api.ts. */
export async function handler(
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  metrics.captureColdStartMetric();
  try {
    const response = await handleRequest(event, {
      env,
      reader,
      flinkView: () => viewVersion.current(),
      now: Date.now,
      onServed: (s) => {
        metrics.addMetric('PointsServedBatch', MetricUnit.Count, s.batchPoints);
        metrics.addMetric('PointsServedSpeed', MetricUnit.Count, s.speedPoints);
        metrics.addMetric('ViewQueries', MetricUnit.Count, s.queries);
      },
    });
    if (response.statusCode === 400) {
      metrics.addMetric('BadRequests', MetricUnit.Count, 1);
      logger.info('bad request', { query: event.queryStringParameters, body: response.body });
    }
    return response;
  } catch (error) {
    logger.error('query failed', error as Error);
    metrics.addMetric('QueryErrors', MetricUnit.Count, 1);
    return internalError(context.awsRequestId);
  } finally {
    metrics.publishStoredMetrics();
  }
}
