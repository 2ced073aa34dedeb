import type { EventType } from '../../../lambda/query-api/contract';
import { expectedDay, expectedMinute } from '../../fixtures/fixtures';
import { deps, get } from './events';
import { MemoryViews, type StoredRow } from './memory-views';

/**
 * The golden fixtures as a views table: the batch layer has completed 2026-11-20 (its completion item exists) and
 * holds the exact rows of that day; the speed view holds every minute, over-counted by one on 2026-11-20 (at-least-once re-deliveries that the
 * batch layer corrects). Served figures must be the golden ones, the batch copy for the completed day.
 */
const COMPLETED_DAY = '2026-11-20';
const minutes = expectedMinute();
const days = expectedDay();

const stored: StoredRow[] = [
  ...minutes
    .filter((r) => r.minute.slice(0, 10) <= COMPLETED_DAY)
    .map((r) => ({
      pk: `batch#${r.contentId}#${r.type}`,
      sk: `m#${r.minute}`,
      eventCount: r.count,
      watchSeconds: r.watchSeconds,
    })),
  ...days
    .filter((r) => r.day <= COMPLETED_DAY)
    .map((r) => ({
      pk: `batch#${r.contentId}#${r.type}`,
      sk: `d#${r.day}`,
      eventCount: r.count,
      watchSeconds: r.watchSeconds,
    })),
  ...minutes.map((r) => ({
    pk: `speed#${r.contentId}#${r.type}`,
    sk: `m#${r.minute}`,
    eventCount: r.count + (r.minute.slice(0, 10) <= COMPLETED_DAY ? 1 : 0),
    watchSeconds: r.watchSeconds,
  })),
];
const pairs = [...new Set(minutes.map((r) => `${r.contentId}|${r.type}`))].map(
  (p) => p.split('|') as [string, EventType],
);

function fixtureDeps() {
  return { ...deps(), reader: new MemoryViews(stored, [COMPLETED_DAY]) };
}

describe('query API over the golden fixtures', () => {
  test('the fixtures cross the end of the completed day', () => {
    expect(minutes.some((r) => r.minute.startsWith('2026-11-20'))).toBe(true);
    expect(minutes.some((r) => r.minute.startsWith('2026-11-21'))).toBe(true);
  });

  test.each(pairs)(
    'minute points of %s / %s are the golden rows, batch on the completed day',
    async (contentId, type) => {
      const { status, body } = await get(
        { contentId, type, from: '2026-11-20T23:40Z', to: '2026-11-21T00:20:59Z' },
        fixtureDeps(),
      );
      expect(status).toBe(200);
      expect(body.series[0].points).toEqual(
        minutes
          .filter((r) => r.contentId === contentId && r.type === type)
          .map((r) => ({
            bucket: r.minute,
            count: r.count,
            watchSeconds: r.watchSeconds,
            layer: r.minute.slice(0, 10) <= COMPLETED_DAY ? 'batch' : 'speed',
          })),
      );
    },
  );

  test.each(pairs)('day points of %s / %s are the golden day rows', async (contentId, type) => {
    const { body } = await get(
      { contentId, type, from: '2026-11-20', to: '2026-11-21', granularity: 'day' },
      fixtureDeps(),
    );
    expect(body.series[0].points).toEqual(
      days
        .filter((r) => r.contentId === contentId && r.type === type)
        .map((r) => ({
          bucket: r.day,
          count: r.count,
          watchSeconds: r.watchSeconds,
          layer: r.day <= COMPLETED_DAY ? 'batch' : 'speed',
          complete: r.day <= COMPLETED_DAY,
        })),
    );
  });
});
