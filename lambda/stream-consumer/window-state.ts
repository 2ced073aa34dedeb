/**
 * The layout of the tumbling-window state (see window.ts for why it is built this way): reading it (cheaply, or in
 * full and strictly), appending a batch to it, compacting it, and measuring it as Lambda does.
 */
import { EVENT_TYPES, type EventType } from '../../lib/contracts/event';
import type { KeyDelta } from './aggregate';

/** Version tag of the state layout, so a layout change is detected instead of misread. */
export const WINDOW_STATE_VERSION = 3;
/** The previous layout (no `f`, no `b`), still read so that windows open during a deployment carry on. */
const PREVIOUS_STATE_VERSION = 2;
/** An appended tail shorter than this is never compacted on its own (compacting a small state gains nothing). */
export const COMPACT_MIN_TAIL = 4_096;

/**
 * The window state as Lambda stores it (JSON):
 * `{"v":3,"k":"<contentIds>","c":<compacted length>,"s":"<groups>","f":<flushes>,"b":"<eventID>"}`.
 * - `f` counts the flushes this window has made and `b` is the eventID (`shardId:sequenceNumber`) of the last record
 *   folded into the window: with the window's start they name the next flush ({@link flushToken}), the same on every
 *   retry of an invocation and different for every other flush, which makes flushes idempotent (window.ts).
 * - `s` is a sequence of groups `minute|entry|entry…;`. An entry is `contentId,type,count,watchSeconds`, or, in a
 *   compacted state, `~i,type,count,watchSeconds` with `i` the contentId's position in `k` (comma-separated);
 *   type is its position in the contract's EVENT_TYPES. E.g. `k` = `match-ind-aus-live,content-007` and `s` =
 *   `2026-11-20T23:59|~0,2,12,360|~1,3,1,0;2026-11-21T00:00|match-ind-aus-live,2,3,90;`.
 * - The first `c` characters of `s` are compacted (one group per minute, one entry per key); after them, appended
 *   groups may repeat minutes and keys, and their counts add up.
 * contentId is `[A-Za-z0-9._-]` (contract), minutes and numbers are digits and `-T:`, so the separators are
 * unambiguous and nothing needs JSON escaping.
 */
export interface WindowState {
  v: typeof WINDOW_STATE_VERSION;
  k: string;
  c: number;
  s: string;
  f: number;
  b: string;
}

export function emptyWindowState(): WindowState {
  return { v: WINDOW_STATE_VERSION, k: '', c: 0, s: '', f: 0, b: '' };
}

/** An eventID as Lambda writes it (`shardId-000000000000:4959…`): nothing JSON escapes, so its length is its size. */
const EVENT_ID = /^[A-Za-z0-9_.:-]{0,256}$/;

/** Thrown when the incoming state is not one this code wrote: misreading it would lose or invent counts. */
export class WindowStateError extends Error {
  constructor(message: string) {
    super(`unreadable tumbling-window state: ${message}`);
    this.name = 'WindowStateError';
  }
}

const TYPE_INDEX = new Map<string, number>(EVENT_TYPES.map((t, i) => [t, i]));

/**
 * Checks the version and shape of the state Lambda passed in, not its entries (see window.ts). Absent or `{}` (the
 * first invocation of a window) is the empty state; anything else must be `{v, k, c, s}` as this code writes it.
 */
