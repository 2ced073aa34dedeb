import {
  checkRangeIsBatch,
  type DiscardedBatch,
  OnFailureMessageError,
  parseOnFailureMessage,
  RangeUnavailableError,
  readRange,
  redriveBatch,
  type ShardReader,
  type StreamRecord,
  streamNameOf,
} from '../../../lambda/stream-consumer/redrive';
import { MemoryViewWriter } from '../../../lambda/stream-consumer/writer';
import { onFailureMessage } from '../../../local/esm/settle';
import { expectedMinute, fixtureLines, malformedLines } from '../../fixtures/fixtures';
import { SHARD, seq } from './records';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/streamlake-events';

/** The golden fixtures as one shard's records, from sequence `seq(from)`. */
function fixtureRecords(from = 0): StreamRecord[] {
  return fixtureLines().map((data, i) => ({
    sequenceNumber: seq(from + i),
    partitionKey: `pk-${i % 7}`,
    data,
    arrivalMs: 1_795_305_600_000 + i,
  }));
}

/** The on-failure message the local event source mapping writes for these records (its producer, not this code). */
function messageFor(records: readonly StreamRecord[]): DiscardedBatch {
  const m = onFailureMessage(
    SHARD,
    STREAM_ARN,
    records,
    'RetryAttemptsExhausted',
    11,
    Date.now(),
    'Unhandled',
  );
  return parseOnFailureMessage(JSON.stringify(m));
}

/** A shard held in memory, read in pages of `page` records from a sequence number, as GetRecords does. */
function memoryReader(shard: readonly StreamRecord[], page = 100): ShardReader {
  let at = 0;
  return {
    async open(_shardId, start) {
      at = shard.findIndex((r) => BigInt(r.sequenceNumber) >= BigInt(start));
      if (at < 0) at = shard.length;
    },
    async next() {
      if (at >= shard.length) return undefined;
      const out = shard.slice(at, at + page);
      at += out.length;
      return out;
    },
  };
}

function rowsOf(writer: MemoryViewWriter): Map<string, [number, number]> {
  return new Map([...writer.rows].map(([id, r]) => [id, [r.eventCount, r.watchSeconds]]));
}

const expectedRows = () =>
  new Map(
    expectedMinute().map((r) => [`speed#${r.contentId}#${r.type}|m#${r.minute}`, [r.count, r.watchSeconds]]),
  );

describe('on-failure messages', () => {
  it('reads the message the local event source mapping writes, and the stream name of its ARN', () => {
    const records = fixtureRecords(5).slice(0, 3);
    const m = messageFor(records);
    expect(m.KinesisBatchInfo).toMatchObject({
      shardId: SHARD,
      startSequenceNumber: seq(5),
      endSequenceNumber: seq(7),
      batchSize: 3,
    });
    expect(streamNameOf(m.KinesisBatchInfo.streamArn)).toBe('streamlake-events');
  });

  it.each([
    ['a body that is not JSON', '{'],
    ['a message of an asynchronous invocation', JSON.stringify({ requestContext: {}, requestPayload: {} })],
    [
      'a range that runs backwards',
      JSON.stringify({
        requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
        timestamp: 't',
        KinesisBatchInfo: {
          shardId: SHARD,
          startSequenceNumber: seq(9),
          endSequenceNumber: seq(2),
          approximateArrivalOfFirstRecord: 'a',
          approximateArrivalOfLastRecord: 'b',
          batchSize: 1,
          streamArn: STREAM_ARN,
        },
      }),
    ],
  ])('fails on %s, naming the problem', (_, body) => {
    expect(() => parseOnFailureMessage(body)).toThrow(OnFailureMessageError);
  });
});

