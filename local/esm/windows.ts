/**
 * Tumbling windows of the local Kinesis event source mapping (`TumblingWindowInSeconds` > 0).
 *
 * What the AWS Lambda Developer Guide says, "Implementing stateful Kinesis Data Streams processing in Lambda",
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html (quoted):
 * - D1 "Your state can be a maximum of 1 MB per shard. If it exceeds that size, Lambda terminates the window early."
 * - D2 "Lambda will process each record at least once, but doesn't guarantee that each record will be processed only
 *   once. [...] Records are always processed in order the first time."
 * - D3 "Lambda aggregates all records received in the window. You can receive these records in multiple batches, each
 *   as a separate invocation. Each invocation receives a state. Thus, when using tumbling windows, your Lambda function
 *   response must contain a state property. If the response does not contain a state property, Lambda considers this
 *   a failed invocation."
 * - D4 "At the end of the window, the flag isFinalInvokeForWindow is set to true to indicate that this is the final
 *   state and that it's ready for processing. After processing, the window completes and your final invocation
 *   completes, and then the state is dropped."
 * - D5 "Your final processing is synchronously invoked. After successful invocation, your function checkpoints the
 *   sequence number and stream processing continues. If invocation is unsuccessful, your Lambda function suspends
 *   further processing until a successful invocation."
 * - D6 "Lambda determines tumbling window boundaries based on the time when records were inserted into the stream.
 *   All records have an approximate timestamp available that Lambda uses in boundary determinations."
 * - D7 "Tumbling window aggregations do not support resharding. When the shard ends, Lambda considers the window
 *   closed, and the child shards start their own window in a fresh state."
 * - D8 "Tumbling windows fully support the existing retry policies maxRetryAttempts and maxRecordAge."
 * - The example event carries `window: {start, end}` (e.g. "2020-12-09T07:04:00Z"), `state`, `shardId`,
 *   `eventSourceARN`, `isFinalInvokeForWindow`, `isWindowTerminatedEarly`; its Python handler reads `event['state']`
 *   on every invocation, so a window's first invocation gets a state too (here `{}`).
 * AWS's event libraries (aws-lambda-go `events.TimeWindowProperties`, aws-lambda-java-events `KinesisTimeWindowEvent`)
 * document the flags: isFinalInvokeForWindow "Set to true for the last invoke of the time window. Subsequent invoke
 * will start a new time window along with a fresh state."; isWindowTerminatedEarly "Set to true if window is
 * terminated prematurely. Subsequent invoke will continue the same window with a fresh state."
 * Parameters (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html): TumblingWindowInSeconds
 * 0 to 900 (the API reference: "A value of 0 seconds indicates no tumbling window"); ParallelizationFactor 1 to 10.
 *
 * How this emulation applies them, and what it decides where the documentation is silent (marked "not documented"):
 * - A record belongs to window k = floor(arrival / W); the window is [k·W, (k+1)·W) (D6). A batch never mixes windows:
 *   it is cut at the first record of another window, because each invocation carries one window and its state (D3).
 * - The state travels as JSON: what an invocation returns is serialized, measured and parsed afresh for the next
 *   invocation of the same shard and window, so the handler never gets its own object back.
 * - A response without a `state` object is a failed invocation (D3); a failed invocation's state is never kept, so a
 *   retry gets the state the previous successful invocation returned.
 * - The final invocation (D4) fires when the next record read belongs to another window, when the window's end has
 *   passed on the wall clock and the shard's last poll found nothing new, or when the shard has ended (D7). Not documented: whether it carries
 *   records; here it has none (`Records: []`), and every record was delivered to an aggregation invocation before it.
 *   A record that arrives for a window already closed (a straggler) opens that window again with a fresh state.
 * - A failing final invocation is retried, with backoff, until it succeeds; the shard waits (D5). Retry limits and
 *   record age do not discard it (it has no records to discard). While the poller stops, it is abandoned instead.
 *   Each retry reports Lambda's IteratorAge measured from the window's last record, so the age grows while the shard
 *   is blocked (what the consumer's iterator-age alarm watches). Records behind the blocked window that outlive
 *   `maxRecordAgeSeconds` meanwhile are discarded to the on-failure destination when the shard resumes (D8). Not
 *   emulated: the stream's retention (kinesis-local keeps records), past which a blocked shard loses records.
 * - Checkpoints (D5): a shard's checkpoint advances to the window's last record only when a final invocation
 *   succeeded, so a restarted poller re-reads an open window from its start with a fresh state rather than lose it.
 * - The state limit (D1): "1 MB" is read as 1,048,576 bytes of the state's UTF-8 JSON. Not documented: which state the
 *   ending invocation gets and its flags. Here: when an invocation returns a state over the limit, the records it
 *   aggregated count as processed, and the poller at once invokes again without records, with that state,
 *   `isWindowTerminatedEarly: true` and `isFinalInvokeForWindow: true` (so a handler that only checks the final flag,
 *   like AWS's example, still processes it), retried like a final invocation; after it succeeds the checkpoint
 *   advances and the window continues with `{}` (same bounds) and ends later with a regular final invocation.
 * - Retries, record age, bisect and the on-failure destination apply to aggregation batches as without a window (D8).
 *   A batch given up to the destination leaves the state as it was: the window goes on without that batch's records.
 *   Not documented: bisect with windows; here the halves run one after the other, the state passing from one to the
 *   next. Partial batch responses (`batchItemFailures`, which the documented response shape includes): not documented;
 *   here the returned state is kept and the records from the lowest failed one are retried with it.
 * - ParallelizationFactor > 1 with a tumbling window: not documented. D1, D3 and D5 describe one state per shard,
 *   handed from one invocation to the next and checkpointed by a synchronous final invocation, which concurrent
 *   batches of one shard cannot share, so the poller refuses the combination rather than invent a behaviour.
 * - Resharding (D7) is not emulated: local streams keep their shards.
 */

