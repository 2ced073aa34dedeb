import { handleRequest, internalError } from '../../../lambda/query-api/api';
import { parseEnv } from '../../../lambda/query-api/env';
import { deps, httpEvent } from './events';

describe('query API failures', () => {
  test('a failing read surfaces as an error for index.ts to turn into a 500', async () => {
    const d = deps();
    d.reader.rows = async () => {
      throw new Error('AccessDeniedException: arn:aws:dynamodb:eu-west-1:123456789012:table/secret');
    };
    await expect(
      handleRequest(httpEvent({ contentId: 'a', from: '2026-11-20', to: '2026-11-20' }), d),
    ).rejects.toThrow(/AccessDenied/);
  });

  test('the 500 body names nothing but the request id', () => {
    const res = internalError('req-9');
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(String(res.body))).toEqual({
      error: 'InternalError',
      message: 'internal error',
      requestId: 'req-9',
    });
  });
});

describe('handler environment', () => {
  const VALID = {
    VIEW_TABLE_NAME: 'views',
    ARCHITECTURE: 'lambda',
    SPEED_ENGINE: 'lambda',
    VIEW_VERSION_PARAMETER: '/streamlake/dev/view-version',
    MAX_RANGE_DAYS: '31',
  };

  test('a valid environment parses, with numbers as numbers', () => {
    expect(parseEnv(VALID)).toEqual({ ...VALID, MAX_RANGE_DAYS: 31, DAY_SETTLE_MINUTES: 0 });
  });

  test('fails when VIEW_TABLE_NAME is missing', () => {
    const { VIEW_TABLE_NAME: _omit, ...rest } = VALID;
    expect(() => parseEnv(rest)).toThrow(/VIEW_TABLE_NAME/);
  });

  test('fails when MAX_RANGE_DAYS is not a whole number', () => {
    expect(() => parseEnv({ ...VALID, MAX_RANGE_DAYS: '1.5' })).toThrow(/MAX_RANGE_DAYS/);
  });

  test('fails when kappa is paired with the Lambda speed engine', () => {
    expect(() => parseEnv({ ...VALID, ARCHITECTURE: 'kappa' })).toThrow(/SPEED_ENGINE/);
  });

  test('fails when ARCHITECTURE is unknown', () => {
    expect(() => parseEnv({ ...VALID, ARCHITECTURE: 'delta' })).toThrow(/ARCHITECTURE/);
  });
});
