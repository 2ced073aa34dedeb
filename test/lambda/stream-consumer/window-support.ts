/** Helpers of the tumbling-window tests (window.test.ts, window-failures.test.ts). */
import type { KinesisStreamRecord } from 'aws-lambda';
import {
  processWindowBatch,
  type WindowDeps,
  type WindowOutcome,
} from '../../../lambda/stream-consumer/window';
import type { AddResult, MemoryViewWriter, ViewWriter } from '../../../lambda/stream-consumer/writer';
import { expectedMinute, fixtureLines } from '../../fixtures/fixtures';
import { kinesisRecord, tumblingEvent } from './records';

export function rowsOf(writer: MemoryViewWriter): Map<string, [number, number]> {
  return new Map([...writer.rows].map(([id, r]) => [id, [r.eventCount, r.watchSeconds]]));
}

export function expectedSpeedRows(): Map<string, [number, number]> {
  return new Map(
    expectedMinute().map((r) => [`speed#${r.contentId}#${r.type}|m#${r.minute}`, [r.count, r.watchSeconds]]),
  );
}

export const fixtureBatch = (): KinesisStreamRecord[] =>
  fixtureLines().map((line, i) => kinesisRecord(line, i));

/**
 * Line indexes where events.jsonl can be cut so that no re-send lands in a different invocation than its original
 * (the consumer deduplicates within an invocation only). Found with a plain JSON.parse, independent of the decoder.
 */
export function cutsWithoutSplitDuplicates(): number[] {
  const firstSeen = new Map<string, number>();
  const pairs: [number, number][] = [];
  fixtureLines().forEach((line, i) => {
    let id: unknown;
    try {
      id = (JSON.parse(line.toString('utf8')) as { eventId?: unknown }).eventId;
    } catch {
      return;
    }
    if (typeof id !== 'string') return;
    const first = firstSeen.get(id);
    if (first === undefined) firstSeen.set(id, i);
    else pairs.push([first, i]);
  });
  const cuts: number[] = [];
  const n = fixtureLines().length;
  for (let c = 1; c < n; c++) if (!pairs.some(([a, b]) => a < c && c <= b)) cuts.push(c);
  return cuts;
}

/** Splits records at the given indexes. */
export function splitAt<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const parts: T[][] = [];
  let from = 0;
  for (const c of [...cuts, items.length]) {
    parts.push(items.slice(from, c));
    from = c;
  }
  return parts;
}

/** The state as Lambda hands it to the next invocation: JSON, not the same object. */
export const viaLambda = (state: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(state));

/** Runs one window: every batch as an aggregation invoke, then a final invoke with `finalRecords`, threading the state. */
export async function runWindow(
  batches: readonly KinesisStreamRecord[][],
  deps: WindowDeps,
  finalRecords: KinesisStreamRecord[] = [],
): Promise<WindowOutcome[]> {
  const outcomes: WindowOutcome[] = [];
  let state: Record<string, unknown> | undefined;
  for (const batch of batches) {
    const out = await processWindowBatch(tumblingEvent(batch, { state }), deps);
    outcomes.push(out);
    state = viaLambda(out.response.state);
  }
  outcomes.push(
    await processWindowBatch(tumblingEvent(finalRecords, { state, isFinalInvokeForWindow: true }), deps),
  );
  return outcomes;
}

/** Fails transiently for chosen content ids, `times` times each key, then delegates. */
export class FlakyWriter implements ViewWriter {
  private readonly failures = new Map<string, number>();
  constructor(
    readonly view: MemoryViewWriter,
    private readonly failFor: (contentId: string) => boolean,
    private readonly times = Number.POSITIVE_INFINITY,
    private readonly errorName = 'ProvisionedThroughputExceededException',
  ) {}
  async add(delta: Parameters<ViewWriter['add']>[0], token?: string): Promise<AddResult> {
    const id = `${delta.contentId}|${delta.type}|${delta.minute}`;
    const n = this.failures.get(id) ?? 0;
    if (this.failFor(delta.contentId) && n < this.times) {
      this.failures.set(id, n + 1);
      throw Object.assign(new Error('injected'), { name: this.errorName });
    }
    return this.view.add(delta, token);
  }
}
