/**
 * One shard of the local event source mapping: reads the shard in order, cuts batches, invokes the handler through
 * the retry logic (settle.ts), keeps the tumbling window of the shard (windows.ts), and tracks how far the shard is
 * read, settled and checkpointed.
 *
 * ParallelizationFactor N: "You can specify the number of concurrent batches that Lambda polls from a shard via a
 * parallelization factor from 1 (default) to 10" and "If you increase the number of concurrent batches per shard,
 * Lambda still ensures in-order processing at the shard level" / per partition key
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html). Here each record goes to one of N slots by a hash
 * of its partition key; a slot runs its batches one after the other, so records of one key stay in order and are
 * never in two concurrent batches, while up to N batches of the shard run at once. The checkpoint only advances over
 * a prefix of the shard whose records are all settled (succeeded or given up to the destination).
 */
import { writeFileSync } from 'node:fs';
import { Invoker } from './invoker';
import { retryDelayMs, settleBatch } from './settle';
import type { Outcome, SourceRecord, WorkerContext } from './types';
import { MAX_STATE_BYTES, type OpenWindow, openWindow, windowIndex } from './windows';

/** GetRecords returns at most 10,000 records. */
const MAX_GET_RECORDS = 10_000;

interface Slot {
  readonly queue: SourceRecord[];
  /** When the oldest queued record was fetched: the batching window runs from there. */
  batchStartMs: number;
  busy?: Promise<void>;
}

interface LedgerEntry {
  readonly seq: string;
  settled: boolean;
}

