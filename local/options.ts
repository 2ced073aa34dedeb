/**
 * The options of an offline run. A light module (types and defaults only): `local/main.ts` answers `--help` without
 * loading the runtime.
 */
import type { Deployment } from './infra';
import type { LogFiles, RunConsole } from './logs';
import type { ProcessRegistry } from './proc';
import type { PipelineReport } from './report';
import type { Architecture } from './templates';

/** What stays of the work folder after the run. */
export type KeepWorkDir =
  /** Everything: emulator data, checkpoints, synthesized templates, logs, report. */
  | 'all'
  /** The logs, the workload and truth files and report.json (small); emulator data and checkpoints are deleted. */
  | 'logs'
  /** Nothing. */
  | 'none';

export interface PipelineOptions {
  readonly architecture: Architecture;
  /** The lambda architecture's speed layer (`speedEngine`); the config's default when omitted. */
  readonly speedEngine?: 'lambda' | 'flink';
  /** Generator seed: the same seed produces the same workload. */
  readonly seed: number;
  /** Records to produce, roughly (events, duplicates and malformed lines together): sets the event rate of the span. */
  readonly records: number;
  /** First event time; the workload spans `spanMinutes` of event time from here and should cross midnight UTC. */
  readonly startTime: string;
  readonly spanMinutes: number;
  /** PutRecords rate (records/s): kinesis-local takes ~800/s on this machine. */
  readonly putRatePerSecond: number;
  /** Read these templates instead of synthesizing (tests, or a cdk.out you already have). */
  readonly templatesDir?: string;
  /**
   * Run the event source mapping with this tumbling window (seconds; 0 = no window) instead of the template's, for a
   * quicker run. The report says that it was overridden. @default - the template's `TumblingWindowInSeconds`
   */
  readonly windowSeconds?: number;
  /** Kill the Flink job (SIGKILL) once this fraction of the records is produced, then restart it from its checkpoint. */
  readonly killFlinkAt?: number;
  /** Fraction of stream-consumer invocations that fail after the handler ran (exercises retries). @default 0 */
  readonly injectConsumerFailures?: number;
  /** @default 'logs' */
  readonly keepWorkDir?: KeepWorkDir;
  /** Kappa: replay into flink-v2 from the raw archive and the stream, flip, hand over (local/reprocess.ts). @default true */
  readonly reprocess?: boolean;
  /** Run a scheduled batch cycle for the closed day (the planner, then each planned day). @default true */
  readonly runBatch?: boolean;
  /**
   * The batch engine (`batchEngine`): synthesized with it, and run offline by it — `emr` runs the Spark job
   * (spark-submit local[2]), `mapreduce` the MapReduce engine's handlers (local/mapreduce). @default - the
   * configuration's default (what the synthesized templates deploy: emr)
   */
  readonly batchEngine?: 'emr' | 'mapreduce';
  /** Console lines (phases, progress); everything else goes to the log files. @default stdout */
  readonly log?: (line: string) => void;
  /** Write Node's process warnings to logs/node-warnings.log during the run (main.ts, after removing the default printer). */
  readonly captureWarnings?: boolean;
  /** Serve the live dashboard (local/dashboard/) on 127.0.0.1 while the run goes on. @default true */
  readonly dashboard?: boolean;
  /** Registry to start processes in (main.ts passes one with signal handlers). */
  readonly registry?: ProcessRegistry;
  /**
   * Called with the report, before anything is stopped: the runtime (emulators, and whatever else the run started)
   * stays up until the returned promise resolves (`--keep-running`, local/keep-running.ts).
   */
  readonly keepRunning?: (live: LiveRuntime) => Promise<void>;
}

/** What a kept-running runtime hands on once the scenario is over. */
export interface LiveRuntime {
  readonly report: PipelineReport;
  readonly deployment: Deployment;
  readonly registry: ProcessRegistry;
  readonly logs: LogFiles;
  readonly workDir: string;
  readonly out: RunConsole;
  /** Where the stopped speed layer's mapping resumes, per shard (its checkpoints), when the variant has one. */
  readonly speedCheckpoints?: Readonly<Record<string, string>>;
  /** Where the stopped archive writer resumes, per shard, when the variant has one. */
  readonly archivePositions?: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_OPTIONS: Omit<PipelineOptions, 'architecture'> = {
  seed: 20261120,
  records: 6000,
  startTime: '2026-11-20T23:50:00.000Z',
  spanMinutes: 20,
  putRatePerSecond: 500,
};
