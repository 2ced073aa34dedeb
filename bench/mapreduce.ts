/**
 * `npm run bench:mapreduce`: the MapReduce engine's handlers (plan, map, both reduce rounds, finish with its lake
 * commit) over the data set `npm run bench:spark` uses (jobs/spark/bench/generate.py, same size options), on a
 * local folder, with one worker thread per core; then the Spark job's transform stage and DuckDB on the same files
 * (jobs/spark/bench/bench.py), in the same run. Prints rows/s per core for the three and whether their totals agree,
 * and the inputs the cost model needs (Lambda GB-s, requests and shuffle bytes per GB of input). A benchmark prints
 * figures; it asserts nothing.
 *
 * Options: --events N (default 5,000,000), --other-events N (500,000), --day, --seed, --cores N (2),
 * --driver-memory (Spark, 4g), --skip-spark (MapReduce only).
 *
 * The MapReduce run does more than the Spark stage it is compared with: it also writes the curated and quarantine
 * tables and top_content, and commits every table into the lake (copies), as a deployed run does. Only the
 * DynamoDB writes are left out (items are counted).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Command } from 'commander';
import type { MapReduceHandlers } from '../lambda/mapreduce/handlers';
import type { EngineConfig } from '../lambda/mapreduce/phases';
import { PHASE_SIZES } from '../lib/constructs/batch/mapreduce-functions';
import { MAPREDUCE_DEFAULTS, MAPREDUCE_YOUNG_GENERATION_MB } from '../lib/contracts/mapreduce';
import { executeDay, type PhaseName } from '../local/mapreduce/executor';
import { FsBlobStore } from '../local/mapreduce/fs-store';
import { costTable, type MeasuredInputs } from './mapreduce-cost';
import type { WorkerReply, WorkerTask } from './mapreduce-worker';

const ROOT = resolve(__dirname, '..');
const PY = join(ROOT, '.venv', 'bin', 'python');
const GiB = 1024 ** 3;

const o = new Command('bench-mapreduce')
  .option('--events <n>', 'events in day D', (v) => Number.parseInt(v, 10), 5_000_000)
  .option('--other-events <n>', 'events in each neighbour day', (v) => Number.parseInt(v, 10), 500_000)
  .option('--day <yyyy-MM-dd>', 'day D', '2026-11-20')
  .option('--seed <n>', 'generator seed', (v) => Number.parseInt(v, 10), 7)
  .option(
    '--cores <n>',
    'worker threads (Spark local[n], DuckDB threads=n)',
    (v) => Number.parseInt(v, 10),
    2,
  )
  .option('--driver-memory <m>', 'Spark driver memory', '4g')
  .option('--skip-spark', 'run the MapReduce engine only')
  .parse()
  .opts<{
    events: number;
    otherEvents: number;
    day: string;
    seed: number;
    cores: number;
    driverMemory: string;
    skipSpark?: boolean;
  }>();

/** Generates (or reuses) the data set with the Spark benchmark's generator; returns the folder holding raw/events. */
function dataset(): string {
  const code = [
    'import sys; from pathlib import Path',
    `sys.path.insert(0, ${JSON.stringify(join(ROOT, 'jobs', 'spark', 'bench'))})`,
    'from generate import generate',
    `print(generate(Path(${JSON.stringify(join(ROOT, '.local', 'bench-data'))}), ${JSON.stringify(o.day)}, ${o.events}, ${o.otherEvents}, ${o.seed}, ${o.cores}))`,
  ].join('\n');
  return execFileSync(PY, ['-c', code]).toString().trim();
}

interface TaskStat {
  readonly phase: PhaseName;
  readonly ms: number;
  readonly calls: Record<string, number>;
}

