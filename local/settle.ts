/**
 * Settling: waiting until each component has finished with its input, on signals that do not look at the answer (the
 * views are compared once, afterwards). The event source mapping and the archive writer have settled when their
 * positions reach the last sequence number of every shard, as read back from the stream (and, for the mapping, no
 * tumbling window is open); a Flink job, on its REST API's figures (local/flink-rest.ts).
 */
import type { RunConsole } from './logs';
import { sleep } from './proc';

export interface SettleProbe {
  readonly settled: boolean;
  /** What is not there yet. */
  readonly waiting: readonly string[];
}

export interface SettleResult {
  readonly name: string;
  readonly settled: boolean;
  readonly ms: number;
  /** The signals that ended the wait, or what was still missing at the timeout. */
  readonly detail: string;
}

/** Shards whose position has not reached their tip (sequence numbers compared as integers). */
export function shardsBehind(
  positions: Readonly<Record<string, string | undefined>>,
  tips: Readonly<Record<string, string>>,
): string[] {
  return Object.entries(tips)
    .filter(([shard, tip]) => {
      const at = positions[shard];
      return at === undefined || BigInt(at) < BigInt(tip);
    })
    .map(([shard, tip]) => `${shard} at ${positions[shard] ?? 'nothing'} of ${tip}`);
}

/** The event source mapping: every record up to each shard's tip settled, and no tumbling window open. */
export function esmProbe(
  settledPositions: Readonly<Record<string, string | undefined>>,
  openWindows: number,
  tips: Readonly<Record<string, string>>,
): SettleProbe {
  const waiting = shardsBehind(settledPositions, tips).map((s) => `settled position of ${s}`);
  if (openWindows > 0) waiting.push(`${openWindows} tumbling window(s) open`);
  return { settled: waiting.length === 0, waiting };
}

/** The archive writer: every record up to each shard's tip read (stopping it then writes what it buffers). */
export function archiveProbe(
  readPositions: Readonly<Record<string, string | undefined>>,
  tips: Readonly<Record<string, string>>,
): SettleProbe {
  const waiting = shardsBehind(readPositions, tips).map((s) => `read position of ${s}`);
  return { settled: waiting.length === 0, waiting };
}

/**
 * Polls `probe` until it reports settled or `timeoutMs` passes; logs what it waits for every `reportEveryMs`. A probe
 * that throws is retried (a job's REST API may not answer yet) and its error is shown as what it waits for.
 */
export async function settle(
  name: string,
  probe: () => Promise<SettleProbe>,
  opts: { timeoutMs: number; everyMs?: number; reportEveryMs?: number; signals: string; out: RunConsole },
): Promise<SettleResult> {
  const started = Date.now();
  let lastReport = started;
  let last: SettleProbe = { settled: false, waiting: ['first probe'] };
  for (;;) {
    try {
      last = await probe();
    } catch (err) {
      last = { settled: false, waiting: [err instanceof Error ? err.message : String(err)] };
    }
    const ms = Date.now() - started;
    if (last.settled) return { name, settled: true, ms, detail: opts.signals };
    if (ms > opts.timeoutMs)
      return {
        name,
        settled: false,
        ms,
        detail: `not settled after ${Math.round(ms / 1000)} s: ${last.waiting.join('; ')}`,
      };
    if (Date.now() - lastReport >= (opts.reportEveryMs ?? 15_000)) {
      lastReport = Date.now();
      opts.out.line(`  … ${name}: waiting for ${last.waiting.join('; ')}`);
    }
    await sleep(opts.everyMs ?? 500);
  }
}
