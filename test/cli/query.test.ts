import {
  type MetricsResponse,
  metricsUrl,
  queryMetrics,
  renderMetrics,
  signedGet,
} from '../../cli/lib/query';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const input = {
  contentId: 'match-ind-aus-final',
  type: 'heartbeat',
  from: '2026-11-20T23:40:00.000Z',
  to: '2026-11-21T00:20:00.000Z',
  granularity: 'minute' as const,
};

const body: MetricsResponse = {
  contentId: 'match-ind-aus-final',
  granularity: 'minute',
  from: '2026-11-20T23:40',
  to: '2026-11-20T23:41',
  architecture: 'lambda',
  watermark: '2026-11-19',
  views: { batch: 'batch', speed: 'speed' },
  series: [
    {
      type: 'heartbeat',
      points: [
        { bucket: '2026-11-20T23:40', count: 12, watchSeconds: 340, layer: 'speed' },
        { bucket: '2026-11-20T23:41', count: 3, watchSeconds: 90, layer: 'speed' },
      ],
    },
  ],
};

test('builds GET /metrics under the API stage path', () => {
  const url = metricsUrl('https://abc.execute-api.us-east-1.amazonaws.com/prod', input);
  expect(url.pathname).toBe('/prod/metrics');
  expect(Object.fromEntries(url.searchParams)).toEqual({
    contentId: 'match-ind-aus-final',
    type: 'heartbeat',
    from: '2026-11-20T23:40:00.000Z',
    to: '2026-11-21T00:20:00.000Z',
    granularity: 'minute',
  });
});

test('signs with SigV4 for execute-api in the given region', async () => {
  const url = metricsUrl('https://abc.execute-api.eu-west-1.amazonaws.com/', input);
  const { headers } = await signedGet(url, 'eu-west-1', creds);
  expect(headers['authorization']).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
  );
  expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
});

test('queries, parses and renders a table with totals', async () => {
  const seen: string[] = [];
  const fetchFn = async (u: string, init: { headers: Record<string, string> }) => {
    seen.push(u);
    expect(init.headers['authorization']).toContain('execute-api');
    return { status: 200, text: async () => JSON.stringify(body) };
  };
  const r = await queryMetrics(
    'https://abc.execute-api.us-east-1.amazonaws.com/',
    input,
    'us-east-1',
    creds,
    fetchFn,
  );
  expect(seen[0]).toContain('/metrics?contentId=match-ind-aus-final');
  const table = renderMetrics(r);
  expect(table).toContain('2026-11-20T23:40     12           340  speed');
  expect(table).toContain('total: 15 events, 430 watch seconds');
});

test('a 400 from the API is a usage error carrying its message', async () => {
  const fetchFn = async () => ({
    status: 400,
    text: async () => JSON.stringify({ message: 'from is after to' }),
  });
  await expect(queryMetrics('https://x.example/', input, 'us-east-1', creds, fetchFn)).rejects.toEqual(
    expect.objectContaining({ exitCode: 2, message: expect.stringContaining('from is after to') }),
  );
});

test('fails on a content id with #', async () => {
  await expect(
    queryMetrics('https://x.example/', { ...input, contentId: 'a#b' }, 'us-east-1', creds),
  ).rejects.toThrow(/--content-id/);
});
