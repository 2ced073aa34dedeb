import type {
  KinesisStreamEvent,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';
import type { EventType, MalformedReason } from '../../lib/contracts/event';
import { aggregate, type KeyDelta } from './aggregate';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import { DEFAULT_WRITE_CONCURRENCY, decodeBatch } from './process-batch';
import { type ViewWriter, writeAll } from './writer';

/**
 * Tumbling-window mode: the event source mapping's `TumblingWindowInSeconds` makes Lambda carry a `state` object
 * from one invocation of a window to the next (shapes: @types/aws-lambda `KinesisStreamTumblingWindowEvent` and
 * `KinesisStreamStateResponse`; AWS Lambda Developer Guide, "Implementing stateful Kinesis Data Streams processing").
 * Every invocation folds its batch into the state; the final invocation of the window writes each key once.
 */

/** Version tag of the state layout, so a layout change is detected instead of misread. */
export const WINDOW_STATE_VERSION = 1;
/**
 * State size above which the aggregates are written early (and the state emptied). Lambda allows 1 MB per shard
 * and terminates the window early above it; 800 KB keeps a margin for the batch that pushes the state over.
 */
export const DEFAULT_STATE_BUDGET_BYTES = 800_000;

/**
 * The window state as Lambda stores it (JSON): minute → `contentId#type` → [count, watchSeconds]. Grouping by
 * minute keeps each key short (~30 bytes per key for the reference mix instead of ~60 with flat keys).
 * `contentId` cannot contain `#` (contract), so `contentId#type` splits unambiguously at the last `#`.
 */
export interface WindowState {
  v: typeof WINDOW_STATE_VERSION;
  m: Record<string, Record<string, [number, number]>>;
}

export function emptyWindowState(): WindowState {
  return { v: WINDOW_STATE_VERSION, m: {} };
}

/** Thrown when the incoming state is not one this code wrote: misreading it would lose or invent counts. */
export class WindowStateError extends Error {
  constructor(message: string) {
    super(`unreadable tumbling-window state: ${message}`);
    this.name = 'WindowStateError';
  }
}

/** Thrown when dead letters cannot be sent in window mode: the invocation is retried with the previous state. */
export class DeadLetterUndeliveredError extends Error {
  constructor(readonly undelivered: number) {
    super(`${undelivered} dead letter(s) could not be sent; failing the invocation so the batch is retried`);
    this.name = 'DeadLetterUndeliveredError';
  }
}

/** Thrown when a key of the final flush failed transiently: Lambda retries the final invocation with its state. */
export class WindowFlushError extends Error {
  constructor(
    readonly failed: number,
    readonly written: number,
  ) {
    super(
      `${failed} view write(s) of the window's final flush failed transiently (${written} succeeded); ` +
        'failing the invocation so Lambda retries it with the previous state',
    );
    this.name = 'WindowFlushError';
  }
}

const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const isCounter = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Reads the state Lambda passed in. Absent or `{}` (the first invocation of a window) is the empty state.
 * Anything else must be exactly what {@link foldIntoState} produces; otherwise this throws (fail loudly rather
 * than drop counts), so a deployment that changes the layout must bump {@link WINDOW_STATE_VERSION} and drain.
 */
export function parseWindowState(raw: unknown): WindowState {
  if (raw === undefined || raw === null) return emptyWindowState();
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new WindowStateError('not an object');
  const o = raw as Record<string, unknown>;
  if (Object.keys(o).length === 0) return emptyWindowState();
  if (o.v !== WINDOW_STATE_VERSION) throw new WindowStateError(`version ${JSON.stringify(o.v)}`);
  const m = o.m;
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw new WindowStateError('m is not an object');
  for (const [minute, keys] of Object.entries(m)) {
    if (!MINUTE.test(minute)) throw new WindowStateError(`bad minute ${JSON.stringify(minute)}`);
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys))
      throw new WindowStateError(`minute ${minute} is not an object`);
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      if (key.lastIndexOf('#') <= 0) throw new WindowStateError(`bad key ${JSON.stringify(key)}`);
      if (!Array.isArray(value) || value.length !== 2 || !isCounter(value[0]) || !isCounter(value[1]))
        throw new WindowStateError(`bad counters for ${minute} ${key}`);
    }
  }
  return raw as WindowState;
}

/** Adds a batch's per-key deltas to the state (in place). */
export function foldIntoState(state: WindowState, deltas: readonly KeyDelta[]): void {
  for (const d of deltas) {
    let keys = state.m[d.minute];
    if (keys === undefined) {
      keys = {};
      state.m[d.minute] = keys;
    }
    const key = `${d.contentId}#${d.type}`;
    const counters = keys[key];
    if (counters === undefined) keys[key] = [d.count, d.watchSeconds];
    else {
      counters[0] += d.count;
      counters[1] += d.watchSeconds;
    }
  }
}

/** One delta per key of the state: what the flush writes. */
export function stateDeltas(state: WindowState): KeyDelta[] {
  const deltas: KeyDelta[] = [];
  for (const [minute, keys] of Object.entries(state.m)) {
    for (const [key, [count, watchSeconds]] of Object.entries(keys)) {
      const hash = key.lastIndexOf('#');
      deltas.push({
        contentId: key.slice(0, hash),
        type: key.slice(hash + 1) as EventType,
        minute,
        count,
        watchSeconds,
        records: [],
      });
    }
  }
  return deltas;
}

