import { checkArchive } from '../../local/checks/archive';
import { checkStream, shardTips } from '../../local/checks/stream';
import { archiveOf, streamOf, workload } from './workload';

const records = workload();

describe('checkStream (producer: the stream read back holds exactly the workload)', () => {
  test('passes when every produced record is on the stream once', () => {
    expect(checkStream(records, streamOf(records)).status).toBe('pass');
  });

  test('fails on a record missing from the stream', () => {
    const c = checkStream(records, streamOf(records).slice(1));
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/1 records missing/);
  });

  test('fails on an extra record on the stream (a producer retry that landed twice)', () => {
    const stream = streamOf(records);
    const c = checkStream(records, [
      ...stream,
      { ...(stream[5] as (typeof stream)[number]), sequenceNumber: '1' },
    ]);
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/1 records extra/);
  });

  test('shardTips gives the highest sequence number of each shard, compared as numbers', () => {
    const tips = shardTips([
      { shardId: 'a', sequenceNumber: '9', data: new Uint8Array() },
      { shardId: 'a', sequenceNumber: '10', data: new Uint8Array() },
      { shardId: 'b', sequenceNumber: '3', data: new Uint8Array() },
    ]);
    expect(tips).toEqual({ a: '10', b: '3' });
  });
});

describe('checkArchive (the raw bucket read back against the workload)', () => {
  test('passes on the archive a correct writer leaves', () => {
    const c = checkArchive(records, archiveOf(records));
    expect([c.status, c.detail]).toEqual(['pass', expect.stringMatching(/the same payloads/)]);
  });

  test('fails when an object is missing', () => {
    const objects = archiveOf(records);
    const c = checkArchive(records, objects.slice(1));
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/records missing/);
  });

  test('fails when an object was written twice', () => {
    const objects = archiveOf(records);
    const c = checkArchive(records, [
      ...objects,
      { ...(objects[0] as (typeof objects)[number]), key: `${objects[0]?.key}.copy` },
    ]);
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/records extra/);
  });

  test('fails when an error-prefix object is missing', () => {
    const objects = archiveOf(records).filter((o) => !o.key.startsWith('raw/errors/'));
    expect(checkArchive(records, objects).status).toBe('fail');
  });

  test('fails when a well-formed event sits in another hour partition', () => {
    const objects = archiveOf(records).map((o) => ({ ...o, key: o.key.replace(/hour=(\d\d)/, 'hour=07') }));
    const c = checkArchive(records, objects);
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/outside their dt\/hour partition/);
  });

  test('fails when a well-formed event is under the error prefix', () => {
    const objects = archiveOf(records);
    const event = records.find((r) => r.truth.kind === 'event');
    const moved = objects.map((o) =>
      o.key.startsWith('raw/errors/')
        ? {
            ...o,
            lines: [
              ...o.lines,
              Buffer.from(JSON.stringify({ rawData: Buffer.from(event?.data ?? []).toString('base64') })),
            ],
          }
        : {
            ...o,
            lines: o.lines.filter(
              (l) => Buffer.compare(Buffer.from(l), Buffer.from(event?.data ?? [])) !== 0,
            ),
          },
    );
    const c = checkArchive(records, moved);
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/outside their dt\/hour partition/);
  });

  test('fails on an object outside the raw prefixes', () => {
    expect(checkArchive(records, [...archiveOf(records), { key: 'tmp/x', lines: [] }]).status).toBe('fail');
  });
});
