import { EVENT_TYPES } from '../../../lambda/query-api/contract';
import { deps, get } from './events';
import { COMPLETED_AT, MemoryViews } from './memory-views';

// Expected figures are copied from views.fixture.json by hand: the rows each layer holds, not what the code computes.

describe('query API, lambda architecture with the Lambda speed engine', () => {
  test('a day present in both layers is served by the batch view', async () => {
    const { status, body } = await get({
      contentId: 'match-42',
      type: 'heartbeat',
      from: '2026-11-20T23:58Z',
      to: '2026-11-20T23:59Z',
    });
    expect(status).toBe(200);
    expect(body.series).toEqual([
      {
        type: 'heartbeat',
        points: [
          { bucket: '2026-11-20T23:58', count: 5, watchSeconds: 150, layer: 'batch' },
          { bucket: '2026-11-20T23:59', count: 4, watchSeconds: 120, layer: 'batch' },
        ],
      },
    ]);
  });

  test('a day only the speed layer has is served by the speed view, never by an unfinished batch run', async () => {
    const { body } = await get({
      contentId: 'match-42',
      type: 'heartbeat',
      from: '2026-11-21T00:00Z',
      to: '2026-11-21T00:05Z',
    });
    expect(body.series[0].points).toEqual([
      { bucket: '2026-11-21T00:00', count: 3, watchSeconds: 90, layer: 'speed' },
      { bucket: '2026-11-21T00:02', count: 2, watchSeconds: 60, layer: 'speed' },
    ]);
  });

  test('a range over a completed day and a later one is split at the end of the completed day', async () => {
    const { body } = await get({
      contentId: 'match-42',
      type: 'heartbeat',
      from: '2026-11-20T23:58:30Z',
      to: '2026-11-21T00:02:00.000Z',
    });
    expect(body.series[0].points).toEqual([
      { bucket: '2026-11-20T23:58', count: 5, watchSeconds: 150, layer: 'batch' },
      { bucket: '2026-11-20T23:59', count: 4, watchSeconds: 120, layer: 'batch' },
      { bucket: '2026-11-21T00:00', count: 3, watchSeconds: 90, layer: 'speed' },
      { bucket: '2026-11-21T00:02', count: 2, watchSeconds: 60, layer: 'speed' },
    ]);
  });

  test('the response names the views, the covered buckets and how each day is answered', async () => {
    const { body } = await get({
      contentId: 'match-42',
      type: 'heartbeat',
      from: '2026-11-20T23:58Z',
      to: '2026-11-21T00:02Z',
    });
    expect(body).toMatchObject({
      contentId: 'match-42',
      granularity: 'minute',
      from: '2026-11-20T23:58',
      to: '2026-11-21T00:02',
      architecture: 'lambda',
      watermark: '2026-11-20',
      views: { batch: 'batch', speed: 'speed' },
      days: [
        { day: '2026-11-20', layer: 'batch', provisional: false, completedAt: COMPLETED_AT },
        { day: '2026-11-21', layer: 'speed', provisional: true },
      ],
    });
  });

  test('day granularity: batch day rows of completed days, sums of speed minute rows for the others, marked provisional', async () => {
    const { body } = await get({
      contentId: 'match-42',
      type: 'heartbeat',
      from: '2026-11-20',
      to: '2026-11-22',
      granularity: 'day',
    });
    expect(body.series[0].points).toEqual([
      { bucket: '2026-11-20', count: 900, watchSeconds: 27000, layer: 'batch', complete: true },
      { bucket: '2026-11-21', count: 3 + 2, watchSeconds: 90 + 60, layer: 'speed', complete: false },
      { bucket: '2026-11-22', count: 1, watchSeconds: 30, layer: 'speed', complete: false },
    ]);
  });

  test('without a completed batch run every point comes from the speed view', async () => {
    const d = deps();
    const noWatermark = { ...d, reader: new MemoryViews(undefined, []) };
    const { body } = await get(
      { contentId: 'match-42', type: 'heartbeat', from: '2026-11-20T23:58Z', to: '2026-11-20T23:58Z' },
      noWatermark,
    );
    expect(body.watermark).toBeNull();
    expect(body.days).toEqual([{ day: '2026-11-20', layer: 'speed', provisional: true }]);
    expect(body.series[0].points).toEqual([
      { bucket: '2026-11-20T23:58', count: 6, watchSeconds: 180, layer: 'speed' },
    ]);
  });

  test('once a day is completed, its speed rows stop being served', async () => {
    const advanced = { ...deps(), reader: new MemoryViews(undefined, ['2026-11-20', '2026-11-21']) };
    const { body } = await get(
      { contentId: 'match-42', type: 'heartbeat', from: '2026-11-21T00:00Z', to: '2026-11-21T00:02Z' },
      advanced,
    );
    expect(body.series[0].points).toEqual([
      { bucket: '2026-11-21T00:00', count: 999, watchSeconds: 999, layer: 'batch' },
    ]);
  });

  test('without a type, all six types are answered, each as its own series', async () => {
    const { body } = await get({ contentId: 'match-42', from: '2026-11-20T23:59Z', to: '2026-11-21T00:01Z' });
    expect(body.series.map((s) => s.type)).toEqual([...EVENT_TYPES]);
    const like = body.series.find((s) => s.type === 'like');
    expect(like?.points).toEqual([
      { bucket: '2026-11-20T23:59', count: 2, watchSeconds: 0, layer: 'batch' },
      { bucket: '2026-11-21T00:01', count: 1, watchSeconds: 0, layer: 'speed' },
    ]);
    expect(body.series.find((s) => s.type === 'share')?.points).toEqual([]);
  });

  test('only the requested contentId is read', async () => {
    const d = deps();
    await get(
      { contentId: 'other-7', type: 'heartbeat', from: '2026-11-20T23:59Z', to: '2026-11-21T00:00Z' },
      d,
    );
    expect(d.reader.reads.every((pk) => pk.includes('#other-7#'))).toBe(true);
  });
});

