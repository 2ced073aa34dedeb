import { partitionOf, sparkHash } from '../../../lambda/mapreduce/hash';
import { LineSplitter, splitLines } from '../../../lambda/mapreduce/lines';
import { classifyLine } from '../../../lambda/mapreduce/map';
import { EngineError, planDay } from '../../../lambda/mapreduce/plan';
import { compareText } from '../../../lambda/mapreduce/records';
import { topContent } from '../../../lambda/mapreduce/reduce';
import { readPartition, ShuffleWriter } from '../../../lambda/mapreduce/shuffle';
import { MAPREDUCE_DEFAULTS } from '../../../lib/contracts/mapreduce';

describe("Spark's hash", () => {
  // Printed by pyspark 3.5.6: SELECT hash(v), pmod(hash(v), 7) — an implementation this code did not produce.
  test.each([
    ['', 142593372, 5],
    ['a', 1485273170, 3],
    ['ab', -97053317, 3],
    ['abc', 1322437556, 6],
    ['abcd', -396302900, 0],
    ['abcde', 814637928, 6],
    ['3F2A9C1E-1B2C-4D3E-A5F6-0123456789AB', -1829615648, 0],
    ['00556850-f6c0-4416-870f-eaa33ab96550', 1592035442, 4],
    ['ünïcödé→✓', 64910288, 2],
    ['match-ind-aus-live', 1482353733, 0],
  ])('hash(%j) = %d, pmod 7 = %d', (value, hash, partition) => {
    expect(sparkHash(value)).toBe(hash);
    expect(partitionOf(7, value)).toBe(partition);
  });

  test('several columns chain the seed, as hash(a, b, c) does', () => {
    expect(sparkHash('match-ind-aus-live', 'heartbeat', '2026-11-20T23:58')).toBe(-1103952851);
    expect(sparkHash('heartbeat', 'match-ind-aus-live', '2026-11-20T23:58')).not.toBe(-1103952851);
  });
});

