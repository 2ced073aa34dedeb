/**
 * `npm run bench:consumer`: throughput of the stream consumer's pure batch logic (decode → validate → dedupe →
 * aggregate → one write per key, in-memory writer) against a bare loop that only base64-decodes and JSON.parses the
 * same records, plus view writes per 1,000 events at several batch sizes. Single-threaded, so records/s is per core.
 *
 * Options (env): BENCH_RECORDS (default 1000000), BENCH_ROUNDS (default 3; the median round is reported),
 * BENCH_BATCH_SIZES (default "100,1000,6500": 6,500 records of this size is about the most a 6 MB invocation payload holds), BENCH_RATE (events/s on the shard, default 1000 = one full shard).
 * Tumbling-window rows: BENCH_WINDOWS (seconds, default "60,120"), BENCH_WINDOW_BATCH_SIZE (default 100, the event
 * source mapping's default batch size), BENCH_PATHOLOGICAL_RECORDS (default 120000) for the state-size mix.
 *
 * Tumbling windows are simulated as the event source mapping drives them: records are grouped per second of arrival
 * (Lambda polls a shard about once a second), each second is cut into invocations of the batch size, a window is
 * `[k·W, (k+1)·W)` of approximateArrivalTimestamp (Lambda bounds windows by arrival time, not by occurredAt), and a
 * window ends with a final invoke without records. The state goes through JSON between invocations, as in Lambda
 * (the runtime serializes the response and parses the next event): `JSON.parse(JSON.stringify(state))`, timed.
 *
 * The reference workload (seeded, deterministic): a live cricket match on a streaming platform, records of ~300 bytes.
 * - 50 contentIds, Zipf-like popularity (s = 1.1): the live match stream takes ~25 %, highlights and other live
 *   streams the tail; 6 types (heartbeat 55 %, like 15 %, view_start 10 %, view_end 8 %, comment 6 %, share 6 %).
 * - BENCH_RATE events/s: occurredAt is 0–2 s behind arrival for 90 %, up to 30 s for 9.5 %, 1–5 min late for 0.5 %.
 * - 0.5 % malformed (bad JSON, schema violations, bad base64), 0.5 % exact re-sends of a recent record.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { MemoryDeadLetterSink } from '../lambda/stream-consumer/dead-letter';
import { processBatch } from '../lambda/stream-consumer/process-batch';
import { DEFAULT_STATE_BUDGET_BYTES, processWindowBatch } from '../lambda/stream-consumer/window';
import { MemoryViewWriter } from '../lambda/stream-consumer/writer';
import { pathologicalRecords, referenceRecords } from './consumer-workload';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH_SIZES = (process.env.BENCH_BATCH_SIZES ?? '100,1000,6500').split(',').map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const WINDOWS = (process.env.BENCH_WINDOWS ?? '60,120').split(',').map(Number);
const WINDOW_BATCH = Number(process.env.BENCH_WINDOW_BATCH_SIZE ?? 100);
const PATHOLOGICAL_RECORDS = Number(process.env.BENCH_PATHOLOGICAL_RECORDS ?? 120_000);

interface Timing {
  wallS: number;
  cpuS: number;
}

async function timed(fn: () => Promise<void> | void): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wallS, cpuS: (cpu.user + cpu.system) / 1e6 };
}

let sink = 0; // keeps the bare loop's work observable so it is not optimised away

function bareLoop(records: readonly KinesisStreamRecord[]): void {
  for (const rec of records) {
    try {
      const v = JSON.parse(Buffer.from(rec.kinesis.data, 'base64').toString('utf8')) as { type?: string };
      sink += v.type === undefined ? 0 : 1;
    } catch {
      sink--;
    }
  }
}

async function pipeline(
  records: readonly KinesisStreamRecord[],
  batchSize: number,
): Promise<{ writes: number; malformed: number; duplicates: number }> {
  const writer = new MemoryViewWriter();
  const deadLetters = new MemoryDeadLetterSink();
  let duplicates = 0;
  for (let i = 0; i < records.length; i += batchSize) {
    const out = await processBatch(records.slice(i, i + batchSize), { writer, deadLetters });
    if (out.response.batchItemFailures.length > 0) throw new Error('unexpected failures');
    duplicates += out.stats.duplicatesInBatch;
  }
  return { writes: writer.writes, malformed: deadLetters.letters.length, duplicates };
}

interface WindowRun {
  writes: number;
  invocations: number;
  finals: number;
  earlyFlushes: number;
  maxStateBytes: number;
  maxStateKeys: number;
  /** Largest state handed back to Lambda (what its 1 MB limit applies to). */
  maxReturnedStateBytes: number;
}

