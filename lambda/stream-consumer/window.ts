import type {
  KinesisStreamEvent,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';
import type { MalformedReason } from '../../lib/contracts/event';
import { aggregate } from './aggregate';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import { DEFAULT_WRITE_CONCURRENCY, decodeBatch } from './process-batch';
import {
  addToTotals,
  COMPACT_MIN_TAIL,
  groupsOf,
  keyCount,
  readWindowState,
  stateBytes,
  stateOfTotals,
  totalsDeltas,
  type WindowState,
  type WindowTotals,
  windowTotals,
} from './window-state';
import { type ViewWriter, writeAll } from './writer';

export {
  COMPACT_MIN_TAIL,
  emptyWindowState,
  parseWindowState,
  stateBytes,
  WINDOW_STATE_VERSION,
  type WindowState,
  WindowStateError,
  windowTotals,
} from './window-state';

/**
 * Tumbling-window mode: the event source mapping's `TumblingWindowInSeconds` makes Lambda carry a `state` object
 * from one invocation of a window to the next (shapes: @types/aws-lambda `KinesisStreamTumblingWindowEvent` and
 * `KinesisStreamStateResponse`; AWS Lambda Developer Guide, "Implementing stateful Kinesis Data Streams processing").
 * Every invocation folds its batch into the state; the final invocation of the window writes each key once.
 *
 * The state crosses Lambda's JSON on every invocation (the runtime parses it into the event and serializes the
 * response), so its layout is chosen for that round trip and for work proportional to the batch, not to the window:
 * - it is one ASCII string without characters JSON escapes, which the runtime copies rather than builds into
 *   thousands of objects;
 * - an invocation appends its batch's per-key counts to the string without reading the rest; the string is
 *   compacted (read in full, one entry per key) when its appended tail outgrows its compacted part, so each
 *   appended byte is read a bounded number of times, and before any write.
 * Reading in full is strict ({@link parseWindowState}); an aggregation invocation checks only the version and the
 * shape, so a damaged string is found at the next compaction or flush, before anything is written from it.
 */

/**
 * State size above which the aggregates are written early (and the state emptied). Lambda allows 1 MB per shard
 * and terminates the window early above it; 800 KB keeps a margin for the batch that pushes the state over.
 */
export const DEFAULT_STATE_BUDGET_BYTES = 800_000;

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
  /** @default COMPACT_MIN_TAIL */
  readonly compactMinTailBytes?: number;
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
  /**
   * Distinct keys of the state after this batch was folded in, when this invocation read it in full (it compacted
   * or flushed); otherwise undefined (counting them would mean reading the whole state).
   */
  readonly stateKeys: number | undefined;
  /** JSON size of the state after this batch was folded in (and compacted, if it was), before any flush. */
  readonly stateBytes: number;
  /** JSON size of the state returned to Lambda. */
  readonly returnedStateBytes: number;
  /** This invocation read the state in full and rewrote it with one entry per key. */
  readonly compacted: boolean;
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
  const state = readWindowState(event.state);
  const { valid, letters, malformedByReason } = decodeBatch(event.Records);

  // Dead letters first: if they cannot all be sent, fail before anything is written, so the retry writes nothing twice.
  if (letters.length > 0) await sendOrThrow(deps.deadLetters, letters);

  const { deltas, duplicatesInBatch } = aggregate(valid, false);
  const budget = deps.stateBudgetBytes ?? DEFAULT_STATE_BUDGET_BYTES;
  const final = event.isFinalInvokeForWindow || event.isWindowTerminatedEarly;

  // Append the batch; read the state in full only to flush, or when the appended tail outgrows the compacted part
  // (or the whole outgrows the budget, which only a compacted state can tell).
  let folded: WindowState = { ...state, s: state.s + groupsOf(deltas) };
  let totals: WindowTotals | undefined;
  const tail = folded.s.length - folded.c;
  if (
    final ||
    stateBytes(folded) > budget ||
    tail > Math.max(folded.c, deps.compactMinTailBytes ?? COMPACT_MIN_TAIL)
  ) {
    totals = windowTotals(folded);
    folded = stateOfTotals(totals);
  }
  const bytes = stateBytes(folded);
  const flush: FlushKind = final ? 'final' : bytes > budget ? 'early' : 'none';

  let viewWrites = 0;
  let failedWrites = 0;
  let next = folded;
  if (flush !== 'none' && totals !== undefined) {
    const outcome = await writeAll(
      totalsDeltas(totals),
      deps.writer,
      deps.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY,
    );
    viewWrites = outcome.written;
    if (flush === 'final' && outcome.failed.length > 0)
      throw new WindowFlushError(outcome.failed.length, outcome.written);
    failedWrites = outcome.failed.length;
    const rest: WindowTotals = new Map();
    addToTotals(rest, outcome.failed);
    next = stateOfTotals(rest);
  }
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
      stateKeys: totals === undefined ? undefined : keyCount(totals),
      stateBytes: bytes,
      returnedStateBytes: next === folded ? bytes : stateBytes(next),
      compacted: totals !== undefined,
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
