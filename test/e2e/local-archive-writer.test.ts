import { extractKeys, formatTimestamp, parseJqKeys, renderPrefix } from '../../local/archive-writer';

// The query as the ingestion construct writes it into the template (lib/constructs/ingestion/event-stream.ts).
const QUERY =
  '{"dt":.occurredAt | if type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:") then .[0:10] else error("occurredAt is not a timestamp") end,' +
  '"hour":.occurredAt | if type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:") then .[11:13] else error("occurredAt is not a timestamp") end}';
const PREFIX = 'raw/events/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/';
const ERROR_PREFIX = 'raw/errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';
const enc = (s: string) => new TextEncoder().encode(s);

describe('archive writer key layout (what Firehose dynamic partitioning produces)', () => {
  const exprs = parseJqKeys(QUERY);

  test('partitions by the event’s own occurredAt, in UTC', () => {
    const keys = extractKeys(exprs, enc('{"occurredAt":"2026-11-20T23:59:59.999Z","type":"like"}'));
    expect(keys).toEqual({ dt: '2026-11-20', hour: '23' });
    expect(
      renderPrefix(PREFIX, {
        keys: keys as Record<string, string>,
        arrivalMs: Date.parse('2026-11-21T00:00:05Z'),
      }),
    ).toBe('raw/events/dt=2026-11-20/hour=23/');
  });

  test.each([
    ['not JSON', '{"occurredAt": '],
    ['no occurredAt', '{"type":"like"}'],
    ['occurredAt not a string', '{"occurredAt": 1795470054040}'],
    ['occurredAt not a timestamp', '{"occurredAt":"yesterday"}'],
  ])('a record with %s fails partitioning (goes to the error prefix)', (_name, payload) => {
    expect(extractKeys(exprs, enc(payload))).toHaveProperty('error');
  });

  test('the error prefix uses the error type and the arrival time', () => {
    expect(
      renderPrefix(ERROR_PREFIX, {
        arrivalMs: Date.parse('2026-11-21T00:00:05Z'),
        errorOutputType: 'partitioning-failed',
      }),
    ).toBe('raw/errors/partitioning-failed/dt=2026-11-21/');
  });

  test('formats Firehose timestamp patterns in UTC', () => {
    expect(formatTimestamp('yyyy/MM/dd/HH/mm/ss', Date.parse('2026-01-02T03:04:05Z'))).toBe(
      '2026/01/02/03/04/05',
    );
  });

  test('accepts parentheses around a value expression', () => {
    expect(
      extractKeys(
        parseJqKeys('{"dt":(.occurredAt[0:10]),"hour":((.occurredAt[11:13]))}'),
        enc('{"occurredAt":"2026-11-21T00:01:00.000Z"}'),
      ),
    ).toEqual({
      dt: '2026-11-21',
      hour: '00',
    });
  });

  test('refuses a jq expression it cannot evaluate exactly like Firehose', () => {
    expect(() => parseJqKeys('{"dt": .occurredAt | strptime("%Y") | mktime}')).toThrow(/unsupported/);
  });
});
