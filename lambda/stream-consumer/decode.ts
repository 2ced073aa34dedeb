import type { KinesisStreamRecord } from 'aws-lambda';
import {
  CONTENT_ID_PATTERN,
  EVENT_TYPES,
  type EventType,
  isCalendarInstant,
  type MalformedReason,
  type ParseResult,
  type StreamEvent,
  UUID_PATTERN,
  validateEvent,
  WATCH_SECONDS_TYPES,
} from '../../lib/contracts/event';
import contract from '../../lib/contracts/event.schema.json';

/** Where a record sits in the stream: what a dead letter and a batch item failure refer to. */
export interface RecordRef {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Seconds since the epoch, as Kinesis reports it. */
  readonly approximateArrivalTimestamp: number;
  /** The record's data exactly as received (base64). */
  readonly data: string;
}

export type Decoded =
  | { readonly ok: true; readonly ref: RecordRef; readonly event: StreamEvent }
  | { readonly ok: false; readonly ref: RecordRef; readonly reason: MalformedReason };

/**
 * Decodes canonical base64 strictly, or returns undefined. Node's decoder silently skips characters outside the
 * alphabet (and accepts the URL-safe one), so strictness comes from the length: a string of valid characters
 * decodes to exactly 3 bytes per 4 characters minus the padding, and a skipped character makes it shorter. This is
 * ~4× cheaper than a validating regular expression on a 400-character record (see bench/consumer.ts).
 */
export function decodeBase64Strict(data: string): Buffer | undefined {
  const n = data.length;
  if (n === 0 || n % 4 !== 0 || data.includes('-') || data.includes('_')) return undefined;
  const padding = data.charCodeAt(n - 1) === 0x3d ? (data.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0;
  const bytes = Buffer.from(data, 'base64');
  return bytes.length === (n / 4) * 3 - padding ? bytes : undefined;
}

/** The shard id is the part of the event id before the colon (`shardId-000000000000:4958…`). */
export function shardIdOf(eventID: string): string {
  const colon = eventID.indexOf(':');
  return colon < 0 ? eventID : eventID.slice(0, colon);
}

export function refOf(record: KinesisStreamRecord): RecordRef {
  return {
    shardId: shardIdOf(record.eventID),
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
    data: record.kinesis.data,
  };
}

const TYPES = new Set<string>(EVENT_TYPES);
const WATCH_TYPES = new Set<string>(WATCH_SECONDS_TYPES);
const USER_ID_MAX = contract.properties.userId.maxLength;
const REGION_MAX = contract.properties.region.maxLength;
const DEVICE_MAX = contract.properties.device.maxLength;
const WATCH_MIN = contract.properties.watchSeconds.minimum;
const WATCH_MAX = contract.properties.watchSeconds.maximum;

/**
 * The common case of validation without zod: returns the event when every field is plainly valid by the contract
 * (patterns, calendar check and limits come from lib/contracts), or undefined for anything else, which then goes
 * through the contract's zod schema for the verdict and the reason. It may send a valid event to zod (a string
 * longer in UTF-16 units than its limit in code points), never accepts one zod rejects, and returns what zod would
 * (the known fields; unknown ones dropped). A non-empty string of at most `max` UTF-16 units has 1 to `max` code
 * points, the contract's length. `test/lambda/stream-consumer/decode.test.ts` holds it to zod's verdicts on every
 * golden fixture line and a corpus of edge cases. Zod costs about as much as JSON.parse per record (profile of
 * bench/consumer.ts), and this is the consumer's hottest path.
 */
export function plainEvent(v: Record<string, unknown>): StreamEvent | undefined {
  const eventId = v.eventId;
  const type = v.type;
  const userId = v.userId;
  const contentId = v.contentId;
  const occurredAt = v.occurredAt;
  const region = v.region;
  const device = v.device;
  const watchSeconds = v.watchSeconds;
  if (
    typeof eventId !== 'string' ||
    !UUID_PATTERN.test(eventId) ||
    typeof type !== 'string' ||
    !TYPES.has(type) ||
    typeof userId !== 'string' ||
    userId.length === 0 ||
    userId.length > USER_ID_MAX ||
    typeof contentId !== 'string' ||
    !CONTENT_ID_PATTERN.test(contentId) ||
    typeof occurredAt !== 'string' ||
    !isCalendarInstant(occurredAt) ||
    typeof region !== 'string' ||
    region.length === 0 ||
    region.length > REGION_MAX ||
    typeof device !== 'string' ||
    device.length === 0 ||
    device.length > DEVICE_MAX
  )
    return undefined;
  if (watchSeconds === undefined)
    return { eventId, type: type as EventType, userId, contentId, occurredAt, region, device };
  if (
    typeof watchSeconds !== 'number' ||
    !Number.isSafeInteger(watchSeconds) ||
    watchSeconds < WATCH_MIN ||
    watchSeconds > WATCH_MAX ||
    !WATCH_TYPES.has(type)
  )
    return undefined;
  return { eventId, type: type as EventType, userId, contentId, occurredAt, region, device, watchSeconds };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep a BOM: it is not JSON

/**
 * Decodes one Kinesis record's payload: base64 → UTF-8 → JSON → the event contract. Never throws. The same steps
 * and verdicts as the contract's `parseEventBytes`, with {@link plainEvent} before its zod schema.
 */
export function decodeEvent(record: KinesisStreamRecord): ParseResult {
  const bytes = typeof record.kinesis.data === 'string' ? decodeBase64Strict(record.kinesis.data) : undefined;
  if (bytes === undefined) return { ok: false, reason: 'invalid_base64' };
  return decodeEventBytes(bytes);
}

/**
 * One payload's bytes: UTF-8 → JSON → the event contract. Never throws. The same verdicts as the contract's
 * `parseEventBytes` (tests hold them equal on every golden fixture line), with {@link plainEvent} before its zod
 * schema; the MapReduce mapper validates raw lines with it too.
 */
export function decodeEventBytes(bytes: Uint8Array): ParseResult {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid_utf8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const event = plainEvent(value as Record<string, unknown>);
    if (event !== undefined) return { ok: true, event };
  }
  return validateEvent(value);
}

/** Decodes one Kinesis record, with where it sits in the stream. Never throws. */
export function decodeRecord(record: KinesisStreamRecord): Decoded {
  const ref = refOf(record);
  const result = decodeEvent(record);
  return result.ok ? { ok: true, ref, event: result.event } : { ok: false, ref, reason: result.reason };
}
