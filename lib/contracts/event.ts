import { z } from 'zod';

/**
 * The streamlake event contract in TypeScript: the zod schema every TypeScript component validates with
 * (stream consumer, serving layer, CLI). `event.schema.json` next to this file is the canonical JSON Schema;
 * `test/contracts/event-contract.test.ts` checks that both give the same verdict on every golden fixture line.
 */

/** Every event type, in contract order. */
export const EVENT_TYPES = ['view_start', 'view_end', 'heartbeat', 'like', 'comment', 'share'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The only types that may carry `watchSeconds`. */
export const WATCH_SECONDS_TYPES: readonly EventType[] = ['heartbeat', 'view_end'];

/**
 * Fields in precedence order: when a record breaks several rules, the first failing field names the reason.
 * Every implementation (TypeScript, Java, Python) uses the same order so dead-letter reasons agree.
 */
export const EVENT_FIELDS = [
  'eventId',
  'type',
  'userId',
  'contentId',
  'occurredAt',
  'region',
  'device',
  'watchSeconds',
] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

/**
 * Why a record is malformed: a short, stable category (also used as a metric dimension and in dead letters).
 * `invalid_base64` is only produced by transports that carry base64 (the Kinesis consumer), never by `parseEvent`.
 */
export type MalformedReason =
  | 'invalid_base64'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | `schema:${EventField}`
  | 'invalid_timestamp'
  | 'watch_seconds_not_allowed';

export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const CONTENT_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
export const OCCURRED_AT_PATTERN =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.[0-9]{3}Z$/;

/** Largest accepted `watchSeconds` (one hour). */
export const MAX_WATCH_SECONDS = 3600;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * True when a string that already matches {@link OCCURRED_AT_PATTERN} names a real UTC calendar instant.
 * Checked field by field rather than with `Date.parse`, whose leniency varies by engine (V8 accepts some
 * impossible dates and rolls them over). No leap seconds: `:60` is invalid, as in every other implementation.
 */
export function isCalendarInstant(occurredAt: string): boolean {
  const m = OCCURRED_AT_PATTERN.exec(occurredAt);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return day <= maxDay && Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 59;
}

/**
 * Length in Unicode code points, which is what JSON Schema's minLength/maxLength count. A JS string's `length`
 * counts UTF-16 units, so an astral character (an emoji) would count twice.
 */
function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // a high surrogate followed by a low surrogate is one code point
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** A non-empty string of at most `max` code points (the UTF-16 length is a cheap upper bound checked first). */
function text(max: number) {
  return z.string().refine((s) => s.length > 0 && (s.length <= max || codePointLength(s) <= max));
}

const TIMESTAMP_REASON: MalformedReason = 'invalid_timestamp';

/** Shape and per-field rules; the cross-field rule (watchSeconds only on some types) is added below. */
const eventShape = z.object({
  eventId: z.string().regex(UUID_PATTERN),
  type: z.enum(EVENT_TYPES),
  userId: text(128),
  contentId: z.string().regex(CONTENT_ID_PATTERN),
  occurredAt: z
    .string()
    .regex(OCCURRED_AT_PATTERN, { abort: true })
    .refine(isCalendarInstant, { params: { reason: TIMESTAMP_REASON } }),
  region: text(64),
  device: text(64),
  // z.int() rejects null, NaN, fractions and unsafe integers; JSON `30.0` parses to 30 in JS and is an integer in
  // JSON Schema too, so it is accepted (it is not in the fixtures because JSON parsers disagree on it).
  watchSeconds: z.int().min(0).max(MAX_WATCH_SECONDS).optional(),
});

const WATCH_REASON: MalformedReason = 'watch_seconds_not_allowed';

/**
 * The event schema. Unknown fields are stripped from the parsed value (forward compatible: they are allowed,
 * and ignored). The cross-field refinement only runs when every field is valid, which gives it the lowest
 * precedence, as {@link EVENT_FIELDS} requires.
 */
export const streamEventSchema = eventShape.refine(
  (e) => e.watchSeconds === undefined || e.type === 'heartbeat' || e.type === 'view_end',
  { params: { reason: WATCH_REASON }, path: ['watchSeconds'] },
);

export type StreamEvent = z.infer<typeof streamEventSchema>;

export type ParseResult = { ok: true; event: StreamEvent } | { ok: false; reason: MalformedReason };

const FIELD_RANK = new Map<PropertyKey, number>(EVENT_FIELDS.map((f, i) => [f, i]));

/** Maps zod issues to the contract's reason: the issue on the earliest field in {@link EVENT_FIELDS} wins. */
function reasonOf(issues: readonly z.core.$ZodIssue[]): MalformedReason {
  let best: z.core.$ZodIssue | undefined;
  let bestRank = Number.POSITIVE_INFINITY;
  for (const issue of issues) {
    const rank = FIELD_RANK.get(issue.path[0] ?? '') ?? EVENT_FIELDS.length;
    if (rank < bestRank) {
      best = issue;
      bestRank = rank;
    }
  }
  if (best === undefined) return 'schema:eventId'; // unreachable: an object always fails on a named field
  if (best.code === 'custom' && typeof best.params?.reason === 'string')
    return best.params.reason as MalformedReason;
  return `schema:${EVENT_FIELDS[bestRank]}`;
}

/** Validates an already-parsed JSON value. */
export function validateEvent(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'not_an_object' };
  const result = streamEventSchema.safeParse(value);
  return result.success
    ? { ok: true, event: result.data }
    : { ok: false, reason: reasonOf(result.error.issues) };
}

/** Parses one record payload (JSON text) against the contract. */
export function parseEvent(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  return validateEvent(value);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep a BOM: it is not JSON

/** Parses one record payload given as bytes: invalid UTF-8 is malformed (`invalid_utf8`), never replaced. */
export function parseEventBytes(bytes: Uint8Array): ParseResult {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid_utf8' };
  }
  return parseEvent(text);
}

/** Minute bucket `yyyy-MM-ddTHH:mm` of a valid `occurredAt` (UTC, so a prefix of the string). */
export function minuteOf(occurredAt: string): string {
  return occurredAt.slice(0, 16);
}

/** Day bucket `yyyy-MM-dd` of a valid `occurredAt`. */
export function dayOf(occurredAt: string): string {
  return occurredAt.slice(0, 10);
}
