/**
 * AWS client configuration shared by the commands: region, and an endpoint override for offline emulators.
 *
 * With an endpoint override every client talks HTTP/1.1 through NodeHttpHandler: the SDK's Kinesis client
 * otherwise uses HTTP/2 for some operations, which kinesis-local does not speak. Offline, dummy credentials
 * are used when none are configured (emulators accept any signature).
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** `--local` = this endpoint: the local runtime's gateway port (LocalStack's customary 4566). */
export const DEFAULT_LOCAL_PORT = 4566;
export const DEFAULT_LOCAL_ENDPOINT = `http://127.0.0.1:${DEFAULT_LOCAL_PORT}`;
export const DEFAULT_REGION = 'us-east-1';

export interface ConnectionOptions {
  readonly region: string;
  readonly endpoint?: string;
}

export interface ClientConfig {
  region: string;
  endpoint?: string;
  requestHandler?: NodeHttpHandler;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
}

export function clientConfig(
  conn: ConnectionOptions,
  overrides: { maxAttempts?: number } = {},
): ClientConfig {
  const config: ClientConfig = { region: conn.region, ...overrides };
  if (conn.endpoint) {
    config.endpoint = conn.endpoint;
    config.requestHandler = new NodeHttpHandler();
    if (!process.env['AWS_ACCESS_KEY_ID'] && !process.env['AWS_PROFILE'])
      config.credentials = { accessKeyId: 'streamlake-local', secretAccessKey: 'streamlake-local' };
  }
  return config;
}
