import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ApiDeps, MetricsResponse } from '../../../lambda/query-api/api';
import { handleRequest } from '../../../lambda/query-api/api';
import type { ServingEnv } from '../../../lambda/query-api/env';
import { MemoryViews } from './memory-views';

/** An HTTP API (payload 2.0) event for `GET <path>?<params>`. */
export function httpEvent(
  params: Record<string, string> | undefined,
  route: { method?: string; path?: string } = {},
): APIGatewayProxyEventV2 {
  const method = route.method ?? 'GET';
  const path = route.path ?? '/metrics';
  const routeKey = path === '/metrics' && method === 'GET' ? 'GET /metrics' : '$default';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(params ?? {}).toString(),
    queryStringParameters: params,
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '111111111111',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '23/Nov/2026:21:00:00 +0000',
      timeEpoch: 0,
    },
  };
}

export type EnvOverrides = Partial<
  Pick<ServingEnv, 'SPEED_ENGINE' | 'MAX_RANGE_DAYS' | 'DAY_SETTLE_MINUTES'>
> & {
  ARCHITECTURE?: ServingEnv['ARCHITECTURE'];
};

/** Dependencies for handleRequest over the fixture table; the Flink pointer names `flink-v2` unless told. */
export function deps(
  overrides: EnvOverrides = {},
  extra: Partial<ApiDeps> = {},
): ApiDeps & { reader: MemoryViews } {
  const architecture = overrides.ARCHITECTURE ?? 'lambda';
  const reader = new MemoryViews();
  return {
    env: {
      ARCHITECTURE: architecture,
      SPEED_ENGINE: overrides.SPEED_ENGINE ?? (architecture === 'kappa' ? 'flink' : 'lambda'),
      MAX_RANGE_DAYS: overrides.MAX_RANGE_DAYS ?? 31,
      DAY_SETTLE_MINUTES: overrides.DAY_SETTLE_MINUTES ?? 0,
    } as ApiDeps['env'],
    reader,
    flinkView: async () => 'flink-v2',
    now: () => Date.parse('2026-11-22T12:00:00.000Z'),
    ...extra,
  } as ApiDeps & { reader: MemoryViews };
}

/** Calls the handler logic and returns status and parsed body. */
export async function get(
  params: Record<string, string> | undefined,
  d: ApiDeps = deps(),
): Promise<{ status: number; body: MetricsResponse & { message?: string; error?: string } }> {
  const res = await handleRequest(httpEvent(params), d);
  return { status: res.statusCode ?? 0, body: JSON.parse(String(res.body)) };
}
