import {
  checkFlinkDeadLetters,
  checkOnFailureDestination,
  checkSqsDeadLetters,
} from '../../local/checks/dead-letters';
import { checkServedDay } from '../../local/checks/serving';
import { streamOf, workload } from './workload';

const records = workload();
const stream = streamOf(records);
const malformed = stream.flatMap((s, i) =>
  records[i]?.truth.kind === 'malformed' ? [{ ...s, reason: records[i]?.truth.reason as string }] : [],
);
const body = (m: (typeof malformed)[number], over: Record<string, unknown> = {}) =>
  JSON.stringify({
    reason: m.reason,
    shardId: m.shardId,
    sequenceNumber: m.sequenceNumber,
    data: Buffer.from(m.data).toString('base64'),
    ...over,
  });
const once = new Map(malformed.map((m) => [`${m.shardId}:${m.sequenceNumber}`, 1]));

describe('checkSqsDeadLetters', () => {
  test('the workload has malformed records of several reasons', () => {
    expect(new Set(malformed.map((m) => m.reason)).size).toBeGreaterThan(3);
  });

  test('passes on one dead letter per malformed record, with its reason', () => {
    const c = checkSqsDeadLetters(
      malformed,
      malformed.map((m) => body(m)),
      once,
    );
    expect([c.status, c.detail]).toEqual(['pass', expect.stringMatching(/one each/)]);
  });

  test('fails on a dropped dead letter', () => {
    const c = checkSqsDeadLetters(
      malformed,
      malformed.slice(1).map((m) => body(m)),
      once,
    );
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/1 malformed records without a dead letter/);
  });

  test('fails on a wrong reason', () => {
    const bodies = malformed.map((m, i) =>
      body(m, i === 0 ? { reason: m.reason === 'invalid_json' ? 'schema:type' : 'invalid_json' } : {}),
    );
    const c = checkSqsDeadLetters(malformed, bodies, once);
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/another reason than the generator's/);
  });

  test('fails on a second copy the delivery log does not explain, passes when the record was delivered twice', () => {
    const bodies = [...malformed.map((m) => body(m)), body(malformed[0] as (typeof malformed)[number])];
    expect(checkSqsDeadLetters(malformed, bodies, once).status).toBe('fail');
    const first = malformed[0] as (typeof malformed)[number];
    const twice = new Map(once).set(`${first.shardId}:${first.sequenceNumber}`, 2);
    const c = checkSqsDeadLetters(malformed, bodies, twice);
    expect([c.status, c.detail]).toEqual([
      'pass',
      expect.stringMatching(/1 extra copies from redelivered batches/),
    ]);
  });

  test('fails on a dead letter for a record that is not malformed, and on other data', () => {
    const valid = stream.find((_, i) => records[i]?.truth.kind === 'event');
    const stray = JSON.stringify({
      reason: 'invalid_json',
      shardId: valid?.shardId,
      sequenceNumber: valid?.sequenceNumber,
    });
    expect(checkSqsDeadLetters(malformed, [...malformed.map((m) => body(m)), stray], once).status).toBe(
      'fail',
    );
    const other = malformed.map((m, i) => body(m, i === 0 ? { data: 'eA==' } : {}));
    expect(checkSqsDeadLetters(malformed, other, once).detail).toMatch(/whose data is not the record's/);
  });
});

describe('checkOnFailureDestination', () => {
  test('passes on an empty queue, fails on a discarded batch', () => {
    expect(checkOnFailureDestination([]).status).toBe('pass');
    const c = checkOnFailureDestination([
      JSON.stringify({
        requestContext: { condition: 'RetryAttemptsExhausted' },
        KinesisBatchInfo: { shardId: 'shardId-0', startSequenceNumber: '1', batchSize: 3 },
      }),
    ]);
    expect([c.status, c.detail]).toEqual([
      'fail',
      '1 batches discarded (e.g. RetryAttemptsExhausted: 3 records of shardId-0 from 1)',
    ]);
  });
});

describe('checkFlinkDeadLetters', () => {
  const decode = (d: Uint8Array) => new TextDecoder().decode(d);
  const distinct = [
    ...new Map(
      records
        .filter((r) => r.truth.kind === 'malformed')
        .map((r) => [
          `${r.truth.reason}|${decode(r.data)}`,
          { reason: r.truth.reason as string, payload: decode(r.data) },
        ]),
    ).values(),
  ];

  test('passes on one item per distinct malformed payload', () => {
    expect(checkFlinkDeadLetters(records, distinct).status).toBe('pass');
  });

  test('fails on a dropped item, a doubled item, a wrong reason and a too_late item', () => {
    expect(checkFlinkDeadLetters(records, distinct.slice(1)).detail).toMatch(/without an item/);
    expect(
      checkFlinkDeadLetters(records, [...distinct, distinct[0] as (typeof distinct)[number]]).detail,
    ).toMatch(/more than one item/);
    const wrong = distinct.map((d, i) =>
      i === 0 ? { ...d, reason: 'schema:userId' === d.reason ? 'invalid_json' : 'schema:userId' } : d,
    );
    expect(checkFlinkDeadLetters(records, wrong).status).toBe('fail');
    const late = records.find((r) => r.truth.kind === 'event');
    expect(
      checkFlinkDeadLetters(records, [
        ...distinct,
        { reason: 'too_late', payload: decode(late?.data ?? new Uint8Array()) },
      ]).detail,
    ).toMatch(/items no malformed record explains/);
  });
});

describe('checkServedDay', () => {
  const top = { contentId: 'm', type: 'like', bucket: '2026-11-20', count: 42, watchSeconds: 0 };
  const answer = (count: number, statusCode = 200) => ({
    statusCode,
    body: JSON.stringify({ series: [{ points: [{ bucket: '2026-11-20', count }] }] }),
  });

  test('passes on the reference count, fails on another count or status', () => {
    expect(checkServedDay('2026-11-20', top, answer(42)).status).toBe('pass');
    expect(checkServedDay('2026-11-20', top, answer(84)).status).toBe('fail');
    expect(checkServedDay('2026-11-20', top, answer(42, 500)).status).toBe('fail');
    expect(checkServedDay('2026-11-20', top, { statusCode: 200, body: 'not json' }).status).toBe('fail');
  });
});