describe('query API, lambda architecture with the Flink speed engine', () => {
  test('the speed view is the Flink view the pointer names', async () => {
    const { body } = await get(
      { contentId: 'match-42', type: 'heartbeat', from: '2026-11-20T23:59Z', to: '2026-11-21T00:00Z' },
      deps({ SPEED_ENGINE: 'flink' }),
    );
    expect(body.views).toEqual({ batch: 'batch', speed: 'flink-v2' });
    expect(body.series[0].points).toEqual([
      { bucket: '2026-11-20T23:59', count: 4, watchSeconds: 120, layer: 'batch' },
      { bucket: '2026-11-21T00:00', count: 3, watchSeconds: 90, layer: 'speed' },
    ]);
  });
});

describe('query API, kappa architecture', () => {
  test('reads only the Flink view the pointer names, with no watermark', async () => {
    const d = deps({ ARCHITECTURE: 'kappa' });
    const { body } = await get(
      { contentId: 'match-42', type: 'heartbeat', from: '2026-11-20T23:59Z', to: '2026-11-21T00:00Z' },
      d,
    );
    expect(body.watermark).toBeNull();
    expect(body.views).toEqual({ speed: 'flink-v2' });
    expect(body.series[0].points).toEqual([
      { bucket: '2026-11-20T23:59', count: 4, watchSeconds: 120, layer: 'speed' },
      { bucket: '2026-11-21T00:00', count: 3, watchSeconds: 90, layer: 'speed' },
    ]);
    expect(d.reader.reads).toEqual(['flink-v2#match-42#heartbeat']);
  });

  test('a day total is final once the day and the settle time have passed', async () => {
    const at = (now: string) =>
      get(
        {
          contentId: 'match-42',
          type: 'heartbeat',
          from: '2026-11-21',
          to: '2026-11-21',
          granularity: 'day',
        },
        deps({ ARCHITECTURE: 'kappa', DAY_SETTLE_MINUTES: 10 }, { now: () => Date.parse(now) }),
      );
    const before = await at('2026-11-22T00:09:59.999Z');
    const after = await at('2026-11-22T00:10:00.000Z');
    expect(before.body.series[0].points).toEqual([
      { bucket: '2026-11-21', count: 3, watchSeconds: 90, layer: 'speed', complete: false },
    ]);
    expect(after.body.series[0].points).toEqual([
      { bucket: '2026-11-21', count: 3, watchSeconds: 90, layer: 'speed', complete: true },
    ]);
  });
});

describe('query API, routing and failures', () => {
  test('another path is a 404', async () => {
    const { handleRequest } = await import('../../../lambda/query-api/api');
    const { httpEvent } = await import('./events');
    const res = await handleRequest(httpEvent({}, { path: '/admin' }), deps());
    expect(res.statusCode).toBe(404);
  });

  test('another method on /metrics is a 404', async () => {
    const { handleRequest } = await import('../../../lambda/query-api/api');
    const { httpEvent } = await import('./events');
    const res = await handleRequest(httpEvent({}, { method: 'POST' }), deps());
    expect(res.statusCode).toBe(404);
  });
});