/** FNV-1a: a cheap, stable hash of the partition key to pick its slot. */
function slotOf(partitionKey: string, slots: number): number {
  if (slots === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < partitionKey.length; i++) {
    h ^= partitionKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % slots;
}

export class ShardWorker {
  /** Highest sequence number fetched from the stream. */
  readPosition?: string;
  /** Highest sequence number up to which every fetched record is settled. */
  settledPosition?: string;
  /** The shard's open tumbling window (received records, final invocation not yet succeeded). */
  window?: OpenWindow;
  private caughtUp = false;
  private ended = false;
  private finished = false;
  private failure?: unknown;
  private iterator?: string;
  private readonly slots: Slot[];
  private readonly ledger: LedgerEntry[] = [];
  private ledgerHead = 0;
  private readonly unsettled = new Map<string, LedgerEntry>();
  private readonly invoker: Invoker;

  constructor(
    readonly shardId: string,
    private readonly ctx: WorkerContext,
  ) {
    const start = ctx.checkpoints[shardId];
    this.readPosition = start;
    this.settledPosition = start;
    this.invoker = new Invoker(shardId, ctx);
    this.slots = Array.from({ length: ctx.config.parallelizationFactor }, () => ({
      queue: [],
      batchStartMs: 0,
    }));
  }

  private get windowSeconds(): number {
    return this.ctx.config.tumblingWindowSeconds;
  }

  private queued(): number {
    let n = 0;
    for (const s of this.slots) n += s.queue.length;
    return n;
  }

  private busy(): Promise<void>[] {
    return this.slots.flatMap((s) => (s.busy ? [s.busy] : []));
  }

  /** Caught up (last poll empty), nothing queued or in flight, no open window; or stopped. */
  get idle(): boolean {
    if (this.failure !== undefined) throw this.failure;
    return (
      this.finished ||
      (this.caughtUp && this.queued() === 0 && this.busy().length === 0 && this.window === undefined)
    );
  }

  async run(): Promise<void> {
    const { source, config, clock } = this.ctx;
    try {
      this.iterator = await source.iterator(this.shardId, config.startingPosition, this.settledPosition);
      for (;;) {
        if (this.failure !== undefined) throw this.failure;
        const stopping = this.ctx.stopping();
        if (stopping && !this.ctx.draining()) break;
        let progressed = stopping ? false : await this.fetch();
        if (this.dispatch(stopping)) progressed = true;
        const quiet = this.queued() === 0 && this.busy().length === 0;
        if (stopping && !progressed && this.busy().length === 0) break;
        if (this.ended && quiet && this.window === undefined) break;
        if (!progressed) await Promise.race([clock.sleep(config.pollIntervalMs ?? 250), ...this.busy()]);
      }
      await Promise.all(this.busy());
      if (this.failure !== undefined) throw this.failure;
    } catch (err) {
      this.failure ??= err;
      throw err;
    } finally {
      this.finished = true;
    }
  }

  /** One GetRecords call when there is room for more; true when it returned records. */
  private async fetch(): Promise<boolean> {
    const { config, source, clock } = this.ctx;
    if (this.iterator === undefined) {
      this.ended = true;
      this.caughtUp = true;
      return false;
    }
    const capacity = config.batchSize * this.slots.length;
    const queued = this.queued();
    if (queued >= capacity) return false;
    const r = await source.getRecords(this.iterator, Math.min(MAX_GET_RECORDS, capacity - queued));
    this.iterator = r.nextIterator;
    if (r.records.length === 0) {
      this.caughtUp = true;
      return false;
    }
    this.caughtUp = false;
    const now = clock.now();
    for (const rec of r.records) {
      const slot = this.slots[slotOf(rec.partitionKey, this.slots.length)] as Slot;
      if (slot.queue.length === 0) slot.batchStartMs = now;
      slot.queue.push(rec);
      const entry = { seq: rec.sequenceNumber, settled: false };
      this.ledger.push(entry);
      this.unsettled.set(rec.sequenceNumber, entry);
      this.readPosition = rec.sequenceNumber;
    }
    return true;
  }

  /** Starts the work that is due on every free slot; true when anything started. */
  private dispatch(stopping: boolean): boolean {
    if (this.windowSeconds > 0) return this.dispatchWindow(this.slots[0] as Slot, stopping);
    const { config, clock } = this.ctx;
    const now = clock.now();
    let started = false;
    for (const slot of this.slots) {
      if (slot.busy || slot.queue.length === 0) continue;
      const due =
        slot.queue.length >= config.batchSize ||
        now - slot.batchStartMs >= config.maxBatchingWindowSeconds * 1000 ||
        stopping;
      if (!due) continue;
      const batch = slot.queue.splice(0, config.batchSize);
      if (slot.queue.length > 0) slot.batchStartMs = now;
      this.occupy(slot, this.runBatch(batch));
      started = true;
    }
    return started;
  }

  /** Tumbling-window mode (one slot): batches never mix windows; a window ends before the next one starts. */
  private dispatchWindow(slot: Slot, stopping: boolean): boolean {
    if (slot.busy) return false;
    const { config, clock } = this.ctx;
    const now = clock.now();
    const head = slot.queue[0];
    if (head !== undefined) {
      const index = windowIndex(head.arrivalMs, this.windowSeconds);
      if (this.window !== undefined && this.window.index !== index) {
        // The open window has all its records: it ends before a record of another window is delivered.
        if (stopping) return false;
        this.occupy(slot, this.runFinal(this.window));
        return true;
      }
      let n = 1;
      while (
        n < slot.queue.length &&
        n < config.batchSize &&
        windowIndex((slot.queue[n] as SourceRecord).arrivalMs, this.windowSeconds) === index
      )
        n++;
      const cutAtWindowEnd = n < slot.queue.length && n < config.batchSize;
      const due =
        n >= config.batchSize ||
        cutAtWindowEnd ||
        now - slot.batchStartMs >= config.maxBatchingWindowSeconds * 1000 ||
        stopping;
      if (!due) return false;
      this.window ??= openWindow(index, this.windowSeconds);
      const batch = slot.queue.splice(0, n);
      if (slot.queue.length > 0) slot.batchStartMs = now;
      this.occupy(slot, this.runWindowBatch(batch, this.window));
      return true;
    }
    const w = this.window;
    if (w !== undefined && !stopping && (this.ended || (this.caughtUp && now >= w.bounds.endMs))) {
      this.occupy(slot, this.runFinal(w));
      return true;
    }
    return false;
  }

  private occupy(slot: Slot, work: Promise<void>): void {
    const p = work
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        if (slot.busy === p) slot.busy = undefined;
      });
    slot.busy = p;
  }

  private async runBatch(batch: SourceRecord[]): Promise<void> {
    const ok = await settleBatch(batch, {
      config: this.ctx.config,
      clock: this.ctx.clock,
      stats: this.ctx.stats,
      abandon: () => this.ctx.stopping() && !this.ctx.draining(),
      invoke: (records) => this.invoker.batch(records),
      toDestination: (records, condition, invokes, fnError) =>
        this.invoker.toDestination(records, condition, invokes, fnError),
    });
    if (ok) this.markSettled(batch, true);
  }

  private async runWindowBatch(batch: SourceRecord[], w: OpenWindow): Promise<void> {
    const ok = await settleBatch(batch, {
      config: this.ctx.config,
      clock: this.ctx.clock,
      stats: this.ctx.stats,
      abandon: () => this.ctx.stopping() && !this.ctx.draining(),
      invoke: (records) => this.invokeWindowBatch(records, w),
      toDestination: async (records, condition, invokes, fnError) => {
        await this.invoker.toDestination(records, condition, invokes, fnError);
        const last = records[records.length - 1];
        if (last !== undefined) {
          w.lastSequenceNumber = last.sequenceNumber;
          w.lastArrivalMs = last.arrivalMs;
        }
      },
    });
    // Checkpoints advance when the window closes (D5), not per batch.
    if (ok) this.markSettled(batch, false);
  }

  /** An aggregation invocation; a state over the limit ends the window early before anything else runs. */
  private async invokeWindowBatch(records: SourceRecord[], w: OpenWindow): Promise<Outcome> {
    const { outcome, stateJson } = await this.invoker.window(records, w, false, false);
    // A failure of the whole batch (or of its first record) processed nothing: its returned state is not kept.
    const covered =
      outcome.kind === 'ok' ? records.length : outcome.kind === 'partial' ? outcome.fromIndex : 0;
    if (covered === 0 || stateJson === undefined) return outcome;
    w.stateJson = stateJson;
    const last = records[covered - 1] as SourceRecord;
    w.lastSequenceNumber = last.sequenceNumber;
    w.lastArrivalMs = last.arrivalMs;
    if (Buffer.byteLength(stateJson) > MAX_STATE_BYTES) await this.runFinal(w, true);
    return outcome;
  }

  /**
   * The final invocation of a window (or, with `early`, the one that ends it because the state outgrew the limit):
   * without records, retried until it succeeds (D5) unless the poller stops; then the state is dropped and the
   * checkpoint advances to the window's last settled record.
   */
  private async runFinal(w: OpenWindow, early = false): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { outcome } = await this.invoker.window([], w, true, early);
      if (outcome.kind === 'ok') break;
      if (this.ctx.stopping()) return;
      await this.ctx.clock.sleep(retryDelayMs(this.ctx.config, attempt));
    }
    if (early) {
      this.ctx.stats.windowsTerminatedEarly += 1;
      w.stateJson = '{}';
    } else {
      this.ctx.stats.windowsClosed += 1;
      if (this.window === w) this.window = undefined;
    }
    if (w.lastSequenceNumber !== undefined) this.setCheckpoint(w.lastSequenceNumber);
  }

  /** Marks records settled and advances the settled position over the settled prefix (and the checkpoint with it). */
  private markSettled(records: readonly SourceRecord[], checkpoint: boolean): void {
    for (const r of records) {
      const entry = this.unsettled.get(r.sequenceNumber);
      if (entry) {
        entry.settled = true;
        this.unsettled.delete(r.sequenceNumber);
      }
    }
    const before = this.settledPosition;
    while (this.ledgerHead < this.ledger.length && (this.ledger[this.ledgerHead] as LedgerEntry).settled) {
      this.settledPosition = (this.ledger[this.ledgerHead] as LedgerEntry).seq;
      this.ledgerHead += 1;
    }
    if (this.ledgerHead > 1024 && this.ledgerHead * 2 > this.ledger.length) {
      this.ledger.splice(0, this.ledgerHead);
      this.ledgerHead = 0;
    }
    if (checkpoint && this.settledPosition !== undefined && this.settledPosition !== before)
      this.setCheckpoint(this.settledPosition);
  }

  private setCheckpoint(seq: string): void {
    this.ctx.checkpoints[this.shardId] = seq;
    if (this.ctx.config.checkpointFile)
      writeFileSync(this.ctx.config.checkpointFile, JSON.stringify(this.ctx.checkpoints));
  }
}
