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
import { parseConsumerEnv } from './env';
import { processBatch } from './process-batch';
import { isTumblingWindowEvent, processWindowBatch } from './window';
import { DynamoViewWriter, ViewWriteError } from './writer';

// Cold start: a misconfigured function fails here, with a message naming the key, before it touches a record.
// Endpoints come from the SDK's standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS.
const env = parseConsumerEnv(process.env);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME });
const metrics = new Metrics({
  namespace: env.POWERTOOLS_METRICS_NAMESPACE,
  serviceName: env.POWERTOOLS_SERVICE_NAME,
});
const writer = new DynamoViewWriter(new DynamoDBClient({}), env.VIEW_TABLE_NAME, env.SPEED_TTL_DAYS);
const deadLetters = new SqsDeadLetterSink(new SQSClient({}), env.DEAD_LETTER_QUEUE_URL, {
  onError: (message, detail) => logger.error(message, detail),
});

/**
 * Kinesis event source mapping handler (ReportBatchItemFailures on). The logic lives in process-batch.ts, or in
 * window.ts when the mapping has a tumbling window (the event then carries `window` and `state`).
 */
export async function handler(
  event: KinesisStreamTumblingWindowEvent,
  context: Context,
): Promise<KinesisStreamStateResponse>;
export async function handler(
  event: KinesisStreamEvent,
  context: Context,
): Promise<KinesisStreamBatchResponse>;
export async function handler(
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
