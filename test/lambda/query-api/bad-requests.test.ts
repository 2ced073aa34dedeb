import { deps, get } from './events';

const VALID = { contentId: 'match-42', type: 'like', from: '2026-11-20T23:00Z', to: '2026-11-21T01:00Z' };

async function rejected(params: Record<string, string | undefined>, maxRangeDays = 31) {
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  const { status, body } = await get(clean, deps({ MAX_RANGE_DAYS: maxRangeDays }));
  expect(status).toBe(400);
  expect(body.error).toBe('BadRequest');
  return body.message ?? '';
}

describe('GET /metrics answers 400 with a clear message', () => {
  test('the valid baseline is accepted', async () => {
    expect((await get(VALID)).status).toBe(200);
  });

  test('fails when the type is unknown', async () => {
    expect(await rejected({ ...VALID, type: 'click' })).toBe(
      "type 'click' is not one of view_start, view_end, heartbeat, like, comment, share",
    );
  });

  test('fails when contentId is missing', async () => {
    expect(await rejected({ ...VALID, contentId: undefined })).toBe('contentId is required');
  });

  test('fails when contentId breaks the contract regex', async () => {
    expect(await rejected({ ...VALID, contentId: 'match#42' })).toBe(
      "contentId 'match#42' must be 1..128 characters of A-Z a-z 0-9 . _ -",
    );
  });

  test('fails when contentId is longer than 128 characters', async () => {
    expect(await rejected({ ...VALID, contentId: 'a'.repeat(129) })).toMatch(
      /^contentId 'a+' must be 1\.\.128/,
    );
  });

  test('fails when from is after to', async () => {
    expect(await rejected({ ...VALID, from: '2026-11-21T01:00Z', to: '2026-11-21T00:59Z' })).toBe(
      'from (2026-11-21T01:00Z) is after to (2026-11-21T00:59Z)',
    );
  });

  test('fails when the range is longer than servingMaxRangeDays', async () => {
    expect(await rejected({ ...VALID, from: '2026-11-01', to: '2026-11-08', granularity: 'day' }, 7)).toBe(
      'the range covers 8 days; at most 7 are allowed',
    );
  });

  test('fails when a date is not a real calendar day', async () => {
    expect(await rejected({ ...VALID, from: '2026-02-30' })).toBe(
      "from '2026-02-30' is not a valid date: use yyyy-MM-dd or yyyy-MM-ddTHH:mm[:ss[.SSS]]Z (UTC)",
    );
  });

  test('fails when a timestamp has no UTC designator', async () => {
    expect(await rejected({ ...VALID, to: '2026-11-21T01:00' })).toBe(
      "to '2026-11-21T01:00' is not a valid date: use yyyy-MM-dd or yyyy-MM-ddTHH:mm[:ss[.SSS]]Z (UTC)",
    );
  });

  test('fails when a timestamp has an offset instead of Z', async () => {
    expect(await rejected({ ...VALID, from: '2026-11-20T23:00+01:00' })).toMatch(
      /^from '2026-11-20T23:00\+01:00' is not a valid date/,
    );
  });

  test('fails when from is missing', async () => {
    expect(await rejected({ ...VALID, from: undefined })).toBe('from is required');
  });

  test('fails when the granularity is unknown', async () => {
    expect(await rejected({ ...VALID, granularity: 'hour' })).toBe(
      "granularity 'hour' is not one of minute, day",
    );
  });

  test('fails when minute granularity covers more than 1440 points', async () => {
    expect(await rejected({ ...VALID, from: '2026-11-20T00:00Z', to: '2026-11-21T00:00Z' })).toBe(
      'minute granularity covers 1441 minutes; at most 1440 are allowed (use granularity=day)',
    );
  });

  test('minute granularity over exactly one day is accepted', async () => {
    expect((await get({ ...VALID, from: '2026-11-20', to: '2026-11-20' })).status).toBe(200);
  });

  test('fails when a parameter is unknown', async () => {
    expect(await rejected({ ...VALID, region: 'IN' })).toBe('unknown parameter(s): region');
  });

  test('fails when there is no query string at all, naming every missing parameter', async () => {
    const { status, body } = await get(undefined);
    expect(status).toBe(400);
    expect(body.message).toBe('contentId is required; from is required; to is required');
  });
});
