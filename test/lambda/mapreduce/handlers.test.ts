import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHandlers, type MapReduceHandlers } from '../../../lambda/mapreduce/handlers';
import type { BlobStore } from '../../../lambda/mapreduce/store';
import { MAPREDUCE_DEFAULTS, PARTITION_MISMATCH } from '../../../lib/contracts/mapreduce';
import { executeDay } from '../../../local/mapreduce/executor';
import { MemoryViews } from './lake';

test('partition_mismatch is named as the Spark job names it', () => {
  const py = readFileSync(join(__dirname, '../../../jobs/spark/src/streamlake_spark/transforms.py'), 'utf8');
  expect(py).toContain(`REASON_PARTITION_MISMATCH = "${PARTITION_MISMATCH}"`);
});

const none = {} as BlobStore;
const handlers = createHandlers(
  {
    rawBucket: 'r',
    curatedBucket: 'c',
    analyticsBucket: 'a',
    scratchBucket: 'a',
    topN: 10,
    limits: { ...MAPREDUCE_DEFAULTS },
  },
  { store: none, views: new MemoryViews(), now: () => new Date(0) },
);
const run = {
  day: '2026-11-20',
  runId: 'arn',
  runKey: 'k',
  mapTasks: 2,
  eventPartitions: 3,
  countPartitions: 1,
  updatedAt: 'x',
};

describe('the handlers reject events the state machine never sends', () => {
  test.each([
    ['plan', { date: '20-11-2026', runId: 'a', runKey: 'k' }, 'plan: bad event: date'],
    [
      'map',
      { run, item: { index: 2, objects: [{ key: 'k', ordinal: 0, size: 1 }] } },
      "outside the run's 2 items",
    ],
    ['map', { run, item: { index: 0, objects: [] } }, 'map: bad event: item.objects'],
    ['reduceEvents', { run, item: { partition: 3 } }, "partition 3 is outside the run's 3 partitions"],
    ['reduceCounts', { run: { ...run, countPartitions: 0 }, item: { partition: 0 } }, 'run.countPartitions'],
    ['finish', {}, 'finish: bad event: run'],
  ] as const)('%s %j', async (name, event, message) => {
    await expect(handlers[name as keyof MapReduceHandlers](event)).rejects.toThrow(message);
  });

  test('a calendar-impossible day is refused by the plan', async () => {
    await expect(handlers.plan({ date: '2026-02-30', runId: 'a', runKey: 'k' })).rejects.toThrow(
      'date must be a calendar day',
    );
  });
});

describe('the local executor', () => {
  const planned = {
    run: { ...run, mapTasks: 1, eventPartitions: 1 },
    scratchBucket: 'a',
    runPrefix: 'p/',
    items: { map: 'm', events: 'e', counts: 'c' },
    inputBytes: 1,
    inputObjects: 1,
  };
  const store = {
    get: async (_b: string, key: string) =>
      Buffer.from(JSON.stringify(key === 'm' ? [{ index: 0, objects: [] }] : [{ partition: 0 }])),
  } as unknown as BlobStore;
  const fake = (overrides: Partial<MapReduceHandlers>): MapReduceHandlers => ({
    plan: async () => planned,
    map: async () => ({ index: 0, objects: 0, bytes: 0, lines: 0, valid: 0, quarantined: 0 }),
    reduceEvents: async () => ({ partition: 0, input: 0, curated: 0, partials: 0 }),
    reduceCounts: async () => ({ partition: 0, minuteRows: 0, viewItems: 0 }),
    finish: async () => ({}) as never,
    cleanup: async () => ({ deleted: 0 }),
    ...overrides,
  });
  const sleep = async () => {};

  test('retries a failed task and counts the invocations', async () => {
    let calls = 0;
    const flaky = fake({
      map: async () => {
        calls++;
        if (calls === 1) throw new Error('throttled');
        return { index: 0, objects: 0, bytes: 0, lines: 0, valid: 0, quarantined: 0 };
      },
    });
    const out = await executeDay(flaky, store, { day: '2026-11-20', concurrency: 2, sleep });
    expect(out.phases.find((p) => p.phase === 'map')).toMatchObject({ tasks: 1, attempts: 2 });
  });

  test('fails the run after the retries, naming the task', async () => {
    const broken = fake({
      reduceEvents: async () => {
        throw new Error('disk full');
      },
    });
    await expect(
      executeDay(broken, store, { day: '2026-11-20', concurrency: 2, retries: 2, sleep }),
    ).rejects.toThrow('reduce-events item 0: disk full');
  });

  test('does not retry the errors the state machine routes straight to a Fail state', async () => {
    let calls = 0;
    const tooLarge = fake({
      plan: async () => {
        calls++;
        const e = new Error('too large');
        e.name = 'DayTooLarge';
        throw e;
      },
    });
    await expect(executeDay(tooLarge, store, { day: '2026-11-20', concurrency: 1, sleep })).rejects.toThrow(
      'too large',
    );
    expect(calls).toBe(1);
  });
});