/** Drives processWindowBatch as a tumbling-window event source mapping would (see the header). */
async function windowPipeline(
  records: readonly KinesisStreamRecord[],
  windowSeconds: number,
  batchSize: number,
  stateBudgetBytes = DEFAULT_STATE_BUDGET_BYTES,
): Promise<WindowRun> {
  const writer = new MemoryViewWriter();
  const deps = { writer, deadLetters: new MemoryDeadLetterSink(), stateBudgetBytes };
  const run: WindowRun = {
    writes: 0,
    invocations: 0,
    finals: 0,
    earlyFlushes: 0,
    maxStateBytes: 0,
    maxStateKeys: 0,
    maxReturnedStateBytes: 0,
  };
  let state: Record<string, unknown> | undefined;
  let windowIndex: number | undefined;
  const bounds = (k: number) => ({
    start: new Date(k * windowSeconds * 1000).toISOString(),
    end: new Date((k + 1) * windowSeconds * 1000).toISOString(),
  });
  const invoke = async (batch: KinesisStreamRecord[], k: number, isFinalInvokeForWindow: boolean) => {
    const out = await processWindowBatch(
      {
        Records: batch,
        window: bounds(k),
        ...(state === undefined ? {} : { state }),
        isFinalInvokeForWindow,
        isWindowTerminatedEarly: false,
      },
      deps,
    );
    run.invocations++;
    if (out.stats.flush === 'early') run.earlyFlushes++;
    run.maxStateBytes = Math.max(run.maxStateBytes, out.stats.stateBytes);
    // keys are counted when an invocation reads the state in full (a compaction or a flush)
    run.maxStateKeys = Math.max(run.maxStateKeys, out.stats.stateKeys ?? 0);
    run.maxReturnedStateBytes = Math.max(run.maxReturnedStateBytes, out.stats.returnedStateBytes);
    state = isFinalInvokeForWindow
      ? undefined
      : (JSON.parse(JSON.stringify(out.response.state)) as Record<string, unknown>);
  };
  let i = 0;
  while (i < records.length) {
    // one poll: the records that arrived in the same second
    const second = Math.floor(records[i].kinesis.approximateArrivalTimestamp);
    let j = i;
    while (j < records.length && Math.floor(records[j].kinesis.approximateArrivalTimestamp) === second) j++;
    const k = Math.floor(second / windowSeconds);
    if (windowIndex !== undefined && k !== windowIndex) {
      await invoke([], windowIndex, true);
      run.finals++;
    }
    windowIndex = k;
    for (let b = i; b < j; b += batchSize)
      await invoke(records.slice(b, Math.min(j, b + batchSize)), k, false);
    i = j;
  }
  if (windowIndex !== undefined) {
    await invoke([], windowIndex, true);
    run.finals++;
  }
  run.writes = writer.writes;
  return run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const g0 = Date.now();
  const { records, payloadBytes } = referenceRecords(RECORDS, RATE);
  console.log(
    `reference records: ${fmt(records.length)}, mean payload ${(payloadBytes / records.length).toFixed(0)} bytes ` +
      `(generated in ${((Date.now() - g0) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `node ${process.version}, load average ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );

  // warm-up (JIT) on a slice
  const warm = records.slice(0, Math.min(50_000, records.length));
  bareLoop(warm);
  await pipeline(warm, 100);

  const rows: string[][] = [];
  const bare: Timing[] = [];
  const byBatch = new Map<
    number,
    { timings: Timing[]; writes: number; malformed: number; duplicates: number }
  >();
  const byWindow = new Map<number, { timings: Timing[]; run: WindowRun }>();
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await timed(() => bareLoop(records)));
    for (const size of BATCH_SIZES) {
      let result = { writes: 0, malformed: 0, duplicates: 0 };
      const t = await timed(async () => {
        result = await pipeline(records, size);
      });
      const entry = byBatch.get(size) ?? { timings: [], ...result };
      entry.timings.push(t);
      byBatch.set(size, entry);
    }
    for (const seconds of WINDOWS) {
      let result: WindowRun | undefined;
      const t = await timed(async () => {
        result = await windowPipeline(records, seconds, WINDOW_BATCH);
      });
      if (result === undefined) throw new Error('window run did not complete');
      const entry = byWindow.get(seconds) ?? { timings: [], run: result };
      entry.timings.push(t);
      byWindow.set(seconds, entry);
    }
  }
  const rate = (ts: Timing[], k: 'wallS' | 'cpuS') => records.length / median(ts.map((t) => t[k]));
  const bareWall = rate(bare, 'wallS');
  const bareCpu = rate(bare, 'cpuS');
  rows.push([
    'bare loop (base64 + JSON.parse)',
    '-',
    fmt(bareWall),
    fmt(bareCpu),
    '100 %',
    '100 %',
    '-',
    '-',
  ]);
  for (const [size, e] of byBatch) {
    const wall = rate(e.timings, 'wallS');
    const cpu = rate(e.timings, 'cpuS');
    rows.push([
      'consumer (processBatch, in-memory writer)',
      fmt(size),
      fmt(wall),
      fmt(cpu),
      `${((100 * wall) / bareWall).toFixed(0)} %`,
      `${((100 * cpu) / bareCpu).toFixed(0)} %`,
      ((1000 * e.writes) / records.length).toFixed(1),
      `${fmt(e.malformed)} / ${fmt(e.duplicates)}`,
    ]);
  }
  for (const [seconds, e] of byWindow) {
    const wall = rate(e.timings, 'wallS');
    const cpu = rate(e.timings, 'cpuS');
    rows.push([
      `consumer, tumbling window ${seconds} s (processWindowBatch)`,
      fmt(WINDOW_BATCH),
      fmt(wall),
      fmt(cpu),
      `${((100 * wall) / bareWall).toFixed(0)} %`,
      `${((100 * cpu) / bareCpu).toFixed(0)} %`,
      ((1000 * e.run.writes) / records.length).toFixed(1),
      '-',
    ]);
  }
  const header = [
    'loop',
    'batch size',
    'records/s per core (wall)',
    'records/s per CPU-s',
    'vs bare (wall)',
    'vs bare (CPU)',
    'writes per 1,000 records',
    'dead letters / in-batch dups',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `\nmedian of ${ROUNDS} rounds over ${fmt(records.length)} records, shard rate ${fmt(RATE)} events/s`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  console.log('\ntumbling windows, reference mix (state after folding each batch, JSON bytes):');
  for (const [seconds, e] of byWindow)
    console.log(
      `  ${seconds} s: ${fmt(e.run.invocations)} invocations (${fmt(e.run.finals)} final), max state ` +
        `${fmt(e.run.maxStateBytes)} bytes / ${fmt(e.run.maxStateKeys)} keys, early flushes ${e.run.earlyFlushes}`,
    );
  const patho = pathologicalRecords(PATHOLOGICAL_RECORDS, RATE);
  console.log(
    `tumbling windows, pathological mix (${fmt(patho.length)} records, 100,000 contentIds of 64 chars, up to 10 min late):`,
  );
  for (const seconds of WINDOWS) {
    // Unguarded size: the state's size depends only on the keys of the window, so fold one full window in a single
    // invocation (replaying it batch by batch re-serialises a multi-MB state hundreds of times).
    const first = patho.slice(0, Math.min(patho.length, seconds * RATE));
    const { stats: unguarded } = await processWindowBatch(
      {
        Records: first,
        window: { start: '1970-01-01T00:00:00Z', end: '1970-01-01T00:00:00Z' },
        isFinalInvokeForWindow: false,
        isWindowTerminatedEarly: false,
      },
      {
        writer: new MemoryViewWriter(),
        deadLetters: new MemoryDeadLetterSink(),
        stateBudgetBytes: Number.POSITIVE_INFINITY,
      },
    );
    const guarded = await windowPipeline(patho, seconds, WINDOW_BATCH);
    console.log(
      `  ${seconds} s: without the guard the state reaches ${fmt(unguarded.stateBytes)} bytes / ` +
        `${fmt(unguarded.stateKeys ?? 0)} keys (Lambda's limit: 1 MB); with the ${fmt(DEFAULT_STATE_BUDGET_BYTES)}-byte ` +
        `guard: max ${fmt(guarded.maxStateBytes)} bytes after folding a batch, ${fmt(guarded.maxReturnedStateBytes)} returned, ${guarded.earlyFlushes} early flushes, ` +
        `${((1000 * guarded.writes) / patho.length).toFixed(1)} writes per 1,000 records`,
    );
  }
  // View writes if a whole window of the shard were aggregated in one batch (an upper bound of what a tumbling window
  // saves, ignoring that Lambda's windows follow arrival time, not minutes of occurredAt): counted without timing.
  const windows = [30, 60, 120].map((seconds) => seconds * RATE);
  const windowRows: string[] = [];
  for (const size of windows) {
    const { writes } = await pipeline(records, size);
    windowRows.push(
      `${fmt(size / RATE)} s (${fmt(size)} records): ${((1000 * writes) / records.length).toFixed(1)}`,
    );
  }
  console.log(`\nwrites per 1,000 records if aggregated per window of the shard: ${windowRows.join('; ')}`);
  for (const size of BATCH_SIZES) {
    const bytes = Buffer.byteLength(JSON.stringify({ Records: records.slice(0, size) }));
    console.log(
      `invocation payload at batch size ${fmt(size)}: ${(bytes / 1024 / 1024).toFixed(2)} MiB (Lambda limit 6 MB)`,
    );
  }
  console.log(
    `\nA batch of N records spans N / ${fmt(RATE)} s of the shard: batch size 100 fills in ${(100 / RATE).toFixed(1)} s, ` +
      `6,500 needs a batching window of at least ${(6_500 / RATE).toFixed(1)} s.`,
  );
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