describe("lines, as Spark's text source splits them", () => {
  const lines = (...chunks: string[]) => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l.toString('latin1')));
    for (const c of chunks) s.push(Buffer.from(c, 'latin1'));
    s.end();
    return out;
  };

  test('\\n, \\r\\n and \\r all end a line; the last line needs no terminator', () => {
    expect(lines('a\nb\r\nc\rd')).toEqual(['a', 'b', 'c', 'd']);
  });

  test('a trailing terminator adds no empty line; an empty line in between is a line', () => {
    expect(lines('a\n\nb\n')).toEqual(['a', '', 'b']);
  });

  test('a \\r\\n split across chunks is one terminator, and a line split across chunks is one line', () => {
    expect(lines('ab\r', '\ncd', 'ef\n')).toEqual(['ab', 'cdef']);
    expect(lines('ab\r', 'cd')).toEqual(['ab', 'cd']);
  });

  test('a byte-order mark is dropped at the start of an object only', () => {
    const bom = '\xef\xbb\xbf';
    expect(lines(`${bom}a\n${bom}b\n`)).toEqual(['a', `${bom}b`]);
  });

  test('line numbers count from 0 in order', () => {
    const seen: number[] = [];
    expect(splitLines(Buffer.from('x\ny\nz'), (_l, n) => seen.push(n))).toBe(3);
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe('classifying a line', () => {
  const ok = {
    eventId: '3f2a9c1e-1b2c-4d3e-a5f6-0123456789ab',
    type: 'heartbeat',
    userId: 'u',
    contentId: 'c',
    occurredAt: '2026-11-20T23:59:59.999Z',
    region: 'r',
    device: 'd',
    watchSeconds: 30,
  };
  const line = (v: unknown) => Buffer.from(JSON.stringify(v));

  test('a valid event of the day is valid', () => {
    expect(classifyLine(line(ok), '2026-11-20')).toMatchObject({ ok: true });
  });

  test('a valid event of another day is partition_mismatch, as in the Spark job', () => {
    expect(classifyLine(line(ok), '2026-11-21')).toEqual({ ok: false, reason: 'partition_mismatch' });
  });

  test('the contract decides the other reasons (the stream consumer’s code)', () => {
    expect(classifyLine(Buffer.from('{"a":1} x'), '2026-11-20')).toEqual({
      ok: false,
      reason: 'invalid_json',
    });
    expect(classifyLine(Buffer.from([0xff, 0x7b]), '2026-11-20')).toEqual({
      ok: false,
      reason: 'invalid_utf8',
    });
    expect(classifyLine(line({ ...ok, type: 'like' }), '2026-11-20')).toEqual({
      ok: false,
      reason: 'watch_seconds_not_allowed',
    });
  });
});

describe('the shuffle file', () => {
  const reader = (file: Buffer) => ({
    tail: async (n: number) => file.subarray(Math.max(0, file.length - n)),
    range: async (a: number, b: number) => file.subarray(a, b),
  });

  test('each reducer reads back exactly the records of its partition', async () => {
    const w = new ShuffleWriter(3);
    w.add(0, '["a",1]');
    w.add(2, '["ü",2]');
    w.add(2, '["c",3]');
    const file = w.finish({ lines: 3 });
    expect((await readPartition(reader(file), 0, 'f')).records).toEqual([['a', 1]]);
    expect((await readPartition(reader(file), 1, 'f')).records).toEqual([]);
    expect(await readPartition(reader(file), 2, 'f')).toEqual({
      records: [
        ['ü', 2],
        ['c', 3],
      ],
      meta: { lines: 3 },
    });
  });

  test('an index larger than the first tail read is read whole', async () => {
    const w = new ShuffleWriter(20_000);
    w.add(19_999, '[1]');
    const file = w.finish({});
    expect((await readPartition(reader(file), 19_999, 'f')).records).toEqual([[1]]);
  });

  test('fails when the file is not a shuffle file or is truncated', async () => {
    await expect(readPartition(reader(Buffer.from('hello world, not a shuffle')), 0, 'f')).rejects.toThrow(
      'f is not a shuffle file',
    );
    const file = new ShuffleWriter(1).finish({});
    await expect(readPartition(reader(file.subarray(5)), 0, 'f')).rejects.toThrow('f is truncated');
  });

  test('fails when a partition outside the file is asked for', async () => {
    const file = new ShuffleWriter(2).finish({});
    await expect(readPartition(reader(file), 2, 'f')).rejects.toThrow('has 2 partitions');
  });
});

describe('the plan', () => {
  const MiB = 1024 ** 2;
  const obj = (key: string, size: number) => ({ key, size, lastModified: new Date('2026-11-21T00:30:00Z') });
  const limits = { ...MAPREDUCE_DEFAULTS };

  test('items are whole objects in key order, ~mapItemBytes each; reducers are sized from the day bytes', () => {
    const listed = [
      obj('raw/events/dt=D/hour=01/b', 100 * MiB),
      obj('raw/events/dt=D/hour=00/a', 100 * MiB),
      obj('raw/events/dt=D/hour=01/c', 10 * MiB),
    ];
    const p = planDay('2026-11-20', 's3://r/raw/events/dt=2026-11-20/', listed, limits);
    expect(p.mapItems.map((i) => i.objects.map((o) => [o.key.slice(-1), o.ordinal]))).toEqual([
      [['a', 0]],
      [
        ['b', 1],
        ['c', 2],
      ],
    ]);
    expect(p.eventPartitions).toBe(Math.ceil((210 * MiB) / limits.targetFileBytes));
    expect(p.countPartitions).toBe(1);
    expect(p.bytes).toBe(210 * MiB);
  });

  test('an item holds at most 1,000 objects, so its input stays under the 256 KB a child execution takes', () => {
    const many = Array.from({ length: 2500 }, (_, i) =>
      obj(`raw/events/dt=D/hour=00/${String(i).padStart(6, '0')}`, 10),
    );
    const p = planDay('2026-11-20', 'w', many, limits);
    expect(p.mapItems.map((i) => i.objects.length)).toEqual([1000, 1000, 500]);
    expect(Buffer.byteLength(JSON.stringify(p.mapItems[0]))).toBeLessThan(200 * 1024);
  });

  test('keys are ordered by their bytes, as S3 lists them and Spark compares file names', () => {
    const p = planDay('D', 'w', [obj('k/Z', 1), obj('k/a', 1), obj('k/é', 1)], limits);
    expect(p.mapItems[0].objects.map((o) => o.key)).toEqual(['k/Z', 'k/a', 'k/é']);
  });

  test('fails with NoRawPartition for a day without objects', () => {
    expect(() => planDay('2026-11-20', 's3://r/raw/events/dt=2026-11-20/', [], limits)).toThrow(
      expect.objectContaining({ name: 'NoRawPartition' }),
    );
  });

  test('refuses a day over the limit with a message recommending EMR', () => {
    const big = [obj('a', 60 * 1024 * MiB), obj('b', 60 * 1024 * MiB)];
    let err: unknown;
    try {
      planDay('2026-11-20', 'w', big, limits);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).name).toBe('DayTooLarge');
    expect((err as Error).message).toMatch(
      /120\.00 GiB .* limit of 100\.00 GiB\. Run this day on EMR instead: deploy with -c batchEngine=emr/,
    );
  });

  test('refuses an object a mapper cannot hold', () => {
    expect(() => planDay('2026-11-20', 'w', [obj('huge.gz', 300 * MiB)], limits)).toThrow(
      /huge\.gz is 300\.0 MiB, above the 256\.0 MiB/,
    );
  });
});

test('text order is code-point order (UTF-8 byte order), not UTF-16 order', () => {
  const astral = '\u{1F3CF}';
  expect(compareText('\uffff', astral)).toBeLessThan(0);
  expect('\uffff' < astral).toBe(false);
  expect(compareText('a', 'b')).toBeLessThan(0);
  expect(compareText('ab', 'a')).toBeGreaterThan(0);
});

test('top content: most events, then most watch time, then the smaller id; views count view_start', () => {
  const d = (content_id: string, type: string, event_count: number, watch_seconds: number) => ({
    content_id,
    type,
    day: 'D',
    event_count,
    watch_seconds,
  });
  const top = topContent(
    [
      d('b', 'view_start', 5, 0),
      d('a', 'heartbeat', 5, 0),
      d('c', 'heartbeat', 4, 9),
      d('c', 'view_start', 1, 0),
    ],
    2,
  );
  expect(top).toEqual([
    { rank: 1, content_id: 'c', event_count: 5, watch_seconds: 9, views: 1 },
    { rank: 2, content_id: 'a', event_count: 5, watch_seconds: 0, views: 0 },
  ]);
});
