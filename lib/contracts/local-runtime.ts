/**
 * The offline runtime kept running (`npm start -- --keep-running`) describes itself in one file, which the CLI's
 * `--local` reads: where each emulator listens, the names of the resources (by stack output), and the runtime's own
 * HTTP endpoint (control routes and the serving API). Shared by local/ (writer) and cli/ (reader).
 */
import type { OutputName } from './outputs';

/** Default place of the file, relative to the repository root (git-ignored). */
export const LOCAL_RUNTIME_FILE = '.streamlake/local.json';
/** Overrides the file's place (tests, or two runtimes side by side). */
export const LOCAL_RUNTIME_FILE_ENV = 'STREAMLAKE_LOCAL_FILE';
export const LOCAL_RUNTIME_VERSION = 1;

/** The AWS services the emulators stand in for, as the CLI's clients name them. */
export const LOCAL_SERVICES = ['kinesis', 'dynamodb', 's3', 'sqs', 'ssm'] as const;
export type LocalService = (typeof LOCAL_SERVICES)[number];

/** Routes of the runtime's HTTP endpoint (127.0.0.1, random port). */
export const LocalRoutes = {
  health: '/health',
  /** POST {day}: start the batch for a day (202 + the run); GET: every run, newest first. */
  batchRuns: '/batch/runs',
  /** POST {fromMs?}: kappa reprocessing into the next Flink view; GET: the replays. */
  replays: '/replays',
  /** POST: stop the runtime (what `streamlake local down` sends). */
  stop: '/stop',
  /** The serving API's base URL path: `<base>/metrics`, SigV4-signed (service execute-api) as on AWS. */
  serving: '/serving',
} as const;

/** The console line the runtime prints once the file is written (tests and scripts wait for it). */
export const LOCAL_RUNTIME_UP_LINE = 'offline runtime up:';

export interface LocalRuntimeFile {
  readonly version: typeof LOCAL_RUNTIME_VERSION;
  /** The runtime's process (`streamlake local down` waits for it to exit). */
  readonly pid: number;
  readonly startedAt: string;
  readonly architecture: 'lambda' | 'kappa';
  readonly speedEngine?: 'lambda' | 'flink';
  /** The batch engine the runtime runs for `batch run` (emr: the Spark job, spark-submit local[2]; mapreduce: its handlers). */
  readonly batchEngine: 'emr' | 'mapreduce' | 'none';
  readonly region: string;
  /** The emulators accept any credentials; these are the ones the runtime's serving endpoint verifies SigV4 with. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints: Readonly<Record<LocalService, string>> & {
    /** The runtime's HTTP endpoint: LocalRoutes. */
    readonly runtime: string;
  };
  /** Resource names by stack output (lib/contracts/outputs.ts), as a deployment's stacks export them. */
  readonly outputs: Partial<Readonly<Record<OutputName, string>>>;
  readonly workDir: string;
  readonly logsDir: string;
}

/** A batch run the runtime started, as `GET /batch/runs` lists it. */
export interface LocalBatchRun {
  readonly id: string;
  readonly day: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly startedAt: string;
  readonly stoppedAt?: string;
  readonly log: string;
  readonly error?: string;
}