/** D1, read as 2^20 bytes of UTF-8 JSON. */
export const MAX_STATE_BYTES = 1_048_576;
/** Range of TumblingWindowInSeconds (services-kinesis-parameters). */
export const MAX_TUMBLING_WINDOW_SECONDS = 900;
/** Range of ParallelizationFactor (services-kinesis-parameters). */
export const MAX_PARALLELIZATION_FACTOR = 10;

/** Index of the window a record arriving at `arrivalMs` belongs to. */
export function windowIndex(arrivalMs: number, windowSeconds: number): number {
  return Math.floor(arrivalMs / (windowSeconds * 1000));
}

/** ISO-8601 without milliseconds, as the developer guide's example event shows window bounds. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface WindowBounds {
  readonly startMs: number;
  readonly endMs: number;
  readonly start: string;
  readonly end: string;
}

export function windowBounds(index: number, windowSeconds: number): WindowBounds {
  const startMs = index * windowSeconds * 1000;
  const endMs = startMs + windowSeconds * 1000;
  return { startMs, endMs, start: iso(startMs), end: iso(endMs) };
}

/** One open window of a shard: its bounds, the state as JSON, and the last record folded into it. */
export interface OpenWindow {
  readonly index: number;
  readonly bounds: WindowBounds;
  /** The state the last successful invocation returned, serialized (`{}` for a fresh window). */
  stateJson: string;
  /** Last record of this window handed to an aggregation batch (the checkpoint once the window closes). */
  lastSequenceNumber?: string;
  /** That record's arrival (epoch ms): the iterator age of the window's final invocation is measured from it. */
  lastArrivalMs?: number;
}

export function openWindow(index: number, windowSeconds: number): OpenWindow {
  return { index, bounds: windowBounds(index, windowSeconds), stateJson: '{}' };
}

/** The `state` of a tumbling-window response, serialized; throws if there is none (D3) or it is not JSON. */
export function serializeState(response: unknown): string {
  if (typeof response !== 'object' || response === null || !('state' in response))
    throw new Error('the response has no state property; with a tumbling window Lambda counts it as failed');
  const state = (response as { state: unknown }).state;
  if (typeof state !== 'object' || state === null || Array.isArray(state))
    throw new Error(
      `the response's state must be a JSON object, got ${Array.isArray(state) ? 'an array' : typeof state}`,
    );
  return JSON.stringify(state);
}

/** Throws with a message naming the setting when the window or parallelization settings are out of range. */
export function validateWindowSettings(tumblingWindowSeconds: number, parallelizationFactor: number): void {
  if (
    !Number.isInteger(tumblingWindowSeconds) ||
    tumblingWindowSeconds < 0 ||
    tumblingWindowSeconds > MAX_TUMBLING_WINDOW_SECONDS
  )
    throw new RangeError(
      `tumblingWindowSeconds must be an integer from 0 (no window) to ${MAX_TUMBLING_WINDOW_SECONDS}, got ${tumblingWindowSeconds}`,
    );
  if (
    !Number.isInteger(parallelizationFactor) ||
    parallelizationFactor < 1 ||
    parallelizationFactor > MAX_PARALLELIZATION_FACTOR
  )
    throw new RangeError(
      `parallelizationFactor must be an integer from 1 to ${MAX_PARALLELIZATION_FACTOR}, got ${parallelizationFactor}`,
    );
  if (tumblingWindowSeconds > 0 && parallelizationFactor > 1)
    throw new RangeError(
      `tumblingWindowSeconds ${tumblingWindowSeconds} with parallelizationFactor ${parallelizationFactor}: ` +
        'a tumbling window keeps one state per shard, passed from one invocation to the next, which concurrent ' +
        'batches of a shard cannot share; the local event source mapping supports a tumbling window only with ' +
        'parallelizationFactor 1 (set one of them to its default)',
    );
}
