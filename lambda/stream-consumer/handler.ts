/**
 * The stream consumer's wiring as a factory: configuration in, handler out, no module state and no environment read
 * here (index.ts is the Lambda entry point that reads it). The offline runtime (local/) and the tests call it directly.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';
import { SqsDeadLetterSink } from './dead-letter';
import type { ConsumerEnv } from './env';
import { processBatch } from './process-batch';
import { isTumblingWindowEvent, processWindowBatch } from './window';
import { DynamoViewWriter, ViewWriteError } from './writer';

/** What the handler logs through: a Powertools Logger, or anything with these methods (the offline runtime's file logger). */
export interface ConsumerLogger {
  addContext(context: Context): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...extra: [Error] | Record<string, unknown>[]): void;
}
/** What the handler publishes metrics through: a Powertools Metrics, or anything with these methods. */
export interface ConsumerMetrics {
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): unknown;
  captureColdStartMetric(): void;
  publishStoredMetrics(): unknown;
}

/** Everything the handler needs, resolved once; only `env` is required, the rest defaults to the AWS set-up. */
export interface ConsumerConfig {
  /** The validated runtime configuration (see env.ts and README.md). */
  readonly env: ConsumerEnv;
  /** @default new DynamoDBClient({}) (region and endpoint from the SDK's standard environment) */
  readonly dynamodb?: DynamoDBClient;
  /** @default new SQSClient({}) */
  readonly sqs?: SQSClient;
  /** @default a Powertools Logger named after POWERTOOLS_SERVICE_NAME, writing to stdout */
  readonly logger?: ConsumerLogger;
  /** @default Powertools Metrics (EMF on stdout) in the POWERTOOLS_METRICS_NAMESPACE namespace */
  readonly metrics?: ConsumerMetrics;
}

/** The Kinesis handler: the window path when the event carries a tumbling window, the batch path otherwise. */
export interface ConsumerHandler {
  (event: KinesisStreamTumblingWindowEvent, context: Context): Promise<KinesisStreamStateResponse>;
  (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse>;
}

/**
 * Builds the Kinesis event source mapping handler (ReportBatchItemFailures on) from its configuration. The logic lives
 * in process-batch.ts, or in window.ts when the mapping has a tumbling window (the event then carries `window` and
 * `state`). The offline runtime calls this with the emulators' clients and a logger that writes to a file.
 */
export function createHandler(config: ConsumerConfig): ConsumerHandler {
  const { env } = config;
  const logger = config.logger ?? new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME });
  const metrics =
    config.metrics ??
    new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE, serviceName: env.POWERTOOLS_SERVICE_NAME });
  const writer = new DynamoViewWriter(
    config.dynamodb ?? new DynamoDBClient({}),
    env.VIEW_TABLE_NAME,
    env.SPEED_TTL_DAYS,
  );
  const deadLetters = new SqsDeadLetterSink(config.sqs ?? new SQSClient({}), env.DEAD_LETTER_QUEUE_URL, {
    onError: (message, detail) => logger.error(message, detail),
  });

  async function handle(
    event: KinesisStreamEvent | KinesisStreamTumblingWindowEvent,
    context: Context,
  ): Promise<KinesisStreamBatchResponse | KinesisStreamStateResponse> {
    logger.addContext(context);
    metrics.captureColdStartMetric();
    try {
      if (isTumblingWindowEvent(event)) {
        const { response, stats } = await processWindowBatch(event, {
          writer,
          deadLetters,
          writeConcurrency: env.WRITE_CONCURRENCY,
        });
        metrics.addMetric('ProcessedRecords', MetricUnit.Count, stats.processed);
        metrics.addMetric('MalformedRecords', MetricUnit.Count, stats.malformed);
        metrics.addMetric('ViewWrites', MetricUnit.Count, stats.viewWrites);
        metrics.addMetric('DuplicatesInBatch', MetricUnit.Count, stats.duplicatesInBatch);
        metrics.addMetric('WindowStateBytes', MetricUnit.Bytes, stats.stateBytes);
        if (stats.flush === 'early') metrics.addMetric('WindowEarlyFlushes', MetricUnit.Count, 1);
        if (stats.alreadyApplied > 0)
          logger.warn('a retried flush skipped the rows it had already written', {
            alreadyApplied: stats.alreadyApplied,
            flushToken: stats.flushToken,
          });
        if (stats.malformed > 0)
          logger.warn('malformed records dead-lettered', { byReason: stats.malformedByReason });
        if (stats.failedWrites > 0)
          logger.warn('early-flush writes failed; their keys stay in the window state', {
            failedWrites: stats.failedWrites,
          });
        logger.info('window batch done', { ...stats, malformedByReason: undefined });
        return response;
      }
      const { response, stats } = await processBatch(event.Records, {
        writer,
        deadLetters,
        writeConcurrency: env.WRITE_CONCURRENCY,
      });
      metrics.addMetric('ProcessedRecords', MetricUnit.Count, stats.processed);
      metrics.addMetric('MalformedRecords', MetricUnit.Count, stats.malformed);
      metrics.addMetric('ViewWrites', MetricUnit.Count, stats.viewWrites);
      metrics.addMetric('DuplicatesInBatch', MetricUnit.Count, stats.duplicatesInBatch);
      if (stats.malformed > 0)
        logger.warn('malformed records dead-lettered', { byReason: stats.malformedByReason });
      if (response.batchItemFailures.length > 0) {
        logger.warn('records to be redelivered', {
          failedWrites: stats.failedWrites,
          undeliveredDeadLetters: stats.undeliveredDeadLetters,
          batchItemFailures: response.batchItemFailures.length,
          lowestSequenceNumber: response.batchItemFailures[0]?.itemIdentifier,
        });
      }
      logger.info('batch done', { ...stats, malformedByReason: undefined });
      return response;
    } catch (error) {
      // Non-transient (validation, access denied, missing table): retrying records cannot fix it, so fail the whole
      // invocation and let the alarm on Errors and the event source mapping's retry/on-failure policy take over.
      // In window mode every failure lands here (see window.ts): Lambda retries with the previous state.
      logger.error('batch failed', error instanceof ViewWriteError ? { key: error.key, error } : { error });
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  }
  return handle as ConsumerHandler;
}
