import { batchCompleteThrough, layerRanges, mergePoints } from '../../../lambda/query-api/merge';
import { deps, get } from './events';
import { COMPLETED_AT, MemoryViews, type StoredRow } from './memory-views';

/**
 * D-2 (2026-11-19) failed part-way: some of its batch rows were written, its completion item was not. D-1
 * (2026-11-20) completed. The speed view holds both days. Figures differ per layer so the layer that answered shows.
 */
const D2 = '2026-11-19';
const D1 = '2026-11-20';
const rows: StoredRow[] = [
  { pk: 'batch#match-42#like', sk: `m#${D2}T10:00`, eventCount: 1, watchSeconds: 0 },
  { pk: 'batch#match-42#like', sk: `m#${D2}T11:00`, eventCount: 2, watchSeconds: 0 },
  { pk: 'batch#match-42#like', sk: `d#${D2}`, eventCount: 1, watchSeconds: 0 },
  { pk: 'batch#match-42#like', sk: `m#${D1}T10:00`, eventCount: 20, watchSeconds: 0 },
  { pk: 'batch#match-42#like', sk: `d#${D1}`, eventCount: 20, watchSeconds: 0 },
  { pk: 'speed#match-42#like', sk: `m#${D2}T10:00`, eventCount: 7, watchSeconds: 0 },
  { pk: 'speed#match-42#like', sk: `m#${D2}T11:00`, eventCount: 3, watchSeconds: 0 },
  { pk: 'speed#match-42#like', sk: `m#${D1}T10:00`, eventCount: 21, watchSeconds: 0 },
];
const failedD2 = () => ({ ...deps(), reader: new MemoryViews(rows, [D1]) });
const DAY_QUERY = { contentId: 'match-42', type: 'like', from: D2, to: D1, granularity: 'day' };

describe('a failed day stays visible after a later day succeeds', () => {
  test('day granularity: D-2 comes from the speed view, flagged provisional; D-1 from the batch view', async () => {
    const { status, body } = await get(DAY_QUERY, failedD2());
    expect(status).toBe(200);
    expect(body.series[0].points).toEqual([
      { bucket: D2, count: 7 + 3, watchSeconds: 0, layer: 'speed', complete: false },
      { bucket: D1, count: 20, watchSeconds: 0, layer: 'batch', complete: true },
    ]);
    expect(body.days).toEqual([
      { day: D2, layer: 'speed', provisional: true },
      { day: D1, layer: 'batch', provisional: false, completedAt: COMPLETED_AT },
    ]);
    // No day is final from the start of the range: a client reading the watermark alone treats nothing as final.
    expect(body.watermark).toBeNull();
  });

  test('minute granularity: the failed run’s partial batch rows are never served', async () => {
    const { body } = await get(
      { contentId: 'match-42', type: 'like', from: `${D2}T10:30Z`, to: `${D1}T10:00Z` },
      failedD2(),
    );
    expect(body.series[0].points).toEqual([
      { bucket: `${D2}T11:00`, count: 3, watchSeconds: 0, layer: 'speed' },
      { bucket: `${D1}T10:00`, count: 20, watchSeconds: 0, layer: 'batch' },
    ]);
    expect(body.days.map((d) => [d.day, d.layer, d.provisional])).toEqual([
      [D2, 'speed', true],
      [D1, 'batch', false],
    ]);
  });

  test('re-running D-2 (its completion item now exists) serves it from the batch view', async () => {
    const { body } = await get(DAY_QUERY, { ...deps(), reader: new MemoryViews(rows, [D2, D1]) });
    expect(body.series[0].points).toEqual([
      { bucket: D2, count: 1, watchSeconds: 0, layer: 'batch', complete: true },
      { bucket: D1, count: 20, watchSeconds: 0, layer: 'batch', complete: true },
    ]);
    expect(body.days.map((d) => d.provisional)).toEqual([false, false]);
    expect(body.watermark).toBe(D1);
  });

  test('the completion items are read for the days of the query only', async () => {
    const d = failedD2();
    await get(DAY_QUERY, d);
    expect(d.reader.completionReads).toEqual([`${D2}..${D1}`]);
  });

  test('kappa reads no completion item', async () => {
    const d = { ...deps({ ARCHITECTURE: 'kappa' }), reader: new MemoryViews(rows, [D1]) };
    const { body } = await get(DAY_QUERY, d);
    expect(d.reader.completionReads).toEqual([]);
    expect(body.days.every((day) => day.layer === 'speed')).toBe(true);
  });
});

describe('mergePoints', () => {
  const base = {
    granularity: 'minute' as const,
    fromDay: D2,
    toDay: D1,
    fromMinute: `${D2}T00:00`,
    toMinute: `${D1}T23:59`,
    speedDayComplete: () => false,
  };
  const batchRows = rows.filter((r) => r.pk.startsWith('batch#') && r.sk.startsWith('m#'));
  const speedRows = rows.filter((r) => r.pk.startsWith('speed#'));

  test('answers each minute from the layer of its day, whatever the order of completed days', () => {
    const points = mergePoints({ ...base, batchDays: new Set([D1]), batchRows, speedRows });
    expect(points.map((p) => [p.bucket, p.count, p.layer])).toEqual([
      [`${D2}T10:00`, 7, 'speed'],
      [`${D2}T11:00`, 3, 'speed'],
      [`${D1}T10:00`, 20, 'batch'],
    ]);
  });

  test('with both days complete no speed row is served', () => {
    const points = mergePoints({ ...base, batchDays: new Set([D2, D1]), batchRows, speedRows });
    expect(points.map((p) => [p.bucket, p.count, p.layer])).toEqual([
      [`${D2}T10:00`, 1, 'batch'],
      [`${D2}T11:00`, 2, 'batch'],
      [`${D1}T10:00`, 20, 'batch'],
    ]);
  });
});

describe('layerRanges', () => {
  test('one span per layer covers its days, also when they are not contiguous', () => {
    expect(
      layerRanges('2026-11-18', '2026-11-22', new Set(['2026-11-18', '2026-11-20', '2026-11-21'])),
    ).toEqual({
      batch: { fromDay: '2026-11-18', toDay: '2026-11-21' },
      speed: { fromDay: '2026-11-19', toDay: '2026-11-22' },
    });
  });

  test('no completed day: speed only; every day completed: batch only', () => {
    expect(layerRanges(D2, D1, new Set())).toEqual({ speed: { fromDay: D2, toDay: D1 } });
    expect(layerRanges(D2, D1, new Set([D2, D1, '2026-11-21']))).toEqual({
      batch: { fromDay: D2, toDay: D1 },
    });
  });
});

describe('batchCompleteThrough', () => {
  test('is the end of the completed days at the start of the range', () => {
    expect(
      batchCompleteThrough('2026-11-18', '2026-11-22', new Set(['2026-11-18', '2026-11-19', '2026-11-21'])),
    ).toBe('2026-11-19');
  });

  test('is undefined when the first day is not complete, although a later one is', () => {
    expect(batchCompleteThrough(D2, D1, new Set([D1]))).toBeUndefined();
  });
});