/** Handlers whose calls run on a pool of worker threads (one task per worker at a time). */
function pool(root: string, config: EngineConfig, size: number, stats: TaskStat[]) {
  const workers = Array.from(
    { length: size },
    () =>
      // Workers do not inherit tsx's loader: register it, then load the TypeScript worker.
      new Worker(
        `require('tsx/cjs/api').register(); require(${JSON.stringify(join(__dirname, 'mapreduce-worker.ts'))});`,
        {
          eval: true,
          workerData: { root, config },
          // As the deployed functions run (NODE_OPTIONS of lib/constructs/batch/mapreduce-functions.ts).
          resourceLimits: { maxYoungGenerationSizeMb: MAPREDUCE_YOUNG_GENERATION_MB },
        },
      ),
  );
  const idle = [...workers];
  const waiting: ((w: Worker) => void)[] = [];
  let next = 0;
  const acquire = () =>
    new Promise<Worker>((r) => (idle.length > 0 ? r(idle.pop() as Worker) : waiting.push(r)));
  const release = (w: Worker) => {
    const waiter = waiting.shift();
    if (waiter) waiter(w);
    else idle.push(w);
  };
  const phaseOf: Record<keyof MapReduceHandlers, PhaseName> = {
    plan: 'plan',
    map: 'map',
    reduceEvents: 'reduce-events',
    reduceCounts: 'reduce-counts',
    finish: 'finish',
    cleanup: 'cleanup',
  };
  const call = (phase: keyof MapReduceHandlers) => async (event: unknown) => {
    const w = await acquire();
    const id = next++;
    try {
      const reply = await new Promise<WorkerReply>((res) => {
        const on = (m: WorkerReply) => {
          if (m.id !== id) return;
          w.off('message', on);
          res(m);
        };
        w.on('message', on);
        w.postMessage({ id, phase, event } satisfies WorkerTask);
      });
      stats.push({ phase: phaseOf[phase], ms: reply.ms, calls: reply.calls });
      if (reply.error) throw new Error(reply.error);
      return reply.result;
    } finally {
      release(w);
    }
  };
  const handlers = Object.fromEntries(
    (Object.keys(phaseOf) as (keyof MapReduceHandlers)[]).map((k) => [k, call(k)]),
  ) as unknown as MapReduceHandlers;
  const ready = Promise.all(workers.map((w) => new Promise<void>((r) => w.once('message', () => r()))));
  return { handlers, ready, close: () => Promise.all(workers.map((w) => w.terminate())) };
}

interface SparkBench {
  readonly spark: { seconds: number; events: number; watchSeconds: number; minuteRows: number };
  readonly duckdb: { seconds: number; events: number; watchSeconds: number; minuteRows: number };
  readonly loadAverage: number;
}

