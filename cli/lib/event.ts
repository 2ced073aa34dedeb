/**
 * The event contract as the CLI uses it: re-exported from lib/contracts/event.ts (the one TypeScript
 * implementation), plus `parseEvent` over bytes or text, since generated records are bytes.
 */
import { type ParseResult, parseEventBytes, parseEvent as parseText } from '../../lib/contracts/event';

export {
  EVENT_TYPES,
  type EventType,
  type MalformedReason,
  type ParseResult,
  type StreamEvent,
  WATCH_SECONDS_TYPES,
} from '../../lib/contracts/event';

/** Validates one Kinesis record payload; a failure carries the contract's reason category. */
export function parseEvent(data: Uint8Array | string): ParseResult {
  return typeof data === 'string' ? parseText(data) : parseEventBytes(data);
}
