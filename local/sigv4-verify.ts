/**
 * The serving API is IAM-authorized on AWS: API Gateway refuses a request whose SigV4 signature does not match. The
 * offline runtime's serving endpoint does the same check with the one key pair it knows (the emulators' dummy
 * credentials, written to .streamlake/local.json): it signs the request again over the headers the client signed, at
 * the client's X-Amz-Date, and compares. Unsigned, badly signed, wrongly scoped or stale requests get 403 as on AWS.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';

export interface VerifyInput {
  readonly method: string;
  /** Path and query as received, e.g. `/serving/metrics?contentId=a`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface VerifyKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** @default 'execute-api' */
  readonly service?: string;
}

/** API Gateway accepts a signature up to 15 minutes away from its clock. */
export const MAX_SKEW_MS = 15 * 60_000;

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

function header(h: VerifyInput['headers'], name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** `20261120T235000Z` → epoch ms, or NaN. */
function amzDate(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** undefined when the signature is valid, else why not (the 403 body's message). */
export async function verifySigV4(
  req: VerifyInput,
  key: VerifyKey,
  nowMs = Date.now(),
): Promise<string | undefined> {
  const service = key.service ?? 'execute-api';
  const auth = header(req.headers, 'authorization');
  if (!auth) return 'Missing Authentication Token';
  const m = AUTH.exec(auth);
  if (!m) return 'Authorization header is not an AWS4-HMAC-SHA256 signature';
  const [, accessKeyId, scopeDay, region, scopeService, signedHeaders] = m as unknown as string[];
  if (accessKeyId !== key.accessKeyId)
    return `The security token included in the request is invalid (key ${accessKeyId})`;
  if (region !== key.region || scopeService !== service)
    return `Credential should be scoped to a valid region and service: ${key.region}/${service}, not ${region}/${scopeService}`;
  const dateHeader = header(req.headers, 'x-amz-date');
  const signedAt = dateHeader ? amzDate(dateHeader) : Number.NaN;
  if (Number.isNaN(signedAt) || !dateHeader?.startsWith(scopeDay as string))
    return 'X-Amz-Date is missing or does not match the credential scope';
  if (Math.abs(nowMs - signedAt) > MAX_SKEW_MS)
    return 'Signature expired: X-Amz-Date is more than 15 minutes away from now';

  const url = new URL(req.url, 'http://placeholder');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders as string).split(';')) {
    const v = header(req.headers, name);
    if (v === undefined) return `signed header ${name} is missing from the request`;
    headers[name] = v;
  }
  const host = headers.host ?? '';
  const request: HttpRequest = {
    method: req.method,
    protocol: 'http:',
    hostname: host.split(':')[0] ?? '',
    path: url.pathname,
    query,
    headers,
  };
  const signer = new SignatureV4({
    service,
    region: key.region,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    sha256: Sha256,
    applyChecksum: false,
  });
  const expected = await signer.sign(request, {
    signingDate: new Date(signedAt),
    signableHeaders: new Set(Object.keys(headers)),
  });
  const want = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization ?? ''))?.[1];
  if (want !== m[6])
    return 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';
  return undefined;
}
