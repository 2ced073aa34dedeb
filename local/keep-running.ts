/**
 * `npm start -- --keep-running`: once the scenario's report is out, the runtime stays up for the CLI's `--local`.
 * The speed layer and the archive writer start again where the scenario's stopped (no record read twice, none
 * skipped), the runtime's HTTP endpoint serves the query API and the batch control routes, and
 * `.streamlake/local.json` says where everything is. Ctrl-C, SIGTERM or `streamlake local down` (POST /stop) stops
 * it: the archive writer delivers its buffers, the file is removed, and the pipeline's clean-up stops every process.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  LOCAL_RUNTIME_UP_LINE,
  LOCAL_RUNTIME_VERSION,
  type LocalBatchRun,
  LocalRoutes,
  type LocalRuntimeFile,
} from '../lib/contracts/local-runtime';
import { type OutputName, Outputs } from '../lib/contracts/outputs';
import { ArchiveWriter } from './archive-writer';
import { batchTarget, runBatchCycle, templateBatchEngine } from './compute/batch';
import { FlinkJob, hasCompletedCheckpoint } from './compute/flink';
import { servingHandler } from './compute/serving';
import { type SpeedLayer, startSpeedLayer } from './compute/speed';
import { CREDENTIALS, REGION } from './emulators';
import { kinesisShardSource } from './esm-poller';
import type { Deployment } from './infra';
import { localRuntimeFile, runningRuntime } from './local-file';
import type { LiveRuntime } from './options';
import { LocalReplays } from './replay-local';
import { physicalNameFor } from './resources';
import { type BatchRunner, BusyError, startRuntimeServer, stopRuntimeServer } from './runtime-server';

/** Resource names by stack output, for every output the templates resolve to a local resource. */
export function localOutputs(d: Deployment): Partial<Record<OutputName, string>> {
  const out: Partial<Record<OutputName, string>> = {};
  for (const name of Object.values(Outputs)) {
    try {
      out[name] = physicalNameFor(d.infra, name);
    } catch {
      // not a bucket, table, stream or queue (ARNs, URLs, application names): filled below where it has a local value
    }
  }
  out[Outputs.streamArn] = d.streamArn;
  if (d.deadLetterQueueUrl) out[Outputs.deadLetterQueueUrl] = d.deadLetterQueueUrl;
  if (d.onFailureQueueUrl) out[Outputs.failedBatchQueueUrl] = d.onFailureQueueUrl;
  else delete out[Outputs.failedBatchQueueUrl];
  return out;
}

/**
 * The Flink job that was live when the scenario ended (kappa, or lambda with the Flink speed engine) starts again from
 * its newest retained checkpoint: after a kappa reprocessing that is the handed-over job writing the next view, else
 * the first job. Without a completed checkpoint it starts from the stream's start and rewrites the same windows.
 */
async function restartFlink(live: LiveRuntime): Promise<FlinkJob | undefined> {
  const d = live.deployment;
  if (!d.flinkInTemplates) return undefined;
  const candidates = [
    { props: 'flink-live-v2.properties', checkpoints: 'flink-live-v2-checkpoints' },
    { props: 'flink.properties', checkpoints: 'flink-checkpoints' },
  ];
  const job = candidates.find((c) => existsSync(join(live.workDir, c.props)));
  if (!job) return undefined;
  const checkpointDir = join(live.workDir, job.checkpoints);
  live.logs.path('flink-kept-running');
  live.out.line(`  restarting the live Flink job (${job.props}) for the kept-running runtime …`);
  const f = await FlinkJob.start(live.registry, {
    workDir: live.workDir,
    ep: d.ep,
    propertiesFile: join(live.workDir, job.props),
    checkpointDir,
    logName: 'flink-kept-running',
    restore: hasCompletedCheckpoint(checkpointDir),
  });
  if (!(await f.waitRunning(600_000)))
    throw new Error(`the Flink job did not start again: ${f.describeFailure()}`);
  return f;
}

/** One batch run at a time, over what the archive has delivered (its buffers are delivered first). */
function batchRunner(live: LiveRuntime, deliverArchive: () => Promise<void>): BatchRunner {
  const runs: LocalBatchRun[] = [];
  let running = false;
  return {
    list: () => [...runs].reverse(),
    start(day) {
      if (running)
        throw new BusyError('a batch run is already going: wait for it (streamlake batch status --local)');
      running = true;
      const id = `local-${day}-${randomUUID().slice(0, 8)}`;
      const engine = templateBatchEngine(live.deployment.infra);
      const log = live.logs.path(engine === 'emr' ? `spark-${day}` : `mapreduce-${day}`);
      const run: LocalBatchRun = { id, day, status: 'RUNNING', startedAt: new Date().toISOString(), log };
      runs.push(run);
      const index = runs.length - 1;
      const finish = (patch: Partial<LocalBatchRun>) => {
        runs[index] = { ...run, ...patch, stoppedAt: new Date().toISOString() };
        running = false;
        live.out.line(`  batch ${id}: ${runs[index]?.status}`);
      };
      live.out.line(`  batch ${id}: the batch for ${day} on the ${engine} engine (log ${log})`);
      // As `streamlake batch run --date D` on AWS: the planner for that day, then the engine the runtime runs.
      void (async () => {
        await deliverArchive();
        return runBatchCycle(batchTarget(live.deployment), {
          engine,
          date: day,
          reg: live.registry,
          logs: live.logs,
          workDir: live.workDir,
        });
      })().then(
        (c) => {
          const failed = c.days.filter((r) => !r.ok);
          finish({
            status: failed.length === 0 ? 'SUCCEEDED' : 'FAILED',
            ...(failed.length > 0 ? { error: failed.map((r) => `${r.day}: ${r.detail}`).join('; ') } : {}),
          });
        },
        (e: unknown) => finish({ status: 'FAILED', error: e instanceof Error ? e.message : String(e) }),
      );
      return run;
    },
  };
}

