/**
 * `streamlake query`: calls the IAM-authorized serving API (`GET /metrics`) with a SigV4-signed request
 * (service `execute-api`) and renders the answer.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, HttpRequest, Provider } from '@smithy/types';
import { CliError, UsageError } from './errors';
import { EVENT_TYPES } from './event';
import { DEFAULT_NETWORK, type FetchLike, fetchWithRetries, type NetworkOptions } from './network';

export interface MetricsQueryInput {
  readonly contentId: string;
  readonly type?: string;
  /** As the API accepts: `yyyy-MM-dd` or `yyyy-MM-ddTHH:mm[:ss[.SSS]]Z`. */
  readonly from: string;
  readonly to: string;
  readonly granularity: 'minute' | 'day';
}

export interface Point {
  readonly bucket: string;
  readonly count: number;
  readonly watchSeconds: number;
  readonly layer?: string;
  readonly complete?: boolean;
}

export interface MetricsResponse {
  readonly contentId: string;
  readonly granularity: string;
  readonly from: string;
  readonly to: string;
  readonly architecture?: string;
  readonly watermark?: string | null;
  readonly views?: { readonly batch?: string; readonly speed: string };
  /** Per day of the range: the layer that answered it and whether its figures may still change. */
  readonly days?: readonly { readonly day: string; readonly layer: string; readonly provisional: boolean }[];
  readonly series: readonly { readonly type: string; readonly points: readonly Point[] }[];
}

export function validateQuery(input: MetricsQueryInput): void {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(input.contentId))
    throw new UsageError(`--content-id must match [A-Za-z0-9._-]{1,128}, got '${input.contentId}'`);
  if (input.type !== undefined && !(EVENT_TYPES as readonly string[]).includes(input.type))
    throw new UsageError(`--type must be one of ${EVENT_TYPES.join(', ')}, got '${input.type}'`);
  if (input.granularity !== 'minute' && input.granularity !== 'day')
    throw new UsageError(`--granularity must be minute or day, got '${input.granularity}'`);
}

/** `${ServingApiUrl}/metrics?…`, keeping any stage path in the base URL. */
export function metricsUrl(baseUrl: string, input: MetricsQueryInput): URL {
  const url = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.pathname = `${url.pathname}metrics`;
  url.searchParams.set('contentId', input.contentId);
  if (input.type) url.searchParams.set('type', input.type);
  url.searchParams.set('from', input.from);
  url.searchParams.set('to', input.to);
  url.searchParams.set('granularity', input.granularity);
  return url;
}

/** Signs a GET for API Gateway with SigV4 (service execute-api). */
export async function signedGet(
  url: URL,
  region: string,
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>,
): Promise<{ url: string; headers: Record<string, string> }> {
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const request: HttpRequest = {
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { host: url.host, accept: 'application/json' },
  };
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const signed = await signer.sign(request);
  return { url: url.toString(), headers: signed.headers };
}

export type Fetch = FetchLike;

/**
 * Calls the API (each attempt bounded by the connect + request timeouts, connection errors and 5xx retried) and
 * returns its body, or a CliError: 400 is a usage error carrying the API's message, 403 a credentials problem.
 */
export async function queryMetrics(
  baseUrl: string,
  input: MetricsQueryInput,
  region: string,
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>,
  fetchFn: FetchLike = fetch,
  network: NetworkOptions = DEFAULT_NETWORK,
): Promise<MetricsResponse> {
  validateQuery(input);
  const url = metricsUrl(baseUrl, input);
  const res = await fetchWithRetries(
    fetchFn,
    url.toString(),
    async () => (await signedGet(url, region, credentials)).headers,
    network,
  );
  const text = res.text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.status === 400) {
    const message = (body as { message?: string } | undefined)?.message ?? text;
    throw new UsageError(`the serving API rejected the query: ${message}`);
  }
  if (res.status === 403)
    throw new CliError(
      `the serving API refused the signed request (403): ${text.slice(0, 300)}. Check your credentials and region.`,
    );
  if (res.status !== 200 || !body || typeof body !== 'object')
    throw new CliError(`the serving API answered ${res.status}: ${text.slice(0, 300)}`);
  return body as MetricsResponse;
}

/** A fixed-width text table; numbers right-aligned. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: readonly (string | number)[]): string =>
    cells
      .map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderMetrics(r: MetricsResponse): string {
  // Per-day status from the API (any granularity); older APIs only marked day points.
  const provisionalDays = (r.days ?? []).filter((d) => d.provisional).map((d) => d.day);
  const status = (p: Point): string => {
    if (p.complete !== undefined) return p.complete ? 'final' : 'provisional';
    if (!r.days) return '';
    return provisionalDays.includes(p.bucket.slice(0, 10)) ? 'provisional' : 'final';
  };
  const rows = r.series.flatMap((s) =>
    s.points.map((p) => [s.type, p.bucket, p.count, p.watchSeconds, p.layer ?? '', status(p)]),
  );
  const views = r.views ? `views: ${[r.views.batch, r.views.speed].filter(Boolean).join(' + ')}` : '';
  const header = `${r.contentId} ${r.granularity} ${r.from} .. ${r.to}${r.architecture ? ` (${r.architecture}` : ''}${
    r.architecture ? `, watermark ${r.watermark ?? 'none'})` : ''
  }${views ? `  ${views}` : ''}`;
  const provisional =
    provisionalDays.length > 0
      ? `\nprovisional (not yet exact, may change): ${provisionalDays.join(', ')}`
      : '';
  if (rows.length === 0) return `${header}\n(no data)${provisional}`;
  const totals = r.series.reduce(
    (t, s) => {
      for (const p of s.points) {
        t.count += p.count;
        t.watch += p.watchSeconds;
      }
      return t;
    },
    { count: 0, watch: 0 },
  );
  return `${header}\n${formatTable(['type', 'bucket', 'count', 'watchSeconds', 'layer', 'status'], rows)}\ntotal: ${totals.count} events, ${totals.watch} watch seconds${provisional}`;
}
