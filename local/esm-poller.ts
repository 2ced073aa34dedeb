/**
 * A local Kinesis event source mapping: polls every shard of a stream and invokes a Lambda handler in-process with the
 * semantics the ESM documents (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html and the pages it links):
 *
 * - batches in shard order; batch size and batching window (invoke when the batch is full, or when the window has
 *   passed, or when stopping);
 * - `ParallelizationFactor` (1–10): up to N concurrent batches per shard, records of one partition key in order and
 *   never in two concurrent batches (esm/shard-worker.ts);
 * - tumbling windows (`TumblingWindowInSeconds`): windows on arrival time, the state handed from invocation to
 *   invocation as JSON, a final invocation per window, the 1 MB state limit (esm/windows.ts, which quotes the
 *   documentation and says where it is silent);
 * - partial batch responses (`ReportBatchItemFailures`), bisect on error, bounded retries, maximum record age and the
 *   on-failure destination, which gets a message that describes the batch, never its payload (esm/settle.ts);
 * - a checkpoint per shard, so a restarted poller resumes after it; read and settled positions for progress.
 *
 * Not emulated: resharding, filters, enhanced fan-out, the 6 MB invocation payload limit, Lambda's concurrency limits,
 * timeouts and cold starts (the handler runs in-process).
 */
export { kinesisShardSource } from './esm/kinesis-source';
export { EsmPoller, validatePollerConfig } from './esm/poller';
export {
  type Clock,
  type FailureDestination,
  type InvocationRecord,
  type KinesisHandler,
  type OnFailureMessage,
  type PollerConfig,
  type PollerStats,
  type ShardSource,
  type SourceRecord,
  SYSTEM_CLOCK,
  type TumblingWindowEvent,
} from './esm/types';
export { MAX_STATE_BYTES, windowBounds, windowIndex } from './esm/windows';
