import {
  decodeBase64Strict,
  decodeEvent,
  plainEvent,
  shardIdOf,
} from '../../../lambda/stream-consumer/decode';
import { parseEventBytes } from '../../../lib/contracts/event';
import { fixtureLines } from '../../fixtures/fixtures';
import { kinesisRecord } from './records';

describe('decodeBase64Strict', () => {
  it.each([
    ['YQ==', 1],
    ['YWI=', 2],
    ['YWJj', 3],
    ['eyJhIjoxfQ==', 7], // {"a":1}
  ])('decodes canonical base64 %p to %i bytes', (data, bytes) => {
    expect(decodeBase64Strict(data)?.length).toBe(bytes);
  });

  it.each([
    ['an empty string', ''],
    ['a length that is not a multiple of 4', 'YWJjZ'],
    ['a character outside the alphabet', 'YW*j'],
    ['whitespace', 'YW j'],
    ['the URL-safe alphabet', 'ab-_'],
    ['padding in the middle', 'YQ==YQ=='],
    ['too much padding', 'Y==='],
  ])('fails on %s', (_, data) => {
    expect(decodeBase64Strict(data)).toBeUndefined();
  });
});

describe('shardIdOf', () => {
  it('takes the part of the event id before the colon', () => {
    expect(shardIdOf('shardId-000000000003:49657364000000000000000000000000000000000000000000000001')).toBe(
      'shardId-000000000003',
    );
  });
});

describe('decodeEvent (validation without zod for plainly valid events)', () => {
  const asRecord = (payload: Buffer | string) => kinesisRecord(payload, 0);
  const contract = (payload: Buffer | string) => parseEventBytes(Buffer.from(payload));

  it('gives the contract’s verdict, reason and event on every golden fixture line', () => {
    const lines = fixtureLines();
    let accepted = 0;
    for (const line of lines) {
      const fast = decodeEvent(asRecord(line));
      expect(fast).toStrictEqual(contract(line));
      if (fast.ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(lines.length / 2);
  });

  const valid = {
    eventId: '00000000-0000-4000-8000-000000000001',
    type: 'heartbeat',
    userId: 'u-1',
    contentId: 'match-ind-aus-live',
    occurredAt: '2026-11-20T23:59:10.000Z',
    region: 'IN-MH',
    device: 'android',
    watchSeconds: 30,
  };
  const astral = '\u{1F3CF}'; // two UTF-16 units, one code point
  const edits: [string, Record<string, unknown>][] = [
    ['a valid event', {}],
    ['an extra field', { sessionId: 'x' }],
    ['no watchSeconds', { watchSeconds: undefined }],
    ['watchSeconds 0', { watchSeconds: 0 }],
    ['watchSeconds 3600', { watchSeconds: 3600 }],
    ['watchSeconds 3601', { watchSeconds: 3601 }],
    ['watchSeconds -1', { watchSeconds: -1 }],
    ['watchSeconds 1.5', { watchSeconds: 1.5 }],
    ['watchSeconds null', { watchSeconds: null }],
    ['watchSeconds as a string', { watchSeconds: '30' }],
    ['watchSeconds on a like', { type: 'like' }],
    ['watchSeconds on a view_end', { type: 'view_end' }],
    ['no watchSeconds on a like', { type: 'like', watchSeconds: undefined }],
    ['an unknown type', { type: 'skip' }],
    ['an uppercase UUID', { eventId: '00000000-0000-4000-8000-00000000000A' }],
    ['a short UUID', { eventId: '00000000-0000-4000-8000-00000000001' }],
    ['a numeric eventId', { eventId: 1 }],
    ['an empty userId', { userId: '' }],
    ['a userId of 128 characters', { userId: 'u'.repeat(128) }],
    ['a userId of 129 characters', { userId: 'u'.repeat(129) }],
    ['a userId of 128 astral code points', { userId: astral.repeat(128) }],
    ['a userId of 129 astral code points', { userId: astral.repeat(129) }],
    ['a region of 64 astral code points', { region: astral.repeat(64) }],
    ['a region of 65 characters', { region: 'r'.repeat(65) }],
    ['a device of 64 characters', { device: 'd'.repeat(64) }],
    ['a device of 65 astral code points', { device: astral.repeat(65) }],
    ['an empty device', { device: '' }],
    ['a contentId with #', { contentId: 'a#b' }],
    ['a contentId of 129 characters', { contentId: 'c'.repeat(129) }],
    ['an impossible date', { occurredAt: '2026-02-30T10:00:00.000Z' }],
    ['a leap day', { occurredAt: '2028-02-29T10:00:00.000Z' }],
    ['hour 24', { occurredAt: '2026-11-20T24:00:00.000Z' }],
    ['no milliseconds', { occurredAt: '2026-11-20T23:59:10Z' }],
    ['an object as userId', { userId: { id: 1 } }],
    ['a missing region', { region: undefined }],
  ];
  it.each(edits)('agrees with the contract on %s', (_, edit) => {
    const payload = JSON.stringify({ ...valid, ...edit });
    expect(decodeEvent(asRecord(payload))).toStrictEqual(contract(payload));
  });

  it.each([
    ['not JSON', '{"eventId":'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['a byte-order mark', `\uFEFF${JSON.stringify(valid)}`],
  ])('agrees with the contract on %s', (_, payload) => {
    expect(decodeEvent(asRecord(payload))).toStrictEqual(contract(payload));
  });

  it('agrees with the contract on invalid UTF-8 and reports bad base64', () => {
    const bytes = Buffer.from([0x7b, 0xc3, 0x28, 0x7d]);
    expect(decodeEvent(asRecord(bytes))).toStrictEqual(contract(bytes));
    expect(decodeEvent(kinesisRecord('', 0, { rawData: 'YW*j' }))).toStrictEqual({
      ok: false,
      reason: 'invalid_base64',
    });
  });

  it('takes the plain path for valid events and leaves everything else to the schema', () => {
    expect(plainEvent({ ...valid })).toStrictEqual(valid);
    expect(plainEvent({ ...valid, userId: astral.repeat(100) })).toBeUndefined(); // valid, but decided by zod
    expect(plainEvent({ ...valid, type: 'like' })).toBeUndefined();
  });
});
