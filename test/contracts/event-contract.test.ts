import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { EVENT_TYPES, parseEvent, parseEventBytes } from '../../lib/contracts/event';
import schema from '../../lib/contracts/event.schema.json';
import {
  expectedDay,
  expectedMinute,
  FIXTURES_DIR,
  fixtureLines,
  malformedLines,
} from '../fixtures/fixtures';

const lines = fixtureLines();
const malformed = new Map(malformedLines().map((m) => [m.line, m.reason]));
const ajv = new Ajv2020({ strict: true, allErrors: false });
const validateSchema = ajv.compile(schema);

/** A valid event used as the base of the hand-written cases below. */
const VALID = {
  eventId: '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd',
  type: 'heartbeat',
  userId: 'u-00042',
  contentId: 'match-ind-aus-live',
  occurredAt: '2026-11-20T23:59:59.999Z',
  region: 'IN-MH',
  device: 'android',
  watchSeconds: 30,
};
const json = (o: unknown) => JSON.stringify(o);

describe('golden fixtures', () => {
  it('has 300-600 lines, every category of malformed line, and valid lines of every type', () => {
    expect(lines.length).toBeGreaterThanOrEqual(300);
    expect(lines.length).toBeLessThanOrEqual(600);
    expect(new Set(malformed.values())).toEqual(
      new Set([
        'invalid_json',
        'not_an_object',
        'schema:eventId',
        'schema:type',
        'schema:userId',
        'schema:contentId',
        'schema:occurredAt',
        'schema:region',
        'schema:device',
        'schema:watchSeconds',
        'invalid_timestamp',
        'watch_seconds_not_allowed',
      ]),
    );
    expect(new Set(expectedMinute().map((r) => r.type))).toEqual(new Set(EVENT_TYPES));
  });

  it('zod gives malformed.json verdict, reason included, on every line', () => {
    const verdicts = lines.map((raw, i) => {
      const r = parseEventBytes(raw);
      return { line: i + 1, reason: r.ok ? 'valid' : r.reason };
    });
    const expected = lines.map((_, i) => ({ line: i + 1, reason: malformed.get(i + 1) ?? 'valid' }));
    expect(verdicts).toEqual(expected);
  });

  it('zod and the JSON Schema agree on every line (the schema cannot check calendar validity)', () => {
    for (const [i, raw] of lines.entries()) {
      let value: unknown;
      try {
        value = JSON.parse(raw.toString('utf8'));
      } catch {
        expect({ line: i + 1, reason: malformed.get(i + 1) }).toEqual({
          line: i + 1,
          reason: 'invalid_json',
        });
        continue;
      }
      const z = parseEventBytes(raw);
      const schemaSays = validateSchema(value);
      const zodSays = z.ok || z.reason === 'invalid_timestamp';
      expect({ line: i + 1, schemaSays }).toEqual({ line: i + 1, schemaSays: zodSays });
    }
  });

  it('expected aggregates add up to the distinct valid events of events.jsonl', () => {
    const ids = new Set<string>();
    for (const [i, raw] of lines.entries()) {
      if (malformed.has(i + 1)) continue;
      ids.add((JSON.parse(raw.toString('utf8')) as { eventId: string }).eventId);
    }
    const total = (rows: { count: number }[]) => rows.reduce((n, r) => n + r.count, 0);
    expect(total(expectedMinute())).toBe(ids.size);
    expect(total(expectedDay())).toBe(ids.size);
    expect(new Set(expectedDay().map((r) => r.day))).toEqual(new Set(['2026-11-20', '2026-11-21']));
  });

  it('are what generate.py writes (nobody edited them by hand)', () => {
    const out = mkdtempSync(join(tmpdir(), 'sl-fixtures-'));
    try {
      execFileSync('python3', [join(FIXTURES_DIR, 'generate.py'), '--out', out], { stdio: 'pipe' });
      for (const f of ['events.jsonl', 'expected-minute.json', 'expected-day.json', 'malformed.json']) {
        expect({ f, same: readFileSync(join(out, f)).equals(readFileSync(join(FIXTURES_DIR, f))) }).toEqual({
          f,
          same: true,
        });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('parseEvent', () => {
  it('accepts a valid event and strips unknown fields', () => {
    const r = parseEvent(json({ ...VALID, appVersion: '7.1.0', ctx: { n: 1 } }));
    expect(r).toEqual({ ok: true, event: VALID });
  });

  it('accepts watchSeconds absent on any type, and 0 and 3600 on heartbeat/view_end', () => {
    const { watchSeconds: _, ...noWatch } = VALID;
    for (const type of EVENT_TYPES) expect(parseEvent(json({ ...noWatch, type })).ok).toBe(true);
    expect(parseEvent(json({ ...VALID, watchSeconds: 0 })).ok).toBe(true);
    expect(parseEvent(json({ ...VALID, type: 'view_end', watchSeconds: 3600 })).ok).toBe(true);
  });

  it('accepts 2028-02-29 (leap year) and rejects 2100-02-29 (not a leap year)', () => {
    expect(parseEvent(json({ ...VALID, occurredAt: '2028-02-29T00:00:00.000Z' })).ok).toBe(true);
    expect(parseEvent(json({ ...VALID, occurredAt: '2100-02-29T00:00:00.000Z' }))).toEqual({
      ok: false,
      reason: 'invalid_timestamp',
    });
  });

  it('counts lengths in code points: 128 emoji are a valid userId, 129 are not', () => {
    expect(parseEvent(json({ ...VALID, userId: '🏏'.repeat(128) })).ok).toBe(true);
    expect(parseEvent(json({ ...VALID, userId: '🏏'.repeat(129) }))).toEqual({
      ok: false,
      reason: 'schema:userId',
    });
    expect(validateSchema({ ...VALID, userId: '🏏'.repeat(128) })).toBe(true);
  });

  it('names the first failing field in contract order when several rules are broken', () => {
    const bad = { ...VALID, device: '', region: '', occurredAt: '2026-02-30T00:00:00.000Z', type: 'like' };
    expect(parseEvent(json(bad))).toEqual({ ok: false, reason: 'invalid_timestamp' });
    expect(parseEvent(json({ ...bad, userId: 7 }))).toEqual({ ok: false, reason: 'schema:userId' });
    // watch_seconds_not_allowed has the lowest precedence
    expect(parseEvent(json({ ...VALID, type: 'like', device: '' }))).toEqual({
      ok: false,
      reason: 'schema:device',
    });
    expect(parseEvent(json({ ...VALID, type: 'like', watchSeconds: null }))).toEqual({
      ok: false,
      reason: 'schema:watchSeconds',
    });
  });

  it('fails when the payload is not valid UTF-8, or starts with a byte-order mark', () => {
    const utf8 = Buffer.from(json(VALID), 'utf8');
    const broken = Buffer.concat([utf8.subarray(0, 20), Buffer.from([0xc3, 0x28]), utf8.subarray(20)]);
    expect(parseEventBytes(broken)).toEqual({ ok: false, reason: 'invalid_utf8' });
    expect(parseEventBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]))).toEqual({
      ok: false,
      reason: 'invalid_json',
    });
  });

  it('fails when the JSON is an array, a string, a number or null', () => {
    for (const t of ['[]', '"x"', '1', 'null'])
      expect(parseEvent(t)).toEqual({ ok: false, reason: 'not_an_object' });
  });
});

describe('event.schema.json', () => {
  it('lists exactly EVENT_TYPES', () => {
    expect(schema.properties.type.enum).toEqual([...EVENT_TYPES]);
  });
});