function runSparkBench(): SparkBench {
  const out = execFileSync(
    PY,
    [
      join(ROOT, 'jobs', 'spark', 'bench', 'bench.py'),
      '--data',
      join(ROOT, '.local', 'bench-data'),
      '--events',
      String(o.events),
      '--other-events',
      String(o.otherEvents),
      '--day',
      o.day,
      '--seed',
      String(o.seed),
      '--cores',
      String(o.cores),
      '--driver-memory',
      o.driverMemory,
    ],
    { cwd: ROOT, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  ).toString();
  const line = out.split('\n').find((l) => l.startsWith('{"bench": "spark"'));
  if (!line) throw new Error(`jobs/spark/bench/bench.py printed no result line:\n${out}`);
  return JSON.parse(line) as SparkBench;
}

async function main(): Promise<void> {
  const t0 = process.hrtime.bigint();
  const data = dataset();
  console.log(`data set: ${data} (ready in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s)`);
  const work = mkdtempSync(join(tmpdir(), 'sl-bench-mr-'));
  try {
    // Buckets are folders of one root: the raw bucket is the generated data set itself.
    symlinkSync(data, join(work, 'raw'));
    for (const b of ['curated', 'analytics']) mkdirSync(join(work, b));
    const config: EngineConfig = {
      rawBucket: 'raw',
      curatedBucket: 'curated',
      analyticsBucket: 'analytics',
      scratchBucket: 'analytics',
      topN: MAPREDUCE_DEFAULTS.topN,
      limits: {
        mapItemBytes: MAPREDUCE_DEFAULTS.mapItemBytes,
        maxObjectBytes: MAPREDUCE_DEFAULTS.maxObjectBytes,
        maxDayBytes: MAPREDUCE_DEFAULTS.maxDayBytes,
        targetFileBytes: MAPREDUCE_DEFAULTS.targetFileBytes,
        eventPartitionsPerCountPartition: MAPREDUCE_DEFAULTS.eventPartitionsPerCountPartition,
      },
    };
    const stats: TaskStat[] = [];
    const workers = pool(work, config, o.cores, stats);
    await workers.ready;
    const start = process.hrtime.bigint();
    let result: Awaited<ReturnType<typeof executeDay>>;
    try {
      result = await executeDay(workers.handlers, new FsBlobStore(work), {
        day: o.day,
        concurrency: o.cores,
        viewWriters: o.cores,
        retries: 0,
      });
    } finally {
      await workers.close();
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const s = result.summary;
    const rows = s.rawRows;
    const mrRate = rows / seconds / o.cores;
    const inputGiB = s.rawBytes / GiB;
    console.log(`cores: ${o.cores} (worker threads); load average now: ${loadavg()[0].toFixed(1)}`);
    console.log(
      `rows in dt=${o.day}: ${rows.toLocaleString('en-US')}; day partition ${s.rawBytes.toLocaleString('en-US')} B`,
    );
    for (const p of result.phases)
      console.log(
        `  ${p.phase.padEnd(14)} ${String(p.tasks).padStart(4)} task(s) ${p.seconds.toFixed(2).padStart(8)} s`,
      );
    console.log(
      `mapreduce: ${seconds.toFixed(1)} s, ${Math.round(mrRate).toLocaleString('en-US')} rows/s per core`,
    );

    // Inputs of the cost model: Lambda GB-s and requests per GiB of raw input, from this run's task times (one
    // task on one core here ~ one Lambda invocation with ≥ 1,769 MiB, one vCPU) and the deployed memory sizes.
    const byPhase = new Map<PhaseName, { ms: number; tasks: number; calls: Record<string, number> }>();
    for (const t of stats) {
      const e = byPhase.get(t.phase) ?? { ms: 0, tasks: 0, calls: {} };
      e.ms += t.ms;
      e.tasks += 1;
      for (const [k, v] of Object.entries(t.calls)) e.calls[k] = (e.calls[k] ?? 0) + v;
      byPhase.set(t.phase, e);
    }
    let gbSeconds = 0;
    const requests: Record<string, number> = {};
    for (const [phase, e] of byPhase) {
      gbSeconds += (e.ms / 1000) * (PHASE_SIZES[phase].memoryMiB / 1024);
      for (const [k, v] of Object.entries(e.calls)) requests[k] = (requests[k] ?? 0) + v;
    }
    const invocations = stats.length;
    const tasks = result.phases.reduce(
      (n, p) => n + (['map', 'reduce-events', 'reduce-counts'].includes(p.phase) ? p.tasks : 0),
      0,
    );
    const costInputs = {
      inputGiB,
      lambdaGbSecondsPerGiB: gbSeconds / inputGiB,
      lambdaInvocationsPerGiB: invocations / inputGiB,
      s3PutsPerGiB: ((requests.put ?? 0) + (requests.copy ?? 0) + (requests.list ?? 0)) / inputGiB,
      s3GetsPerGiB: (requests.get ?? 0) / inputGiB,
      scratchBytesWrittenPerGiB: (requests.putBytes ?? 0) / inputGiB,
      viewItems: requests.viewItems ?? 0,
      childExecutions: tasks,
    };
    console.log(
      `cost inputs: ${costInputs.lambdaGbSecondsPerGiB.toFixed(0)} Lambda GB-s, ${costInputs.lambdaInvocationsPerGiB.toFixed(1)} invocations, ${costInputs.s3PutsPerGiB.toFixed(0)} S3 PUT/COPY/LIST, ${costInputs.s3GetsPerGiB.toFixed(0)} GET and ${(costInputs.scratchBytesWrittenPerGiB / GiB).toFixed(2)} GiB written per GiB of raw input; ${tasks} child executions`,
    );

    let spark: SparkBench | undefined;
    if (!o.skipSpark) {
      spark = runSparkBench();
      const sparkRate = o.events / spark.spark.seconds / o.cores;
      const duckRate = o.events / spark.duckdb.seconds / o.cores;
      console.log(
        `spark    : ${spark.spark.seconds.toFixed(1)} s, ${Math.round(sparkRate).toLocaleString('en-US')} rows/s per core`,
      );
      console.log(
        `duckdb   : ${spark.duckdb.seconds.toFixed(1)} s, ${Math.round(duckRate).toLocaleString('en-US')} rows/s per core`,
      );
      console.log(
        `mapreduce/spark per-core rate: ${(mrRate / sparkRate).toFixed(2)} (aim >= 1); mapreduce/duckdb: ${(mrRate / duckRate).toFixed(2)}`,
      );
      const mine = { events: s.curatedRows, minuteRows: s.minuteRows };
      const agree = mine.events === spark.spark.events && mine.minuteRows === spark.spark.minuteRows;
      console.log(
        `aggregates agree: ${agree ? 'yes' : 'NO'} (events ${mine.events} vs spark ${spark.spark.events} vs duckdb ${spark.duckdb.events}; minute rows ${mine.minuteRows} vs ${spark.spark.minuteRows})`,
      );
      console.log(`load average at the end: ${loadavg()[0].toFixed(1)}`);
      const measured: MeasuredInputs = {
        lambdaGbSecondsPerGiB: costInputs.lambdaGbSecondsPerGiB,
        s3PutsPerGiB: costInputs.s3PutsPerGiB,
        rawObjectsPerGiB: s.rawObjects / inputGiB,
        scratchBytesWrittenPerGiB: costInputs.scratchBytesWrittenPerGiB,
        eventsPerGiB: rows / inputGiB,
        sparkRowsPerSecondPerCore: sparkRate,
      };
      console.log(
        `\ndaily cost by volume (bench/mapreduce-cost.ts; list prices, verify before use):\n${costTable(measured)}`,
      );
    }
    console.log(
      JSON.stringify({
        bench: 'mapreduce',
        cores: o.cores,
        rows,
        mapreduce: { seconds, phases: result.phases, summary: s },
        costInputs,
        spark: spark?.spark,
        duckdb: spark?.duckdb,
        loadAverage: loadavg()[0],
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
