import type { KinesisStreamRecord } from 'aws-lambda';
import { type DeadLetterSink, MemoryDeadLetterSink } from '../../../lambda/stream-consumer/dead-letter';
import { processBatch } from '../../../lambda/stream-consumer/process-batch';
import { type AddResult, MemoryViewWriter, type ViewWriter } from '../../../lambda/stream-consumer/writer';
import { expectedMinute, fixtureLines, malformedLines } from '../../fixtures/fixtures';
import { event, kinesisRecord, kinesisRecords, SHARD, seq } from './records';

/** Rows as `pk|sk → [count, watchSeconds]`, the shape the expectations are built in. */
function rowsOf(writer: MemoryViewWriter): Map<string, [number, number]> {
  return new Map([...writer.rows].map(([id, r]) => [id, [r.eventCount, r.watchSeconds]]));
}

/** The speed rows the fixture files say one batch of all events.jsonl must produce (view-table.json key design). */
function expectedSpeedRows(): Map<string, [number, number]> {
  return new Map(
    expectedMinute().map((r) => [`speed#${r.contentId}#${r.type}|m#${r.minute}`, [r.count, r.watchSeconds]]),
  );
}

const fixtureBatch = (): KinesisStreamRecord[] => fixtureLines().map((line, i) => kinesisRecord(line, i));

describe('processBatch on the golden fixtures as one batch', () => {
  it('writes exactly expected-minute.json, one write per distinct key', async () => {
    const writer = new MemoryViewWriter();
    const outcome = await processBatch(fixtureBatch(), { writer, deadLetters: new MemoryDeadLetterSink() });
    expect(rowsOf(writer)).toEqual(expectedSpeedRows());
    expect(writer.writes).toBe(expectedMinute().length);
    expect(outcome.response).toEqual({ batchItemFailures: [] });
  });

  it('dead-letters exactly the lines of malformed.json, with their reason and stream coordinates', async () => {
    const deadLetters = new MemoryDeadLetterSink();
    const records = fixtureBatch();
    await processBatch(records, { writer: new MemoryViewWriter(), deadLetters });
    const got = deadLetters.letters.map((l) => ({
      reason: l.reason,
      shardId: l.ref.shardId,
      sequenceNumber: l.ref.sequenceNumber,
      data: l.ref.data,
    }));
    const expected = malformedLines().map((m) => ({
      reason: m.reason,
      shardId: SHARD,
      sequenceNumber: seq(m.line - 1),
      data: fixtureLines()[m.line - 1].toString('base64'),
    }));
    expect(got).toEqual(expected);
  });

  it('counts duplicates within the batch once, and reports them', async () => {
    const lines = fixtureLines();
    const malformed = new Set(malformedLines().map((m) => m.line));
    const validLines = lines.filter((_, i) => !malformed.has(i + 1)).map((l) => l.toString('utf8'));
    const distinct = new Set(validLines.map((l) => (JSON.parse(l) as { eventId: string }).eventId)).size;
    const { stats } = await processBatch(fixtureBatch(), {
      writer: new MemoryViewWriter(),
      deadLetters: new MemoryDeadLetterSink(),
    });
    expect(stats).toMatchObject({
      records: lines.length,
      processed: distinct,
      malformed: malformed.size,
      duplicatesInBatch: validLines.length - distinct,
    });
  });

  it('over-counts duplicates that arrive in different batches (batch size 1)', async () => {
    const writer = new MemoryViewWriter();
    for (const r of fixtureBatch())
      await processBatch([r], { writer, deadLetters: new MemoryDeadLetterSink() });
    // expected: every valid line counts, re-sends included (no dedupe across batches)
    const malformed = new Set(malformedLines().map((m) => m.line));
    const expected = new Map<string, [number, number]>();
    for (const [i, line] of fixtureLines().entries()) {
      if (malformed.has(i + 1)) continue;
      const e = JSON.parse(line.toString('utf8')) as Record<string, string | number | undefined>;
      const id = `speed#${e.contentId}#${e.type}|m#${String(e.occurredAt).slice(0, 16)}`;
      const [c, w] = expected.get(id) ?? [0, 0];
      expected.set(id, [c + 1, w + Number(e.watchSeconds ?? 0)]);
    }
    expect(rowsOf(writer)).toEqual(expected);
    expect(rowsOf(writer)).not.toEqual(expectedSpeedRows());
  });
});

describe('processBatch with malformed records', () => {
  it('dead-letters bad base64 and does not report it as a failure', async () => {
    const records = [
      kinesisRecord(event(), 0),
      kinesisRecord('', 1, { rawData: '!!!not base64!!!' }),
      kinesisRecord('', 2, { rawData: 'eyJh' + 'Yi' }), // length not a multiple of 4
      kinesisRecord('', 3, { rawData: '' }),
    ];
    const deadLetters = new MemoryDeadLetterSink();
    const outcome = await processBatch(records, { writer: new MemoryViewWriter(), deadLetters });
    expect(deadLetters.letters.map((l) => [l.reason, l.ref.sequenceNumber])).toEqual([
      ['invalid_base64', seq(1)],
      ['invalid_base64', seq(2)],
      ['invalid_base64', seq(3)],
    ]);
    expect(outcome.response.batchItemFailures).toEqual([]);
  });

  it('dead-letters invalid UTF-8 instead of replacing it', async () => {
    const broken = Buffer.from(JSON.stringify(event({ userId: 'u-é' })), 'utf8'); // é is 0xC3 0xA9
    broken[broken.indexOf(0xc3)] = 0xff; // 0xFF never occurs in UTF-8
    const deadLetters = new MemoryDeadLetterSink();
    await processBatch([kinesisRecord(broken, 0)], { writer: new MemoryViewWriter(), deadLetters });
    expect(deadLetters.letters.map((l) => l.reason)).toEqual(['invalid_utf8']);
  });

  it('reports as failures the malformed records whose dead letter could not be sent', async () => {
    const records = kinesisRecords([event(), 'not json', event(), '[1]']);
    const failingSink: DeadLetterSink = { send: async (letters) => [...letters] };
    const outcome = await processBatch(records, { writer: new MemoryViewWriter(), deadLetters: failingSink });
    expect(outcome.response.batchItemFailures).toEqual([
      { itemIdentifier: seq(1) },
      { itemIdentifier: seq(3) },
    ]);
  });
});

