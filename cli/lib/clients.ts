/**
 * AWS client configuration shared by the commands: region, timeouts and attempts, and where requests go.
 *
 * Every client talks HTTP/1.1 through a NodeHttpHandler with a connect timeout and a request timeout (that throws),
 * and retries at most `maxAttempts` times: nothing the CLI sends can hang. (Kinesis's client would otherwise use
 * HTTP/2 for some operations, which kinesis-local does not speak.) With an endpoint override, dummy credentials are
 * used when none are configured (emulators accept any signature).
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { UsageError } from './errors';
import { DEFAULT_NETWORK, type NetworkOptions } from './network';

/** `--local` = this endpoint: the local runtime's gateway port (LocalStack's customary 4566). */
export const DEFAULT_LOCAL_PORT = 4566;
export const DEFAULT_LOCAL_ENDPOINT = `http://127.0.0.1:${DEFAULT_LOCAL_PORT}`;
export const DEFAULT_REGION = 'us-east-1';

export interface ConnectionOptions {
  readonly region: string;
  readonly endpoint?: string;
  /** @default DEFAULT_NETWORK */
  readonly network?: NetworkOptions;
}

export interface ClientConfig {
  region: string;
  endpoint?: string;
  requestHandler: NodeHttpHandler;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
}

/**
 * Where requests go: the one place that turns `--endpoint-url` / `--local` into an endpoint (undefined: AWS itself).
 */
export function resolveEndpoint(o: {
  readonly endpointUrl?: string;
  readonly local?: boolean;
}): string | undefined {
  return o.endpointUrl ?? (o.local ? DEFAULT_LOCAL_ENDPOINT : undefined);
}

export function clientConfig(
  conn: ConnectionOptions,
  overrides: { maxAttempts?: number } = {},
): ClientConfig {
  const network = conn.network ?? DEFAULT_NETWORK;
  const config: ClientConfig = {
    region: conn.region,
    maxAttempts: overrides.maxAttempts ?? network.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: network.connectTimeoutMs,
      requestTimeout: network.requestTimeoutMs,
      throwOnRequestTimeout: true,
    }),
  };
  if (conn.endpoint) {
    config.endpoint = conn.endpoint;
    if (!process.env['AWS_ACCESS_KEY_ID'] && !process.env['AWS_PROFILE'])
      config.credentials = { accessKeyId: 'streamlake-local', secretAccessKey: 'streamlake-local' };
  }
  return config;
}

/** Every region the installed aws-cdk-lib knows (its region-info facts, the list CDK synthesizes for). */
export function knownRegions(): string[] {
  return RegionInfo.regions.map((r) => r.name).sort();
}

/** A region AWS has; anything else (mars-north-1, us-east1) is a usage error before any request is made. */
export function parseRegion(value: string): string {
  const regions = knownRegions();
  if (regions.includes(value)) return value;
  const near = regions.filter((r) => r.replace(/-/g, '') === value.replace(/[-_ ]/g, '').toLowerCase());
  throw new UsageError(
    `unknown region '${value}'${near.length > 0 ? ` (did you mean ${near[0]}?)` : ''}: ` +
      `use an AWS region such as us-east-1 or eu-west-1 (from --region, else AWS_REGION / AWS_DEFAULT_REGION)`,
  );
}
