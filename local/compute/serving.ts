/** The serving layer, offline: the real query API handler, built by its factory, invoked in-process. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { parseEnv } from '../../lambda/query-api/env';
import { createHandler } from '../../lambda/query-api/handler';
import type { ServedAnswer } from '../checks/serving';
import { REGION } from '../emulators';
import { type Deployment, functionWithEnv } from '../infra';
import { FileLogger, FileMetrics, type LogFiles } from '../logs';
import { resolveEnvironment } from '../resources';

export interface Serving {
  /** `GET /metrics` for one content id and type, per day, from `day` to `day`. */
  queryDay(
    contentId: string,
    type: string,
    day: string,
  ): Promise<ServedAnswer & { views?: Record<string, string> }>;
  /** The view-version parameter the handler reads (kappa reprocessing flips it). */
  readonly viewVersionParameter: string;
}

function context(name: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type QueryHandler = ReturnType<typeof createHandler>;

/** The query API handler of the templates (factory, template environment, emulators' clients), or undefined. */
export function servingHandler(
  d: Deployment,
  logs: LogFiles,
): { handler: QueryHandler; viewVersionParameter: string } | undefined {
  const fn = functionWithEnv(d.infra, ['VIEW_VERSION_PARAMETER', 'ARCHITECTURE']);
  if (!fn) return undefined;
  const env = parseEnv(resolveEnvironment(d.infra, d.infra.functions[fn] ?? {}, d.provisioned.queueUrls));
  const logger = new FileLogger(logs.stream('query-api'), 'query-api');
  const metrics = new FileMetrics(logs.stream('query-api-metrics'), 'streamlake', 'query-api', logger);
  const handler = createHandler({ env, dynamodb: d.clients.dynamodb, ssm: d.clients.ssm, logger, metrics });
  return { handler, viewVersionParameter: env.VIEW_VERSION_PARAMETER };
}

/** A Lambda context for an in-process invocation. */
export function localContext(name: string, requestId: string): Context {
  return context(name, requestId);
}

/** The query API of the templates, or undefined when the variant deploys none. */
export function startServing(d: Deployment, logs: LogFiles): Serving | undefined {
  const built = servingHandler(d, logs);
  if (!built) return undefined;
  const { handler } = built;
  let n = 0;
  return {
    viewVersionParameter: built.viewVersionParameter,
    async queryDay(contentId, type, day) {
      n += 1;
      const res = await handler(
        {
          version: '2.0',
          routeKey: 'GET /metrics',
          rawPath: '/metrics',
          rawQueryString: '',
          headers: {},
          queryStringParameters: { contentId, type, granularity: 'day', from: day, to: day },
          isBase64Encoded: false,
          requestContext: { http: { method: 'GET', path: '/metrics' } },
        } as unknown as APIGatewayProxyEventV2,
        context('query-api-local', `local-${n}`),
      );
      let views: Record<string, string> | undefined;
      try {
        views = (JSON.parse(res.body ?? '{}') as { views?: Record<string, string> }).views;
      } catch {
        views = undefined;
      }
      return { statusCode: res.statusCode, body: res.body, views };
    },
  };
}
