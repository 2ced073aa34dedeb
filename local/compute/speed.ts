/**
 * The Lambda speed layer, offline: the real stream-consumer handler (built by its factory with the function's template
 * environment, the emulators' clients and a logger that writes to a file) behind the local event source mapping, set
 * up from the template's `AWS::Lambda::EventSourceMapping`. The harness keeps its own delivery log: which records
 * reached which invocation, with the window and outcome (the bound of the speed-view check is computed from it).
 */
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { parseConsumerEnv } from '../../lambda/stream-consumer/env';
import { createHandler } from '../../lambda/stream-consumer/handler';
import type { Delivery } from '../checks/views';
import {
  EsmPoller,
  type InvocationRecord,
  type KinesisHandler,
  kinesisShardSource,
  type PollerConfig,
} from '../esm-poller';
import type { Deployment } from '../infra';
import { FileLogger, FileMetrics, type LogFiles } from '../logs';
import { resolveEnvironment } from '../resources';

/** The event source mapping settings that ran, as the report shows them. */
export interface EsmSettings {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly tumblingWindowSeconds: number;
  readonly parallelizationFactor: number;
  readonly maxRetryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly bisectOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
}

export interface SpeedLayer {
  readonly poller: EsmPoller;
  /** From the template (`template`) and what ran (`ran`); `overridden` names the settings a flag changed. */
  readonly settings: {
    readonly template: EsmSettings;
    readonly ran: EsmSettings;
    readonly overridden: string[];
  };
  readonly deliveries: Delivery[];
  /** Per record (`shardId:sequenceNumber`), how many invocations it reached. */
  readonly deliveryCounts: Map<string, number>;
  /** Wall-clock ms from PutRecords to the end of the invocation that wrote it (the window's final one in window mode). */
  readonly latencies: number[];
  readonly handlerLog: string;
}

export interface SpeedOptions {
  /** Overrides the template's TumblingWindowInSeconds. */
  readonly windowSeconds?: number;
  /** Every n-th invocation fails after the handler ran (its writes landed; the batch is retried). 0 = never. */
  readonly failEvery: number;
  readonly workDir: string;
  /** Sequence number → when PutRecords returned it (filled by the producer phase). */
  readonly putTimes: Map<string, number>;
  /** Per shard, where a restarted mapping resumes (the stopped poller's `checkpoints`). */
  readonly initialCheckpoints?: Readonly<Record<string, string>>;
}

/** Starts the consumer behind the local ESM. The caller has checked that the deployment has a mapping. */
export async function startSpeedLayer(d: Deployment, logs: LogFiles, o: SpeedOptions): Promise<SpeedLayer> {
  const esm = d.esm;
  if (!esm) throw new Error('the templates declare no event source mapping');
  const template: EsmSettings = {
    batchSize: esm.batchSize,
    maxBatchingWindowSeconds: esm.maxBatchingWindowSeconds,
    tumblingWindowSeconds: esm.tumblingWindowSeconds,
    parallelizationFactor: esm.parallelizationFactor,
    maxRetryAttempts: esm.maxRetryAttempts,
    maxRecordAgeSeconds: esm.maxRecordAgeSeconds,
    bisectOnError: esm.bisectOnError,
    reportBatchItemFailures: esm.reportBatchItemFailures,
    startingPosition: esm.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
  };
  const overridden: string[] = [];
  let ran = template;
  if (o.windowSeconds !== undefined && o.windowSeconds !== template.tumblingWindowSeconds) {
    ran = { ...template, tumblingWindowSeconds: o.windowSeconds };
    overridden.push(
      `tumblingWindowSeconds ${template.tumblingWindowSeconds} → ${o.windowSeconds} (--window-seconds)`,
    );
  }

  const env = parseConsumerEnv(resolveEnvironment(d.infra, esm.functionEnvironment, d.provisioned.queueUrls));
  const logger = new FileLogger(logs.stream('stream-consumer'), env.POWERTOOLS_SERVICE_NAME);
  const metrics = new FileMetrics(
    logs.stream('stream-consumer-metrics'),
    env.POWERTOOLS_METRICS_NAMESPACE,
    env.POWERTOOLS_SERVICE_NAME,
    logger,
  );
  const consumer = createHandler({ env, dynamodb: d.clients.dynamodb, sqs: d.clients.sqs, logger, metrics });
  let invocation = 0;
  const handler: KinesisHandler = async (event, context) => {
    invocation += 1;
    const result = await consumer(event as Parameters<typeof consumer>[0], context);
    // Injected platform failure after the handler ran: its writes landed, and the ESM retries the batch.
    if (o.failEvery > 0 && invocation % o.failEvery === 0)
      throw new Error('injected invocation failure (after handler)');
    return result;
  };

  const onFailureUrl = d.onFailureQueueUrl;
  const config: PollerConfig = {
    streamArn: d.streamArn,
    ...ran,
    checkpointFile: join(o.workDir, 'esm-checkpoints.json'),
    ...(o.initialCheckpoints ? { initialCheckpoints: { ...o.initialCheckpoints } } : {}),
  };
  const poller = new EsmPoller(
    kinesisShardSource(d.clients.kinesis, d.streamName),
    handler,
    async (msg) => {
      if (!onFailureUrl) throw new Error('the event source mapping has no on-failure destination');
      await d.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: onFailureUrl, MessageBody: JSON.stringify(msg) }),
      );
    },
    config,
  );

  const deliveries: Delivery[] = [];
  const deliveryCounts = new Map<string, number>();
  const latencies: number[] = [];
  const windowPuts = new Map<string, number[]>(); // shard + window → put times of the records folded so far
  poller.onInvocation((inv: InvocationRecord) => {
    deliveries.push({
      shardId: inv.shardId,
      sequenceNumbers: inv.records.map((r) => r.sequenceNumber),
      outcome: inv.outcome,
      windowStart: inv.window?.start,
      isFinalInvokeForWindow: inv.isFinalInvokeForWindow,
    });
    for (const r of inv.records) {
      const id = `${inv.shardId}:${r.sequenceNumber}`;
      deliveryCounts.set(id, (deliveryCounts.get(id) ?? 0) + 1);
    }
    if (inv.outcome === 'error') return;
    const puts = inv.records.flatMap((r) => {
      const t = o.putTimes.get(r.sequenceNumber);
      return t === undefined ? [] : [t];
    });
    if (!inv.window) {
      for (const t of puts) latencies.push(inv.endedMs - t);
      return;
    }
    const w = `${inv.shardId}\u0000${inv.window.start}`;
    const folded = (windowPuts.get(w) ?? []).concat(puts);
    if (inv.isFinalInvokeForWindow) {
      for (const t of folded) latencies.push(inv.endedMs - t);
      windowPuts.delete(w);
    } else windowPuts.set(w, folded);
  });
  await poller.start();
  return {
    poller,
    settings: { template, ran, overridden },
    deliveries,
    deliveryCounts,
    latencies,
    handlerLog: logs.path('stream-consumer'),
  };
}

/** `batch 1000, batching window 5 s, tumbling window 120 s, …` */
export function describeEsm(s: EsmSettings): string {
  return (
    `batch ${s.batchSize}, batching window ${s.maxBatchingWindowSeconds} s, tumbling window ${s.tumblingWindowSeconds} s, ` +
    `parallelization ${s.parallelizationFactor}, retries ${s.maxRetryAttempts}, max age ${s.maxRecordAgeSeconds} s, ` +
    `bisect ${s.bisectOnError}, partial batch responses ${s.reportBatchItemFailures}, from ${s.startingPosition}`
  );
}