/** Keys in the state. */
export function stateKeyCount(state: WindowState): number {
  let n = 0;
  for (const keys of Object.values(state.m)) n += Object.keys(keys).length;
  return n;
}

/** Size of the state as Lambda measures it (its JSON, UTF-8). */
export function stateBytes(state: WindowState): number {
  return Buffer.byteLength(JSON.stringify(state));
}

export function isTumblingWindowEvent(
  event: KinesisStreamEvent | KinesisStreamTumblingWindowEvent,
): event is KinesisStreamTumblingWindowEvent {
  return 'window' in event && typeof event.window === 'object' && event.window !== null;
}

export interface WindowDeps {
  readonly writer: ViewWriter;
  readonly deadLetters: DeadLetterSink;
  /** @default DEFAULT_WRITE_CONCURRENCY */
  readonly writeConcurrency?: number;
  /** @default DEFAULT_STATE_BUDGET_BYTES */
  readonly stateBudgetBytes?: number;
}

/** Why this invocation wrote: `final` (end of window, or Lambda terminated it early), `early` (state budget). */
export type FlushKind = 'none' | 'final' | 'early';

export interface WindowStats {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly records: number;
  /** Valid records folded into the state (in-batch duplicates excluded). */
  readonly processed: number;
  readonly malformed: number;
  readonly malformedByReason: Partial<Record<MalformedReason, number>>;
  readonly duplicatesInBatch: number;
  readonly flush: FlushKind;
  readonly terminatedEarly: boolean;
  /** Successful view writes of this invocation (0 unless it flushed). */
  readonly viewWrites: number;
  /** Early-flush writes that failed transiently (their keys stay in the returned state). */
  readonly failedWrites: number;
  /** Keys and JSON size of the state after this batch was folded in, before any flush. */
  readonly stateKeys: number;
  readonly stateBytes: number;
  /** JSON size of the state returned to Lambda. */
  readonly returnedStateBytes: number;
}

export interface WindowOutcome {
  readonly response: KinesisStreamStateResponse & { state: WindowState };
  readonly stats: WindowStats;
}

/**
 * One invocation of a tumbling window: decode and dead-letter as {@link processBatch} does, fold the valid records
 * (deduplicated within the batch) into the window state, and write only at the end of the window, or early when
 * the state outgrows its budget.
 *
 * Failures never lose counts, because the state Lambda keeps is only replaced by a successful response:
 * - dead letters that cannot be sent, a transient failure of the final flush, or any non-transient write error:
 *   throw, and Lambda retries the invocation with the previous state. Partial batch responses are not used for
 *   these: the documentation does not say which state a retry from a reported sequence number would start from.
 * - a transient failure during an early flush: the failed keys stay in the returned state (the written ones
 *   leave it), so they are written by a later flush; nothing is retried twice.
 * A retried final flush re-adds every key the failed attempt had already written (ADD): at least once.
 */
export async function processWindowBatch(
  event: KinesisStreamTumblingWindowEvent,
  deps: WindowDeps,
): Promise<WindowOutcome> {
  const state = parseWindowState(event.state);
  const { valid, letters, malformedByReason } = decodeBatch(event.Records);

  // Dead letters first: if they cannot all be sent, fail before anything is written, so the retry writes nothing twice.
  if (letters.length > 0) await sendOrThrow(deps.deadLetters, letters);

  const { deltas, duplicatesInBatch } = aggregate(valid);
  foldIntoState(state, deltas);
  const keys = stateKeyCount(state);
  const bytes = stateBytes(state);
  const final = event.isFinalInvokeForWindow || event.isWindowTerminatedEarly;
  const flush: FlushKind = final
    ? 'final'
    : bytes > (deps.stateBudgetBytes ?? DEFAULT_STATE_BUDGET_BYTES)
      ? 'early'
      : 'none';

  let viewWrites = 0;
  let failedWrites = 0;
  let next = state;
  if (flush !== 'none') {
    const outcome = await writeAll(
      stateDeltas(state),
      deps.writer,
      deps.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY,
    );
    viewWrites = outcome.written;
    if (flush === 'final' && outcome.failed.length > 0)
      throw new WindowFlushError(outcome.failed.length, outcome.written);
    failedWrites = outcome.failed.length;
    next = emptyWindowState();
    foldIntoState(next, outcome.failed);
  }
  const returnedStateBytes = next === state ? bytes : stateBytes(next);
  return {
    response: { state: next, batchItemFailures: [] },
    stats: {
      windowStart: event.window.start,
      windowEnd: event.window.end,
      records: event.Records.length,
      processed: valid.length - duplicatesInBatch,
      malformed: letters.length,
      malformedByReason,
      duplicatesInBatch,
      flush,
      terminatedEarly: event.isWindowTerminatedEarly,
      viewWrites,
      failedWrites,
      stateKeys: keys,
      stateBytes: bytes,
      returnedStateBytes,
    },
  };
}

async function sendOrThrow(sink: DeadLetterSink, letters: readonly DeadLetter[]): Promise<void> {
  let undelivered: number;
  try {
    undelivered = (await sink.send(letters)).length;
  } catch {
    undelivered = letters.length; // DeadLetterSink.send never throws by contract; if one does, nothing is known sent
  }
  if (undelivered > 0) throw new DeadLetterUndeliveredError(undelivered);
}
