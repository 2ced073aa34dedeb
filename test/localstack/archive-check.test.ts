import { gzipSync } from 'node:zlib';
import { archiveRecords, checkArchive } from '../../scripts/localstack-archive-check';

const event = (id: string) => ({
  eventId: id,
  type: 'like',
  occurredAt: '2026-11-20T23:40:00.000Z',
  note: 'a {b} "c"',
});
const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe('archiveRecords', () => {
  test('reads newline-delimited records', () => {
    expect(archiveRecords(bytes(`${JSON.stringify(event('a'))}\n${JSON.stringify(event('b'))}\n`))).toEqual([
      event('a'),
      event('b'),
    ]);
  });

  test('reads concatenated records (no delimiter), with braces and quotes inside strings', () => {
    expect(archiveRecords(bytes(JSON.stringify(event('a')) + JSON.stringify(event('b'))))).toEqual([
      event('a'),
      event('b'),
    ]);
  });

  test('reads a gzip object', () => {
    expect(archiveRecords(new Uint8Array(gzipSync(`${JSON.stringify(event('a'))}\n`)))).toEqual([event('a')]);
  });

  test('fails when an object ends inside a record', () => {
    expect(() => archiveRecords(bytes('{"eventId":"a"'))).toThrow(/ends inside a record/);
  });

  test('fails on text between records', () => {
    expect(() => archiveRecords(bytes('{"eventId":"a"} junk {"eventId":"b"}'))).toThrow(/unexpected 'j'/);
  });
});

describe('checkArchive', () => {
  const object = (...ids: string[]) => bytes(ids.map((id) => JSON.stringify(event(id))).join(''));

  test('passes when the bucket holds exactly the events put, across objects', () => {
    const check = checkArchive(['a', 'b', 'c'], [object('a', 'b'), object('c')]);
    expect(check).toMatchObject({ put: 3, archived: 3, missing: [], unexpected: [], ok: true });
  });

  test('a duplicate delivery is reported, not a failure', () => {
    const check = checkArchive(['a', 'b'], [object('a', 'b'), object('b')]);
    expect(check).toMatchObject({ ok: true, duplicated: ['b'], archived: 3 });
  });

  test('an event put twice must be archived twice', () => {
    expect(checkArchive(['a', 'a', 'b'], [object('a', 'b')])).toMatchObject({ ok: false, missing: ['a'] });
    expect(checkArchive(['a', 'a', 'b'], [object('a', 'b', 'a')])).toMatchObject({
      ok: true,
      duplicated: [],
    });
  });

  test('fails when an event is missing', () => {
    expect(checkArchive(['a', 'b'], [object('a')])).toMatchObject({ ok: false, missing: ['b'] });
  });

  test('fails when the bucket holds an event that was never put', () => {
    expect(checkArchive(['a'], [object('a', 'x')])).toMatchObject({ ok: false, unexpected: ['x'] });
  });

  test('fails when nothing was put (an empty check proves nothing)', () => {
    expect(checkArchive([], []).ok).toBe(false);
  });
});