export function readWindowState(raw: unknown): WindowState {
  if (raw === undefined || raw === null) return emptyWindowState();
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new WindowStateError('not an object');
  const o = raw as Record<string, unknown>;
  if (o.v === undefined && Object.keys(o).length === 0) return emptyWindowState();
  const previous = o.v === PREVIOUS_STATE_VERSION;
  if (o.v !== WINDOW_STATE_VERSION && !previous) throw new WindowStateError(`version ${JSON.stringify(o.v)}`);
  const { k, c, s } = o;
  const f = previous ? 0 : o.f;
  const b = previous ? '' : o.b;
  if (typeof f !== 'number' || !Number.isSafeInteger(f) || f < 0)
    throw new WindowStateError(`flush count ${JSON.stringify(f)}`);
  if (typeof b !== 'string' || !EVENT_ID.test(b))
    throw new WindowStateError(`last eventID ${JSON.stringify(b)}`);
  if (typeof s !== 'string' || typeof k !== 'string') throw new WindowStateError('s or k is not a string');
  if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0 || c > s.length)
    throw new WindowStateError(`compacted length ${JSON.stringify(c)} for ${s.length} characters`);
  if (c > 0 && s.charCodeAt(c - 1) !== SEMI)
    throw new WindowStateError('compacted part does not end a group');
  if (s.length > 0 && s.charCodeAt(s.length - 1) !== SEMI) throw new WindowStateError('truncated');
  if (Object.keys(o).length !== (previous ? 4 : 6)) throw new WindowStateError('unexpected fields');
  return { v: WINDOW_STATE_VERSION, k, c, s, f, b };
}

const SEMI = 0x3b; // ;
const BAR = 0x7c; // |
const COMMA = 0x2c; // ,
const TILDE = 0x7e; // ~

/** Per minute, per `contentId,type`, the counters: a state read in full. */
export type WindowTotals = Map<string, Map<string, [number, number]>>;

/** A non-negative safe integer in canonical decimal (no sign, no leading zero), or throws. */
function counter(s: string, from: number, to: number): number {
  const n = to - from;
  if (n < 1 || n > 16 || (n > 1 && s.charCodeAt(from) === 0x30))
    throw new WindowStateError(`bad number at ${from}`);
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) throw new WindowStateError(`bad number at ${from}`);
    v = v * 10 + d;
  }
  if (!Number.isSafeInteger(v)) throw new WindowStateError(`number out of range at ${from}`);
  return v;
}

const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const CONTENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Reads every entry of the state (strictly: any deviation from the layout throws) and adds it into `totals`. */
function readEntries(state: WindowState, totals: WindowTotals): void {
  const ids = state.k === '' ? [] : state.k.split(',');
  for (const id of ids)
    if (!CONTENT_ID.test(id)) throw new WindowStateError(`bad contentId ${JSON.stringify(id)}`);
  const s = state.s;
  let i = 0;
  while (i < s.length) {
    const bar = s.indexOf('|', i);
    const minute = bar < 0 ? '' : s.slice(i, bar);
    if (!MINUTE.test(minute)) throw new WindowStateError(`bad minute at ${i}`);
    let keys = totals.get(minute);
    if (keys === undefined) {
      keys = new Map();
      totals.set(minute, keys);
    }
    i = bar;
    // one or more `|contentId,type,count,watch` or `|~index,type,count,watch`, then `;`
    do {
      const c1 = s.indexOf(',', i + 1);
      if (c1 < 0) throw new WindowStateError(`truncated entry at ${i}`);
      let contentId: string | undefined;
      if (s.charCodeAt(i + 1) === TILDE) contentId = ids[counter(s, i + 2, c1)];
      else {
        contentId = s.slice(i + 1, c1);
        if (!CONTENT_ID.test(contentId)) contentId = undefined;
      }
      if (contentId === undefined) throw new WindowStateError(`bad contentId at ${i + 1}`);
      const type = s.charCodeAt(c1 + 1) - 0x30;
      if (!(type >= 0 && type < EVENT_TYPES.length) || s.charCodeAt(c1 + 2) !== COMMA)
        throw new WindowStateError(`bad type at ${c1 + 1}`);
      const c3 = s.indexOf(',', c1 + 3);
      if (c3 < 0) throw new WindowStateError(`truncated entry at ${i}`);
      let end = c3 + 1;
      while (end < s.length && s.charCodeAt(end) !== BAR && s.charCodeAt(end) !== SEMI) end++;
      if (end >= s.length) throw new WindowStateError(`unterminated group at ${i}`);
      const count = counter(s, c1 + 3, c3);
      const watch = counter(s, c3 + 1, end);
      const key = `${contentId},${type}`;
      const have = keys.get(key);
      if (have === undefined) keys.set(key, [count, watch]);
      else {
        have[0] += count;
        have[1] += watch;
        if (!Number.isSafeInteger(have[0]) || !Number.isSafeInteger(have[1]))
          throw new WindowStateError(`counter overflow for ${minute} ${key}`);
      }
      i = end;
    } while (s.charCodeAt(i) === BAR);
    i += 1; // the `;`
  }
}