/** A writer that fails transiently for chosen keys, and otherwise delegates to an in-memory view. */
class FlakyWriter implements ViewWriter {
  constructor(
    readonly view: MemoryViewWriter,
    private readonly failFor: (contentId: string) => boolean,
  ) {}
  async add(delta: Parameters<ViewWriter['add']>[0], token?: string): Promise<AddResult> {
    if (this.failFor(delta.contentId)) {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    }
    return this.view.add(delta, token);
  }
}

describe('delivery semantics (at least once)', () => {
  it('a batch retried after a failed invocation adds its counts again (over-count)', async () => {
    const records = kinesisRecords([
      event({ contentId: 'a', watchSeconds: 30 }),
      event({ contentId: 'a', watchSeconds: 15 }),
      event({ contentId: 'b', type: 'like', watchSeconds: undefined }),
    ]);
    const writer = new MemoryViewWriter();
    const deps = { writer, deadLetters: new MemoryDeadLetterSink() };
    await processBatch(records, deps);
    await processBatch(records, deps); // e.g. the first invocation timed out after writing
    expect(rowsOf(writer)).toEqual(
      new Map([
        ['speed#a#heartbeat|m#2026-11-20T23:59', [4, 90]],
        ['speed#b#like|m#2026-11-20T23:59', [2, 0]],
      ]),
    );
  });

  it('after a partial failure, Kinesis redelivers from the lowest failed record: later keys that succeeded over-count', async () => {
    const payloads = [
      event({ contentId: 'ok-before' }), // 0: written, before the failed record: not redelivered
      event({ contentId: 'slow' }), // 1: write fails → reported
      event({ contentId: 'ok-after' }), // 2: written, but after the lowest failure: redelivered
      event({ contentId: 'slow' }), // 3: same key as 1 → reported
    ];
    const records = kinesisRecords(payloads);
    const view = new MemoryViewWriter();
    let throttled = true;
    const writer = new FlakyWriter(view, (c) => throttled && c === 'slow');
    const first = await processBatch(records, { writer, deadLetters: new MemoryDeadLetterSink() });
    expect(first.response.batchItemFailures).toEqual([
      { itemIdentifier: seq(1) },
      { itemIdentifier: seq(3) },
    ]);

    // What Kinesis does with ReportBatchItemFailures: resume from the lowest reported sequence number.
    throttled = false;
    const lowest = records.findIndex(
      (r) => r.kinesis.sequenceNumber === first.response.batchItemFailures[0].itemIdentifier,
    );
    const second = await processBatch(records.slice(lowest), {
      writer,
      deadLetters: new MemoryDeadLetterSink(),
    });
    expect(second.response.batchItemFailures).toEqual([]);
    expect(rowsOf(view)).toEqual(
      new Map([
        ['speed#ok-before#heartbeat|m#2026-11-20T23:59', [1, 30]],
        ['speed#slow#heartbeat|m#2026-11-20T23:59', [2, 60]], // exact: it was not written the first time
        ['speed#ok-after#heartbeat|m#2026-11-20T23:59', [2, 60]], // one event, counted twice
      ]),
    );
  });
});

describe('aggregation', () => {
  it('buckets by the minute of occurredAt in UTC and sums watchSeconds (absent = 0)', async () => {
    const records = kinesisRecords([
      event({ occurredAt: '2026-11-20T23:59:59.999Z', watchSeconds: 10 }),
      event({ occurredAt: '2026-11-21T00:00:00.000Z', watchSeconds: 20 }),
      event({ occurredAt: '2026-11-21T00:00:59.999Z', watchSeconds: undefined }),
      event({ occurredAt: '2026-11-21T00:00:30.000Z', type: 'view_end', watchSeconds: 3600 }),
    ]);
    const writer = new MemoryViewWriter();
    await processBatch(records, { writer, deadLetters: new MemoryDeadLetterSink() });
    expect(rowsOf(writer)).toEqual(
      new Map([
        ['speed#match-ind-aus-live#heartbeat|m#2026-11-20T23:59', [1, 10]],
        ['speed#match-ind-aus-live#heartbeat|m#2026-11-21T00:00', [2, 20]],
        ['speed#match-ind-aus-live#view_end|m#2026-11-21T00:00', [1, 3600]],
      ]),
    );
  });

  it('sets bucketStart and a TTL of SPEED_TTL_DAYS after the minute', async () => {
    const writer = new MemoryViewWriter(3);
    await processBatch(kinesisRecords([event({ occurredAt: '2026-11-20T14:05:42.000Z' })]), {
      writer,
      deadLetters: new MemoryDeadLetterSink(),
    });
    expect([...writer.rows.values()][0]).toMatchObject({
      bucketStart: '2026-11-20T14:05:00.000Z',
      expiresAt: Date.UTC(2026, 10, 23, 14, 5) / 1000,
    });
  });
});
