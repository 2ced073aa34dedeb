import { signedGet } from '../../cli/lib/query';
import { MAX_SKEW_MS, verifySigV4 } from '../../local/sigv4-verify';

const KEY = { accessKeyId: 'streamlake-local', secretAccessKey: 'streamlake-local', region: 'us-east-1' };
const URL_ = new URL(
  'http://127.0.0.1:41234/serving/metrics?contentId=a&from=2026-11-20&to=2026-11-20&granularity=day',
);

async function signed(key = KEY, url = URL_) {
  const s = await signedGet(url, key.region, key);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.headers)) headers[k.toLowerCase()] = v;
  return { method: 'GET', url: url.pathname + url.search, headers };
}

test('a request signed by the CLI with the runtime key verifies', async () => {
  expect(await verifySigV4(await signed(), KEY)).toBeUndefined();
});

test('an unsigned request is refused as API Gateway refuses it', async () => {
  const r = await signed();
  const { authorization: _, ...headers } = r.headers;
  expect(await verifySigV4({ ...r, headers }, KEY)).toBe('Missing Authentication Token');
});

test('a wrong secret, a changed query or another region does not verify', async () => {
  expect(await verifySigV4(await signed({ ...KEY, secretAccessKey: 'other' }), KEY)).toMatch(
    /does not match/,
  );
  const r = await signed();
  expect(await verifySigV4({ ...r, url: r.url.replace('contentId=a', 'contentId=b') }, KEY)).toMatch(
    /does not match/,
  );
  expect(await verifySigV4(await signed({ ...KEY, region: 'eu-west-1' }), KEY)).toMatch(/scoped/);
  expect(await verifySigV4(await signed({ ...KEY, accessKeyId: 'AKIAOTHER' }), KEY)).toMatch(/invalid/);
});

test('a signature from more than 15 minutes ago is refused; one from 14 minutes ago is not', async () => {
  const r = await signed();
  const at = Date.now();
  expect(await verifySigV4(r, KEY, at + MAX_SKEW_MS + 2_000)).toMatch(/expired/);
  expect(await verifySigV4(r, KEY, at + MAX_SKEW_MS - 60_000)).toBeUndefined();
});
