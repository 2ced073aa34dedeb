/**
 * The dashboard's sampler and server over sources with known answers: the state endpoint returns what the sources
 * said (not what the sampler made up), a failing source is reported without hiding the rest, the page and uPlot are
 * served from this machine, the server listens on 127.0.0.1 only.
 */
import { type Dashboard, startDashboard } from '../../local/dashboard';
import { DashboardSampler, type DashboardSources } from '../../local/dashboard/sampler';
import type { DashboardState } from '../../local/dashboard/state';
import type { Aggregate } from '../../local/reference';

const row = (bucket: string, count: number, contentId: string): Aggregate => ({
  contentId,
  type: 'play',
  bucket,
  count,
  watchSeconds: 0,
});

function sources(over: Partial<DashboardSources> = {}): DashboardSources & { setProduced(n: number): void } {
  let produced = 0;
  const views: Record<string, Aggregate[]> = {
    speed: [row('2026-11-20T23:58', 7, 'a'), row('2026-11-20T23:58', 2, 'b')],
    batch: [row('2026-11-20T23:58', 6, 'a')],
  };
  return {
    architecture: 'lambda',
    speedEngine: 'Lambda consumer (local ESM)',
    components: () => ({ speed: 'consumer' }),
    phase: () => 'produce',
    produced: () => produced,
    archived: () => 0,
    esmLag: async () => [{ shardId: 'shardId-0', recordsBehind: 12, iteratorAgeMs: 300 }],
    deadLetters: async () => [{ destination: 'dlq', reasons: { invalid_json: 2 }, total: 2, held: 2 }],
    views: [
      { name: 'speed', label: 'speed view' },
      { name: 'batch', label: 'batch view' },
    ],
    readMinutes: async (view, contentId) => (views[view] ?? []).filter((r) => r.contentId === contentId),
    reference: (contentId) => [row('2026-11-20T23:58', 6, contentId)],
    choices: [
      { contentId: 'a', type: 'play', count: 6 },
      { contentId: 'b', type: 'play', count: 6 },
    ],
    setProduced: (n: number) => {
      produced = n;
    },
    ...over,
  };
}

let dash: Dashboard | undefined;
afterEach(async () => {
  await dash?.stop();
  dash = undefined;
});

async function state(url: string, query = ''): Promise<DashboardState> {
  const res = await fetch(`${url}api/state${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as DashboardState;
}

test('the state holds what the sources said, for the first choice by default and for a chosen content', async () => {
  const src = sources();
  dash = await startDashboard(src, { intervalMs: 60_000 });
  expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const s = await state(dash.url);
  expect(s.architecture).toBe('lambda');
  expect(s.lag.esm?.recordsBehind).toBe(12);
  expect(s.deadLetters).toEqual([{ destination: 'dlq', reasons: { invalid_json: 2 }, total: 2, held: 2 }]);
  expect(s.minutes?.contentId).toBe('a');
  expect(s.minutes?.views.map((v) => v.counts)).toEqual([[7], [6]]);
  const b = await state(dash.url, '?contentId=b&type=play');
  expect(b.minutes?.views.map((v) => v.counts)).toEqual([[2], [null]]);
  expect(b.errors).toEqual([]);
});

test('a failing source is reported by name, the others still show', async () => {
  const src = sources({
    esmLag: async () => {
      throw new Error('GetRecords: connection refused');
    },
  });
  dash = await startDashboard(src, { intervalMs: 60_000 });
  const s = await state(dash.url);
  expect(s.errors).toEqual(['esm lag: GetRecords: connection refused']);
  expect(s.lag.esm).toBeUndefined();
  expect(s.deadLetters[0]?.total).toBe(2);
});

test('a source that fails after a reading keeps that reading, with its time, and names the error', async () => {
  let fail = false;
  const sampler = new DashboardSampler(
    sources({
      esmLag: async () => {
        if (fail) throw new Error('kinesis-local is gone');
        return [{ shardId: 'shardId-0', recordsBehind: 5, iteratorAgeMs: 10 }];
      },
    }),
  );
  await sampler.sample();
  const first = await sampler.state();
  fail = true;
  await sampler.sample();
  const after = await sampler.state();
  expect(first.errors).toEqual([]);
  expect(after.lag.esm?.recordsBehind).toBe(5);
  expect(after.lag.esmAtMs).toBe(first.lag.esmAtMs);
  expect(after.errors).toEqual(['esm lag: kinesis-local is gone']);
  fail = false;
  await sampler.sample();
  expect((await sampler.state()).errors).toEqual([]);
});

test('a counter that goes back is listed as an error; the rest of the state still answers', async () => {
  const src = sources();
  const sampler = new DashboardSampler(src);
  src.setProduced(10);
  await sampler.sample();
  await new Promise((r) => setTimeout(r, 5));
  src.setProduced(4);
  await sampler.sample();
  const s = await sampler.state();
  expect(s.errors).toEqual([expect.stringMatching(/^counters: produced counter went back from 10 to 4/)]);
  expect(s.throughput.t).toEqual([]);
  expect(s.lag.esm?.recordsBehind).toBe(12);
});

test('a view row of another content surfaces as an error instead of a chart', async () => {
  const src = sources({ readMinutes: async () => [row('2026-11-20T23:58', 1, 'zzz')] });
  dash = await startDashboard(src, { intervalMs: 60_000 });
  const s = await state(dash.url);
  expect(s.minutes).toBeUndefined();
  expect(s.errors.join('\n')).toMatch(/views: speed view: a row of zzz\/play among the rows of a\/play/);
});

test('the page and uPlot are served locally; anything else is 404; only GET', async () => {
  dash = await startDashboard(sources(), { intervalMs: 60_000 });
  const page = await fetch(dash.url);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  const html = await page.text();
  expect(html).toContain('/vendor/uPlot.iife.min.js');
  expect(html).not.toMatch(/https?:\/\//);
  const lib = await fetch(`${dash.url}vendor/uPlot.iife.min.js`);
  expect(lib.status).toBe(200);
  expect(await lib.text()).toMatch(/uPlot/);
  expect((await fetch(`${dash.url}nope`)).status).toBe(404);
  expect((await fetch(dash.url, { method: 'POST' })).status).toBe(405);
});

test('rates come from successive samples', async () => {
  const src = sources();
  dash = await startDashboard(src, { intervalMs: 200 });
  src.setProduced(100);
  await new Promise((r) => setTimeout(r, 700));
  const s = await state(dash.url);
  expect(s.throughput.t.length).toBeGreaterThanOrEqual(2);
  expect(s.throughput.totals.produced).toBe(100);
  const rates = s.throughput.produced.filter((r): r is number => r !== null);
  expect(rates.some((r) => r > 0)).toBe(true);
});
