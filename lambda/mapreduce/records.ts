/**
 * What travels through the engine's two shuffles, and the rows of its outputs. Records are JSON arrays (positional,
 * so a shuffle file carries no key names); their order is fixed here once.
 */
import type { EventType } from '../../lib/contracts/event';

/** Round 1 (keyed by eventId): a valid event and where it was written, for the first-written rule. */
export type EventRecord = [
  eventId: string,
  type: EventType,
  userId: string,
  contentId: string,
  occurredAt: string,
  region: string,
  device: string,
  watchSeconds: number | null,
  /** The source object's rank among the day's objects sorted by key (smaller = written earlier). */
  ordinal: number,
  /** The line's position in its object. */
  line: number,
];

/** Round 2 (keyed by contentId, type, minute): a partial count and watch-time sum. */
export type CountRecord = [
  contentId: string,
  type: string,
  minute: string,
  count: number,
  watchSeconds: number,
];

/** A day partial of one (contentId, type), from one round-2 reducer. */
export type DayPartial = [contentId: string, type: string, count: number, watchSeconds: number];

/** A malformed line, as the Spark job's quarantine table holds it. */
export interface QuarantineRow {
  readonly reason: string;
  readonly raw: string;
  readonly source_file: string;
}

/** A row of the curated events table (lake column names). */
export interface CuratedRow {
  readonly event_id: string;
  readonly type: string;
  readonly user_id: string;
  readonly content_id: string;
  /** Epoch milliseconds of occurredAt (UTC). */
  readonly occurred_at: number;
  readonly region: string;
  readonly device: string;
  readonly watch_seconds: number | null;
  readonly minute: string;
}

export interface MinuteRow {
  readonly content_id: string;
  readonly type: string;
  readonly minute: string;
  readonly event_count: number;
  readonly watch_seconds: number;
}

export interface DayRow {
  readonly content_id: string;
  readonly type: string;
  readonly day: string;
  readonly event_count: number;
  readonly watch_seconds: number;
}

export interface TopRow {
  readonly rank: number;
  readonly content_id: string;
  readonly event_count: number;
  readonly watch_seconds: number;
  readonly views: number;
}

/** Code-point (= UTF-8 byte) order, the order Spark sorts strings in; JS `<` compares UTF-16 units. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort above every BMP code unit in code-point order.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
