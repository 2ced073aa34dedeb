import { decodeBase64Strict, shardIdOf } from '../../../lambda/stream-consumer/decode';

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
