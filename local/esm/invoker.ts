/** Calls the handler for one shard: builds the event, reads the response, counts, and tells the listeners. */
import { batchEvent, errorMessage, interpretBatchResponse, lambdaContext, windowEvent } from './events';
import { onFailureMessage } from './settle';
import type {
  InvocationRecord,
  KinesisHandler,
  OnFailureMessage,
  Outcome,
  SourceRecord,
  WorkerContext,
} from './types';
import { type OpenWindow, serializeState } from './windows';

export class Invoker {
  constructor(
    private readonly shardId: string,
    private readonly ctx: WorkerContext,
  ) {}

  /** A batch without a tumbling window. */
  async batch(records: SourceRecord[]): Promise<Outcome> {
    const { config } = this.ctx;
    const { outcome } = await this.invoke(records, batchEvent(this.shardId, config.streamArn, records), (r) =>
      interpretBatchResponse(records, r, config.reportBatchItemFailures),
    );
    return outcome;
  }

  /** An invocation of a tumbling window; `stateJson` is the returned state, serialized, unless it failed. */
  async window(
    records: SourceRecord[],
    w: OpenWindow,
    isFinalInvokeForWindow: boolean,
    isWindowTerminatedEarly: boolean,
  ): Promise<{ outcome: Outcome; stateJson?: string }> {
    const { config } = this.ctx;
    const event = windowEvent(this.shardId, config.streamArn, records, {
      bounds: w.bounds,
      stateJson: w.stateJson,
      isFinalInvokeForWindow,
      isWindowTerminatedEarly,
    });
    let stateJson: string | undefined;
    const { outcome } = await this.invoke(
      records,
      event,
      (response) => {
        stateJson = serializeState(response);
        return interpretBatchResponse(records, response, config.reportBatchItemFailures);
      },
      {
        window: event.window,
        isFinalInvokeForWindow,
        isWindowTerminatedEarly,
        stateBytes: () => (stateJson === undefined ? undefined : Buffer.byteLength(stateJson)),
        lastArrivalMs: w.lastArrivalMs,
      },
    );
    return { outcome, stateJson: outcome.kind === 'error' ? undefined : stateJson };
  }

  /** Calls the handler once; `interpret` maps its response (and may throw to fail the invocation). */
  async invoke(
    records: SourceRecord[],
    event: Parameters<KinesisHandler>[0],
    interpret: (response: unknown) => Outcome,
    windowInfo?: {
      window: { start: string; end: string };
      isFinalInvokeForWindow: boolean;
      isWindowTerminatedEarly: boolean;
      stateBytes: () => number | undefined;
      /** Arrival of the window's last record folded so far (for an invocation without records). */
      lastArrivalMs?: number;
    },
  ): Promise<{ outcome: Outcome }> {
    const { stats, clock, delivered } = this.ctx;
    const startedMs = clock.now();
    stats.invocations += 1;
    stats.recordsDelivered += records.length;
    for (const r of records) {
      const key = `${this.shardId}:${r.sequenceNumber}`;
      if (delivered.has(key)) stats.recordsRedelivered += 1;
      else delivered.add(key);
    }
    const lastArrivalMs = records[records.length - 1]?.arrivalMs ?? windowInfo?.lastArrivalMs;
    let outcome: Outcome;
    try {
      outcome = interpret(
        await this.ctx.handler(
          event,
          lambdaContext(() => clock.now()),
        ),
      );
    } catch (err) {
      outcome = { kind: 'error', message: errorMessage(err) };
    }
    if (outcome.kind !== 'ok') stats.failedInvocations += 1;
    const inv: InvocationRecord = {
      shardId: this.shardId,
      records,
      startedMs,
      endedMs: clock.now(),
      outcome: outcome.kind,
      retryFrom: outcome.kind === 'partial' ? records[outcome.fromIndex]?.sequenceNumber : undefined,
      iteratorAgeMs: lastArrivalMs === undefined ? undefined : Math.max(0, startedMs - lastArrivalMs),
      ...(windowInfo
        ? {
            window: windowInfo.window,
            isFinalInvokeForWindow: windowInfo.isFinalInvokeForWindow,
            isWindowTerminatedEarly: windowInfo.isWindowTerminatedEarly,
            stateBytes: outcome.kind === 'error' ? undefined : windowInfo.stateBytes(),
          }
        : {}),
    };
    this.ctx.emit(inv);
    return { outcome };
  }

  async toDestination(
    records: SourceRecord[],
    condition: OnFailureMessage['requestContext']['condition'],
    invokeCount: number,
    functionError?: string,
  ): Promise<void> {
    const { config, clock, stats } = this.ctx;
    const message = onFailureMessage(
      this.shardId,
      config.streamArn,
      records,
      condition,
      invokeCount,
      clock.now(),
      functionError,
    );
    if (!message) return;
    stats.batchesToDestination += 1;
    stats.recordsToDestination += records.length;
    await this.ctx.onFailure(message);
  }
}