/**
 * Reads the state Lambda passed in, in full and strictly: absent or `{}` is empty; anything else must be exactly
 * what this module writes, otherwise this throws (fail loudly rather than drop counts), so a deployment that
 * changes the layout must bump {@link WINDOW_STATE_VERSION} and drain.
 */
export function parseWindowState(raw: unknown): WindowState {
  const state = readWindowState(raw);
  readEntries(state, new Map());
  return state;
}

/** Every key of the state with its summed counters (strict, see {@link parseWindowState}). */
export function windowTotals(state: WindowState): WindowTotals {
  const totals: WindowTotals = new Map();
  readEntries(state, totals);
  return totals;
}

/** Adds deltas to totals read in full. */
export function addToTotals(totals: WindowTotals, deltas: readonly KeyDelta[]): void {
  for (const d of deltas) {
    let keys = totals.get(d.minute);
    if (keys === undefined) {
      keys = new Map();
      totals.set(d.minute, keys);
    }
    const key = `${d.contentId},${TYPE_INDEX.get(d.type)}`;
    const have = keys.get(key);
    if (have === undefined) keys.set(key, [d.count, d.watchSeconds]);
    else {
      have[0] += d.count;
      have[1] += d.watchSeconds;
    }
  }
}

/** The groups of a batch's deltas, to append: one group per minute, in the order minutes first appear. */
export function groupsOf(deltas: readonly KeyDelta[]): string {
  const byMinute = new Map<string, string>();
  for (const d of deltas) {
    const entry = `|${d.contentId},${TYPE_INDEX.get(d.type)},${d.count},${d.watchSeconds}`;
    byMinute.set(d.minute, (byMinute.get(d.minute) ?? d.minute) + entry);
  }
  let out = '';
  for (const group of byMinute.values()) out += `${group};`;
  return out;
}

/**
 * The compacted state of totals: one group per minute, one entry per key, contentIds by their position in `k`; `f`
 * and `b` as given.
 */
export function stateOfTotals(totals: WindowTotals, f: number, b: string): WindowState {
  const index = new Map<string, number>();
  let s = '';
  for (const [minute, keys] of totals) {
    if (keys.size === 0) continue;
    s += minute;
    for (const [key, [count, watch]] of keys) {
      const comma = key.lastIndexOf(',');
      const contentId = key.slice(0, comma);
      let i = index.get(contentId);
      if (i === undefined) {
        i = index.size;
        index.set(contentId, i);
      }
      s += `|~${i}${key.slice(comma)},${count},${watch}`;
    }
    s += ';';
  }
  return { v: WINDOW_STATE_VERSION, k: [...index.keys()].join(','), c: s.length, s, f, b };
}

/** One delta per key of the totals: what a flush writes. */
export function totalsDeltas(totals: WindowTotals): KeyDelta[] {
  const deltas: KeyDelta[] = [];
  for (const [minute, keys] of totals) {
    for (const [key, [count, watchSeconds]] of keys) {
      const comma = key.lastIndexOf(',');
      deltas.push({
        contentId: key.slice(0, comma),
        type: EVENT_TYPES[Number(key.slice(comma + 1))] as EventType,
        minute,
        count,
        watchSeconds,
        records: [],
      });
    }
  }
  return deltas;
}

/** Keys of totals read in full. */
export function keyCount(totals: WindowTotals): number {
  let n = 0;
  for (const keys of totals.values()) n += keys.size;
  return n;
}

/**
 * Size of the state as Lambda measures it (its JSON, UTF-8). `s` and `b` are ASCII with nothing to escape (see
 * {@link WindowState}), so this is `s`'s length plus the fixed framing, without serializing the string again.
 */
export function stateBytes(state: WindowState): number {
  return (
    `{"v":${WINDOW_STATE_VERSION},"k":"","c":${state.c},"s":"","f":${state.f},"b":""}`.length +
    state.k.length +
    state.s.length +
    state.b.length
  );
}
