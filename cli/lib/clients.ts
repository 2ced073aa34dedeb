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

export const DEFAULT_REGION = 'us-east-1';

export interface ConnectionOptions {
  readonly region: string;
  /** Every service at this endpoint (`--endpoint-url`, e.g. LocalStack). */
  readonly endpoint?: string;
  /**
   * Each service at its own endpoint (`--local`: the offline runtime's emulators); a service without one is not part
   * of that runtime, and a client for it is refused.
   */
  readonly endpoints?: Readonly<Partial<Record<Service, string>>>;
  /** Fixed credentials (the offline runtime's, from .streamlake/local.json). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
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

/** The services the CLI's clients call. */
export type Service =
  | 'cloudformation'
  | 'kinesis'
  | 'dynamodb'
  | 's3'
  | 'sqs'
  | 'ssm'
  | 'sfn'
  | 'emr'
  | 'kinesisanalytics'
  | 'cloudwatch';

export function clientConfig(
  conn: ConnectionOptions,
  overrides: { maxAttempts?: number; service?: Service } = {},
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
  // An explicit endpoint (--endpoint-url, or a per-service option) wins over --local's per-service endpoints.
  if (conn.endpoint) config.endpoint = conn.endpoint;
  else if (conn.endpoints) {
    const endpoint = overrides.service ? conn.endpoints[overrides.service] : undefined;
    if (!endpoint)
      throw new UsageError(
        `${overrides.service ?? 'this call'} is not part of the offline runtime (--local): ` +
          `it runs ${Object.keys(conn.endpoints).join(', ')}`,
      );
    config.endpoint = endpoint;
  }
  if (conn.credentials) config.credentials = { ...conn.credentials };
  else if (conn.endpoint) {
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