describe('reading the range again', () => {
  const shard = fixtureRecords();

  it('returns exactly the records from start to end, across pages', async () => {
    const range = shard.slice(150, 420);
    const got = await readRange(memoryReader(shard, 64), messageFor(range));
    expect(got.map((r) => r.sequenceNumber)).toEqual(range.map((r) => r.sequenceNumber));
  });

  it('fails when the stream no longer holds the first record (past the retention)', async () => {
    const trimmed = shard.slice(200);
    await expect(readRange(memoryReader(trimmed), messageFor(shard.slice(150, 250)))).rejects.toThrow(
      RangeUnavailableError,
    );
    await expect(readRange(memoryReader([]), messageFor(shard.slice(0, 5)))).rejects.toThrow(/retention/);
  });

  it('fails when the shard ends before the last record', async () => {
    const range = shard.slice(10, 30);
    await expect(readRange(memoryReader(shard.slice(0, 20)), messageFor(range))).rejects.toThrow(/ended at/);
  });

  it('fails when the range holds more records than the batch (interleaved batches of a shard)', () => {
    const batch = messageFor(shard.slice(0, 10));
    expect(() => checkRangeIsBatch(batch, shard.slice(0, 10))).not.toThrow();
    expect(() =>
      checkRangeIsBatch(
        { ...batch, KinesisBatchInfo: { ...batch.KinesisBatchInfo, batchSize: 4 } },
        shard.slice(0, 10),
      ),
    ).toThrow(/ParallelizationFactor/);
  });
});

describe('re-driving a discarded batch into the speed view', () => {
  it('adds the events of the range as the consumer would have: the golden rows exactly', async () => {
    const records = fixtureRecords();
    const writer = new MemoryViewWriter();
    const result = await redriveBatch(messageFor(records), records, { writer });
    expect(rowsOf(writer)).toEqual(expectedRows());
    expect(result.malformed).toBe(malformedLines().length);
    expect(result.keys).toBe(expectedMinute().length);
    expect(result.added).toBe(expectedMinute().length);
    expect(result.alreadyApplied).toBe(0);
  });

  it('run twice, adds once: the second run finds the range token on every row', async () => {
    const records = fixtureRecords();
    const batch = messageFor(records);
    const writer = new MemoryViewWriter();
    await redriveBatch(batch, records, { writer });
    const again = await redriveBatch(batch, records, { writer });
    expect(again.added).toBe(0);
    expect(again.alreadyApplied).toBe(expectedMinute().length);
    expect(rowsOf(writer)).toEqual(expectedRows());
  });

  it('two different ranges add both: events counted = distinct valid eventIds of each range (plain JSON.parse)', async () => {
    const records = fixtureRecords();
    const malformed = new Set(malformedLines().map((m) => m.line - 1));
    const lines = fixtureLines();
    const distinct = (from: number, to: number): number => {
      const ids = new Set<string>();
      for (let i = from; i < to; i++)
        if (!malformed.has(i))
          ids.add((JSON.parse(lines[i]!.toString('utf8')) as { eventId: string }).eventId);
      return ids.size;
    };
    const cut = 300;
    const writer = new MemoryViewWriter();
    const a = await redriveBatch(messageFor(records.slice(0, cut)), records.slice(0, cut), { writer });
    const b = await redriveBatch(messageFor(records.slice(cut)), records.slice(cut), { writer });
    expect(a.token).not.toBe(b.token);
    let total = 0;
    for (const [, [count]] of rowsOf(writer)) total += count;
    expect(total).toBe(distinct(0, cut) + distinct(cut, records.length));
  });

  it('with --dry-run, reports and writes nothing', async () => {
    const records = fixtureRecords();
    const writer = new MemoryViewWriter();
    const result = await redriveBatch(messageFor(records), records, { writer, dryRun: true });
    expect(writer.writes).toBe(0);
    expect(result.keys).toBe(expectedMinute().length);
    const minutes = expectedMinute()
      .map((r) => r.minute)
      .sort();
    expect(result.minutes).toEqual({ first: minutes[0], last: minutes[minutes.length - 1] });
  });
});
