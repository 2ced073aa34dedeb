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
  emptyWindowState,
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
import { flushToken, type ViewWriter, type WriteOutcome, writeAll } from './writer';

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
  /** View writes of this invocation that added to a row (0 unless it flushed). */
  readonly viewWrites: number;
  /** Flush writes skipped because the row already had this flush's token (a retry of a flush that had written them). */
  readonly alreadyApplied: number;
  /** The token of this invocation's flush, if it flushed (logged, to follow a flush across retries). */
  readonly flushToken: string | undefined;
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
 *   leave it), so they are written by a later flush.
 * Failures never count twice either: every flush writes with a token ({@link flushToken} of the window's start, the
 * state's flush count `f` and the eventID `b` of the last record folded), and a row takes each token once. A retry
 * of an invocation whose flush failed part-way (some keys written, then a throw) makes the same flush with the same
 * token: the keys already written are skipped, the others are added. An early flush writes the state the invocation
 * received (the batch goes into the returned state), because that state is the same on every retry, even one that
 * Lambda bisected; only a batch that alone outgrows the budget is written with its records (see README).
 */
export async function processWindowBatch(
  event: KinesisStreamTumblingWindowEvent,
  deps: WindowDeps,
): Promise<WindowOutcome> {
  const state = readWindowState(event.state);
  const { valid, letters, malformedByReason } = decodeBatch(event.Records);

  // Dead letters first: if they cannot all be sent, fail before anything is written.
  if (letters.length > 0) await sendOrThrow(deps.deadLetters, letters);

  const { deltas, duplicatesInBatch } = aggregate(valid, false);
  const budget = deps.stateBudgetBytes ?? DEFAULT_STATE_BUDGET_BYTES;
  const concurrency = deps.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY;
  const final = event.isFinalInvokeForWindow || event.isWindowTerminatedEarly;
  const lastEventId = event.Records[event.Records.length - 1]?.eventID ?? state.b;

  // Append the batch; read the state in full only to flush, or when the appended tail outgrows the compacted part
  // (or the whole outgrows the budget, which only a compacted state can tell).
  let folded: WindowState = { ...state, s: state.s + groupsOf(deltas), b: lastEventId };
  let totals: WindowTotals | undefined;
  const tail = folded.s.length - folded.c;
  if (
    final ||
    stateBytes(folded) > budget ||
    tail > Math.max(folded.c, deps.compactMinTailBytes ?? COMPACT_MIN_TAIL)
  ) {
    totals = windowTotals(folded);
    folded = stateOfTotals(totals, folded.f, folded.b);
  }
  const bytes = stateBytes(folded);
  const flush: FlushKind = final ? 'final' : bytes > budget ? 'early' : 'none';

  let written: WriteOutcome = { written: 0, alreadyApplied: 0, failed: [] };
  let token: string | undefined;
  let next = folded;
  if (flush === 'final' && totals !== undefined) {
    token = flushToken(event.window.start, folded.f, folded.b);
    written = await writeAll(totalsDeltas(totals), deps.writer, concurrency, token);
    if (written.failed.length > 0) throw new WindowFlushError(written.failed.length, written.written);
    next = emptyWindowState(); // Lambda drops the state after a final invocation
  } else if (flush === 'early') {
    // The received state when there is one (identical on every retry), else the batch that alone is over budget.
    const flushed = state.s === '' ? (totals ?? windowTotals(folded)) : windowTotals(state);
    const b = state.s === '' ? folded.b : state.b;
    token = flushToken(event.window.start, state.f, b);
    written = await writeAll(totalsDeltas(flushed), deps.writer, concurrency, token);
    const rest: WindowTotals = new Map();
    addToTotals(rest, written.failed);
    if (state.s !== '') addToTotals(rest, deltas);
    next = stateOfTotals(rest, state.f + 1, folded.b);
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
      viewWrites: written.written - written.alreadyApplied,
      alreadyApplied: written.alreadyApplied,
      failedWrites: written.failed.length,
      flushToken: token,
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
