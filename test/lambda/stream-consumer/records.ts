import type { KinesisStreamEvent, KinesisStreamRecord, KinesisStreamTumblingWindowEvent } from 'aws-lambda';

/** Small factories for Kinesis event source mapping events (data base64-encoded in the envelope, as Lambda sends it). */

export const SHARD = 'shardId-000000000007';
export const ARRIVAL = 1_795_305_600.123; // seconds since the epoch, as Kinesis reports it

/** A plausible, strictly increasing Kinesis sequence number for position `i` of a shard. */
export function seq(i: number): string {
  return `49657364${String(i).padStart(48, '0')}`;
}

export interface RecordOptions {
  readonly sequenceNumber?: string;
  readonly shardId?: string;
  readonly partitionKey?: string;
  /** Base64 as it should appear in the envelope (overrides encoding the payload, to build bad base64). */
  readonly rawData?: string;
}

/** One record whose payload is `payload` (an object is JSON-encoded; a string or bytes are sent verbatim). */
export function kinesisRecord(payload: unknown, i: number, opts: RecordOptions = {}): KinesisStreamRecord {
  const bytes =
    payload instanceof Uint8Array
      ? Buffer.from(payload)
      : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  const shardId = opts.shardId ?? SHARD;
  const sequenceNumber = opts.sequenceNumber ?? seq(i);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: opts.partitionKey ?? `pk-${i % 17}`,
      sequenceNumber,
      data: opts.rawData ?? bytes.toString('base64'),
      approximateArrivalTimestamp: ARRIVAL + i / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/stream-consumer',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/streamlake-events',
  };
}

/** Records for payloads in order, numbered from `from`. */
export function kinesisRecords(payloads: readonly unknown[], from = 0): KinesisStreamRecord[] {
  return payloads.map((p, i) => kinesisRecord(p, from + i));
}

export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

let counter = 0;
/** A valid event; override any field. eventIds are unique per call. */
export function event(over: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    eventId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    type: 'heartbeat',
    userId: `u-${counter}`,
    contentId: 'match-ind-aus-live',
    occurredAt: '2026-11-20T23:59:10.000Z',
    region: 'IN-MH',
    device: 'android',
    watchSeconds: 30,
    ...over,
  };
}

export interface WindowOptions {
  /** Window bounds (ISO, as Lambda sends them). @default 2026-11-20T23:59:00Z to 2026-11-21T00:00:00Z */
  readonly start?: string;
  readonly end?: string;
  /** The state returned by the previous invocation of the window; absent on the first. */
  readonly state?: Record<string, unknown>;
  readonly isFinalInvokeForWindow?: boolean;
  readonly isWindowTerminatedEarly?: boolean;
}

/**
 * A tumbling-window invocation, shaped like the KinesisTimeWindowEvent of the Lambda Developer Guide
 * ("Implementing stateful Kinesis Data Streams processing in Lambda"): the records plus window, state, shardId,
 * eventSourceARN, isFinalInvokeForWindow and isWindowTerminatedEarly.
 */
export function tumblingEvent(
  records: KinesisStreamRecord[],
  opts: WindowOptions = {},
): KinesisStreamTumblingWindowEvent & { shardId: string; eventSourceARN: string } {
  return {
    Records: records,
    window: { start: opts.start ?? '2026-11-20T23:59:00Z', end: opts.end ?? '2026-11-21T00:00:00Z' },
    ...(opts.state === undefined ? {} : { state: opts.state }),
    shardId: SHARD,
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/streamlake-events',
    isFinalInvokeForWindow: opts.isFinalInvokeForWindow ?? false,
    isWindowTerminatedEarly: opts.isWindowTerminatedEarly ?? false,
  };
}
