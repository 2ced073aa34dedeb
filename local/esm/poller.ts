/** The local event source mapping: one {@link ShardWorker} per shard of the stream (see ../esm-poller.ts). */
import { ShardWorker } from './shard-worker';
import {
  type Clock,
  type FailureDestination,
  type InvocationRecord,
  type KinesisHandler,
  type PollerConfig,
  type PollerStats,
  type ShardSource,
  SYSTEM_CLOCK,
} from './types';
import { validateWindowSettings } from './windows';

/** Throws a RangeError naming the setting, the value and what is allowed. */
export function validatePollerConfig(config: PollerConfig): void {
  const int = (name: string, v: number, min: number, max: number, note = '') => {
    if (!Number.isInteger(v) || v < min || v > max)
      throw new RangeError(`${name} must be an integer from ${min} to ${max}${note}, got ${v}`);
  };
  int('batchSize', config.batchSize, 1, 10_000);
  if (!(config.maxBatchingWindowSeconds >= 0 && config.maxBatchingWindowSeconds <= 300))
    throw new RangeError(
      `maxBatchingWindowSeconds must be from 0 to 300, got ${config.maxBatchingWindowSeconds}`,
    );
  int('maxRetryAttempts', config.maxRetryAttempts, -1, 10_000, ' (-1 = until the record expires)');
  int('maxRecordAgeSeconds', config.maxRecordAgeSeconds, -1, 604_800, ' (-1 = no limit)');
  validateWindowSettings(config.tumblingWindowSeconds, config.parallelizationFactor);
}

export class EsmPoller {
  readonly stats: PollerStats = {
    invocations: 0,
    recordsDelivered: 0,
    recordsRedelivered: 0,
    failedInvocations: 0,
    bisections: 0,
    batchesToDestination: 0,
    recordsToDestination: 0,
    windowsClosed: 0,
    windowsTerminatedEarly: 0,
  };
  /**
   * Per shard, where a restarted poller resumes: after the last settled record without a tumbling window; with one,
   * after the last record of the last window whose final invocation succeeded.
   */
  readonly checkpoints: Record<string, string>;
  private stopping = false;
  private drainRequested = false;
  private readonly workers = new Map<string, ShardWorker>();
  private runs: Promise<void>[] = [];
  private readonly listeners: ((inv: InvocationRecord) => void)[] = [];
  private readonly clock: Clock;

  constructor(
    private readonly source: ShardSource,
    private readonly handler: KinesisHandler,
    private readonly onFailure: FailureDestination,
    private readonly config: PollerConfig,
  ) {
    validatePollerConfig(config);
    this.checkpoints = { ...config.initialCheckpoints };
    this.clock = config.clock ?? SYSTEM_CLOCK;
  }

  /** Called after every invocation settles (for latency measurement and progress). */
  onInvocation(listener: (inv: InvocationRecord) => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    const shards = await this.source.listShards();
    const delivered = new Set<string>();
    for (const shardId of shards) {
      const worker = new ShardWorker(shardId, {
        source: this.source,
        handler: this.handler,
        onFailure: this.onFailure,
        config: this.config,
        clock: this.clock,
        stats: this.stats,
        delivered,
        emit: (inv) => {
          for (const l of this.listeners) l(inv);
        },
        stopping: () => this.stopping,
        draining: () => this.drainRequested,
        checkpoints: this.checkpoints,
      });
      this.workers.set(shardId, worker);
      // The failure is kept by the worker and rethrown by `idle` and `stop`; catching here avoids an unhandled rejection.
      this.runs.push(worker.run().catch(() => undefined));
    }
  }

  /**
   * True when every shard's last poll came back empty, nothing is buffered or in flight, and no tumbling window is
   * open (with no producer running, everything on the stream has been settled and every window has fired).
   * Throws the error that stopped a shard (for example an on-failure destination that could not be written).
   */
  get idle(): boolean {
    if (this.workers.size === 0) return false;
    let idle = true;
    for (const w of this.workers.values()) if (!w.idle) idle = false;
    return idle;
  }

  /** Per shard, the highest sequence number fetched from the stream. */
  readPositions(): Readonly<Record<string, string | undefined>> {
    return Object.fromEntries([...this.workers].map(([id, w]) => [id, w.readPosition]));
  }

  /** Per shard, the highest sequence number up to which every fetched record is settled (succeeded or given up). */
  settledPositions(): Readonly<Record<string, string | undefined>> {
    return Object.fromEntries([...this.workers].map(([id, w]) => [id, w.settledPosition]));
  }

  /** Tumbling windows that received records and whose final invocation has not succeeded yet. */
  openWindows(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.window !== undefined) n += 1;
    return n;
  }

  /**
   * Stops polling. With `drain`, first delivers what was already fetched (flushing a partly filled batch) with the
   * usual retries; an open tumbling window is not ended early: its final invocation is not sent, the checkpoint stays
   * before it, and a restarted poller reads it again. Without `drain`, retries are abandoned. Rethrows a shard's error.
   */
  async stop(drain = true): Promise<void> {
    this.drainRequested = drain;
    this.stopping = true;
    await Promise.all(this.runs);
    for (const w of this.workers.values()) void w.idle; // throws the first shard failure, if any
  }
}
