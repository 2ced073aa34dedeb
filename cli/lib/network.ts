/**
 * How the CLI talks to the network without ever hanging: every call has a connect timeout, a request timeout and a
 * bounded number of attempts, and a failure becomes one line that names the endpoint and what to check.
 *
 * AWS SDK clients get the timeouts through their NodeHttpHandler and the attempts through `maxAttempts` (the SDK's
 * standard retry mode: exponential backoff with jitter; timeouts and connection errors are retried). The serving API
 * is called with `fetch`, bounded by `AbortSignal.timeout` and retried here.
 */
import { type CliError, CredentialsError, UnreachableError } from './errors';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Longer than the serving API's own limit (its handler times out after 10 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** Attempts per call, the first included. */
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface NetworkOptions {
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
}

export const DEFAULT_NETWORK: NetworkOptions = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
};

/** Where an error came from, attached by {@link tagEndpoint} to every SDK error. */
const ENDPOINT = Symbol.for('streamlake.endpoint');

interface ErrorShape {
  name?: string;
  message?: string;
  code?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  [ENDPOINT]?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

function shape(err: unknown): ErrorShape | undefined {
  return err !== null && typeof err === 'object' ? (err as ErrorShape) : undefined;
}

/** The error's code, or its cause's (fetch wraps socket errors: TypeError('fetch failed', { cause })). */
function codeOf(e: ErrorShape): string | undefined {
  return e.code ?? shape(e.cause)?.code;
}

/**
 * True when no HTTP answer came back: connection refused or reset, host not found, or a connect, request or socket
 * timeout. A throttle or a 5xx is an answer, and not one of these.
 */
export function isConnectionError(err: unknown): boolean {
  const e = shape(err);
  if (!e || e.$metadata?.httpStatusCode !== undefined) return false;
  if (e.name === 'TimeoutError') return true;
  const code = codeOf(e);
  return code !== undefined && CONNECTION_CODES.has(code);
}

/** What went wrong on the wire, in a few words. */
export function connectionReason(err: unknown): string {
  const e = shape(err) ?? {};
  const ms = /(\d+) ?ms/.exec(e.message ?? '')?.[1];
  const code = codeOf(e);
  if (e.name === 'TimeoutError') {
    if (/^no answer within/.test(e.message ?? '')) return e.message!;
    if (/establish a connection/.test(e.message ?? '')) return `no connection within ${ms ?? '?'} ms`;
    return `connected, but no answer within ${ms ?? '?'} ms`;
  }
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'no connection in time';
    default:
      return code ?? e.message ?? 'no answer';
  }
}

export function endpointOf(err: unknown): string | undefined {
  return shape(err)?.[ENDPOINT];
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
]);

const HOW_TO_PROVIDE =
  'Provide them with AWS_PROFILE (after aws configure or aws sso login) or AWS_ACCESS_KEY_ID and ' +
  'AWS_SECRET_ACCESS_KEY, or use --local / --endpoint-url for the offline emulators';

/**
 * Turns what the SDK or fetch threw into the one line the CLI prints (with its exit code), or undefined when it is
 * not a network or credentials problem. `fallbackEndpoint` names the endpoint when the error carries none.
 */
export function describeFailure(err: unknown, fallbackEndpoint?: string): CliError | undefined {
  const e = shape(err);
  if (!e) return undefined;
  if (e.name && CREDENTIAL_ERRORS.has(e.name)) {
    const what =
      e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError'
        ? 'no usable AWS credentials'
        : 'AWS rejected the credentials';
    return new CredentialsError(`${what} (${e.name}: ${firstLine(e.message)}). ${HOW_TO_PROVIDE}.`);
  }
  if (!isConnectionError(err)) return undefined;
  const endpoint = endpointOf(err) ?? fallbackEndpoint ?? 'the AWS endpoint';
  const attempts = e.$metadata?.attempts;
  const reason = connectionReason(err);
  return new UnreachableError(
    `cannot reach ${endpoint}: ${reason}${attempts && attempts > 1 ? ` (${attempts} attempts)` : ''}. ${advice(reason)}`,
  );
}

function advice(reason: string): string {
  if (reason.startsWith('connected') || reason.startsWith('no answer'))
    return 'Check that it is the endpoint you meant (--endpoint-url, --local, --url) and that it is healthy, or raise --request-timeout.';
  if (reason === 'host not found') return 'Check --region, --endpoint-url or --url, and your network or DNS.';
  return 'Check that it is running and reachable (--endpoint-url, --local, --url, --region; network, proxy or VPN), or raise --connect-timeout.';
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]!.trim();
}

/** The part of an SDK client this module touches. */
export interface MiddlewareHost {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: { request?: unknown }) => Promise<unknown>,
      ) => (args: { request?: unknown }) => Promise<unknown>,
      options: { step: 'build'; name: string },
    ): void;
  };
}

/**
 * Marks every error a client throws with the endpoint of the request (after the SDK's retries), so that a timeout
 * names the host that did not answer.
 */
export function tagEndpoint<C>(client: C): C {
  (client as unknown as MiddlewareHost).middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const r = shape(args.request) as { protocol?: string; hostname?: string; port?: number } | undefined;
        const e = shape(err);
        if (e && r?.hostname && !e[ENDPOINT])
          e[ENDPOINT] = `${r.protocol ?? 'https:'}//${r.hostname}${r.port ? `:${r.port}` : ''}`;
        throw err;
      }
    },
    { step: 'build', name: 'streamlakeTagEndpoint' },
  );
  return client;
}

export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal?: AbortSignal; method?: string; body?: string },
) => Promise<{ status: number; text(): Promise<string> }>;

/**
 * GET (or `request.method`) with a deadline per attempt (connect + request timeouts) and bounded retries of connection errors and 5xx,
 * with exponential backoff and full jitter. Returns the last response, or throws the {@link describeFailure} line.
 */
export async function fetchWithRetries(
  fetchFn: FetchLike,
  url: string,
  headers: () => Promise<Record<string, string>>,
  network: NetworkOptions = DEFAULT_NETWORK,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  request: { readonly method?: string; readonly body?: string } = {},
): Promise<{ status: number; text: string }> {
  const endpoint = new URL(url).origin;
  for (let attempt = 1; ; attempt++) {
    try {
      const signal = AbortSignal.timeout(network.connectTimeoutMs + network.requestTimeoutMs);
      // Signed per attempt: a SigV4 signature is valid for 5 minutes.
      const res = await fetchFn(url, { headers: await headers(), signal, ...request });
      const text = await res.text();
      if (res.status < 500 || attempt >= network.maxAttempts) return { status: res.status, text };
    } catch (thrown) {
      // AbortSignal.timeout rejects with a DOMException named TimeoutError that says nothing about the deadline.
      const err =
        shape(thrown)?.name === 'TimeoutError'
          ? Object.assign(
              new Error(`no answer within ${network.connectTimeoutMs + network.requestTimeoutMs} ms`),
              { name: 'TimeoutError' },
            )
          : thrown;
      if (!isConnectionError(err)) throw err;
      if (attempt >= network.maxAttempts) {
        Object.assign(err as object, { $metadata: { attempts: attempt } });
        throw describeFailure(err, endpoint) ?? err;
      }
    }
    await sleep(Math.random() * Math.min(5_000, 100 * 2 ** attempt));
  }
}