/** Keeps the runtime up until Ctrl-C, SIGTERM or POST /stop; `forceStop` is what a second Ctrl-C does. */
export async function keepRunning(live: LiveRuntime, forceStop: () => void): Promise<void> {
  const d = live.deployment;
  const file = localRuntimeFile();
  const windowSeconds = live.report.esm?.ran.tumblingWindowSeconds;

  let speed: SpeedLayer | undefined;
  if (d.esm && live.speedCheckpoints) {
    speed = await startSpeedLayer(d, live.logs, {
      ...(windowSeconds !== undefined ? { windowSeconds } : {}),
      failEvery: 0,
      workDir: live.workDir,
      putTimes: new Map(),
      initialCheckpoints: live.speedCheckpoints,
    });
  }
  const flink: { job: FlinkJob | undefined } = { job: await restartFlink(live) };
  let archive: ArchiveWriter | undefined;
  const startArchive = async (startAfter: Readonly<Record<string, string | undefined>>) => {
    if (!d.firehose) return undefined;
    const w = new ArchiveWriter(
      kinesisShardSource(d.clients.kinesis, d.streamName),
      d.clients.s3,
      d.rawBucket,
      d.firehose,
      {
        appendNewline: d.firehose.appendDelimiter,
        startAfter,
      },
    );
    await w.start();
    return w;
  };
  if (live.archivePositions) archive = await startArchive(live.archivePositions);
  // Delivering the buffers = stopping the writer (it writes every buffer) and starting one after what it read.
  const deliverArchive = async () => {
    if (!archive) return;
    const old = archive;
    await old.stop();
    archive = await startArchive(old.readPositions());
  };

  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const served = servingHandler(d, live.logs);
  const { server, url } = await startRuntimeServer({
    ...(served ? { serving: served.handler } : {}),
    key: { ...CREDENTIALS, region: REGION },
    ...(d.batchInTemplates && d.firehose ? { batch: batchRunner(live, deliverArchive) } : {}),
    onStop: () => stop(),
    status: () => ({
      ...(speed
        ? { speed: { settled: speed.poller.settledPositions(), openWindows: speed.poller.openWindows() } }
        : {}),
      ...(flink.job ? { flink: { running: flink.job.running } } : {}),
      ...(archive ? { archive: { read: archive.readPositions(), buffered: archive.bufferedRecords } } : {}),
    }),
    ...(served && flink.job && live.report.architecture === 'kappa'
      ? {
          replays: new LocalReplays({
            d,
            reg: live.registry,
            logs: live.logs,
            workDir: live.workDir,
            out: live.out,
            parameterName: served.viewVersionParameter,
            live: flink,
          }),
        }
      : {}),
    replayUnavailable:
      'replay needs the kappa architecture with its live Flink job (npm start -- --keep-running --architecture kappa)',
  });

  const outputs = localOutputs(d);
  if (served) {
    outputs[Outputs.servingApiUrl] = `${url}${LocalRoutes.serving}`;
    outputs[Outputs.viewVersionParameterName] = served.viewVersionParameter;
  }
  const description: LocalRuntimeFile = {
    version: LOCAL_RUNTIME_VERSION,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    architecture: live.report.architecture,
    ...(live.report.speedEngine ? { speedEngine: live.report.speedEngine } : {}),
    batchEngine: d.batchInTemplates && d.firehose ? templateBatchEngine(d.infra) : 'none',
    region: REGION,
    credentials: CREDENTIALS,
    endpoints: {
      kinesis: d.ep.kinesis,
      dynamodb: d.ep.dynamodb,
      s3: d.ep.moto,
      sqs: d.ep.moto,
      ssm: d.ep.moto,
      runtime: url,
    },
    outputs,
    workDir: live.workDir,
    logsDir: live.logs.dir,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(description, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);

  const onSignal = (sig: NodeJS.Signals) => {
    live.out.line(`${sig}: stopping the offline runtime (Ctrl-C again to kill at once) …`);
    process.once('SIGINT', forceStop);
    stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  live.out.line(
    `\n${LOCAL_RUNTIME_UP_LINE} ${file} (runtime ${url}; stream ${d.streamName}, table ${d.table})\n` +
      '  try: npx streamlake produce --local --count 1000 --rate 200\n' +
      '  stop: Ctrl-C here, or npx streamlake local down',
  );
  try {
    await stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopRuntimeServer(server);
    // Nothing produced after the scenario is lost: the mapping settles what it fetched, the writer delivers buffers.
    if (speed) await speed.poller.stop(true).catch(() => undefined);
    if (flink.job) await flink.job.stop().catch(() => undefined);
    if (archive) await archive.stop().catch(() => undefined);
    if (existsSync(file) && runningRuntime(file) === undefined) rmSync(file, { force: true });
    live.out.line('offline runtime stopped');
  }
}
