/**
 * The query API's wiring as a factory: configuration in, handler out, no module state and no environment read here
 * (index.ts is the Lambda entry point that reads it). The offline runtime (local/) and the tests call it directly.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handleRequest, internalError } from './api';
import type { ServingEnv } from './env';
import { ViewVersion } from './version';
import { DynamoViewsReader } from './views';

/** What the handler logs through: a Powertools Logger, or anything with these methods (the offline runtime's file logger). */
export interface QueryApiLogger {
  addContext(context: Context): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...extra: [Error] | Record<string, unknown>[]): void;
}
/** What the handler publishes metrics through: a Powertools Metrics, or anything with these methods. */
export interface QueryApiMetrics {
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): unknown;
  captureColdStartMetric(): void;
  publishStoredMetrics(): unknown;
}

/** Everything the handler needs, resolved once; only `env` is required, the rest defaults to the AWS set-up. */
export interface QueryApiConfig {
  /** The validated runtime configuration (env.ts). */
  readonly env: ServingEnv;
  /** @default new DynamoDBClient({}) (region and endpoint from the SDK's standard environment) */
  readonly dynamodb?: DynamoDBClient;
  /** @default new SSMClient({}) */
  readonly ssm?: SSMClient;
  /** @default a Powertools Logger (service `query-api`) writing to stdout */
  readonly logger?: QueryApiLogger;
  /** @default Powertools Metrics (EMF on stdout), namespace `streamlake`, service `query-api` */
  readonly metrics?: QueryApiMetrics;
  /** @default Date.now */
  readonly now?: () => number;
}

export type QueryApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** `GET /metrics` behind an IAM-authorized HTTP API. The logic lives in api.ts. */
export function createHandler(config: QueryApiConfig): QueryApiHandler {
  const { env } = config;
  const logger = config.logger ?? new Logger({ serviceName: 'query-api' });
  const metrics = config.metrics ?? new Metrics({ namespace: 'streamlake', serviceName: 'query-api' });
  const reader = new DynamoViewsReader(
    DynamoDBDocumentClient.from(config.dynamodb ?? new DynamoDBClient({})),
    env.VIEW_TABLE_NAME,
  );
  const viewVersion = new ViewVersion(config.ssm ?? new SSMClient({}), env.VIEW_VERSION_PARAMETER);
  const now = config.now ?? Date.now;

  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStartMetric();
    try {
      const response = await handleRequest(event, {
        env,
        reader,
        flinkView: () => viewVersion.current(),
        now,
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
  };
}
