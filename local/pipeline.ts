/**
 * The whole pipeline on one machine, in phases: the workload and its truth (local/workload.ts); the deployment from
 * the templates (local/infra.ts); the compute: archive writer, the consumer behind the local event source mapping,
 * Flink (local/compute/); producing (local/produce.ts); reading the stream back; settling on signals that do not look
 * at the answer (local/settle.ts); the batch job; reading everything back and checking it once (local/verify.ts,
 * local/checks/); serving and, for kappa, reprocessing; the report (local/report.ts). `local/main.ts` is the command
 * line; the end-to-end tests call `runPipeline`.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveWriter } from './archive-writer';
import { type Check, notRun } from './checks/check';
import { checkServedDay } from './checks/serving';
import { checkStream, shardTips } from './checks/stream';
import {
  batchTarget,
  describeCycle,
  runBatchCycle,
  scheduledTimeFor,
  templateBatchEngine,
} from './compute/batch';
import { FLINK_VIEW, LiveFlink, produceAndMaybeKill } from './compute/live-flink';
import { startServing } from './compute/serving';
import { type SpeedLayer, startSpeedLayer } from './compute/speed';
import { type Dashboard, startPipelineDashboard } from './dashboard';
import { destroyClients, REPO_ROOT } from './emulators';
import { kinesisShardSource } from './esm-poller';
import { type Deployment, deploy } from './infra';
import { FLINK_SCRIPT, SPARK_ENTRYPOINT } from './jobs';
import { LogFiles, RunConsole } from './logs';
import { readStream } from './observe';
import type { PipelineOptions } from './options';
import { ProcessRegistry } from './proc';
import { type PipelineReport, percentiles, writeReportJson } from './report';
import { reprocess } from './reprocess';
import { archiveProbe, esmProbe, type SettleResult, settle } from './settle';
import { type Verified, verifyArchive, verifyBatch, verifyFlink, verifySpeed } from './verify';
import { generateWorkload, writeWorkloadFiles } from './workload';

export { DEFAULT_OPTIONS, type PipelineOptions } from './options';
export { formatReport, type PipelineReport } from './report';

export const STREAM_CONSUMER = join(REPO_ROOT, 'lambda', 'stream-consumer', 'handler.ts');
export const QUERY_API = join(REPO_ROOT, 'lambda', 'query-api', 'handler.ts');
/** A layer this architecture does not deploy: its checks are left out rather than reported as not run. */
const NOT_IN_VARIANT = 'not in this variant (absent from the templates)';
/** Without a known count (a restored job), the Flink source has read everything once its count is still this long. */
const FLINK_QUIET_MS = 10_000;

/** Emulator data and checkpoints: deleted unless every file is kept. */
const BULKY = [
  'kinesis',
  'dynamodb',
  'cdk.out',
  'flink-checkpoints',
  'flink-replay-checkpoints',
  'flink-live-v2-checkpoints',
];

interface Run {
  readonly opts: PipelineOptions;
  readonly workDir: string;
  readonly reg: ProcessRegistry;
  readonly logs: LogFiles;
  readonly out: RunConsole;
  readonly components: Record<string, string>;
  readonly checks: Check[];
  readonly settled: SettleResult[];
  readonly paths: Record<string, Record<string, number | string>>;
  readonly deadLetters: PipelineReport['deadLetters'];
}

function absorb(run: Run, v: Verified): void {
  run.checks.push(...v.checks);
  run.deadLetters.push(...v.deadLetters);
  for (const [k, fig] of Object.entries(v.paths)) run.paths[k] = { ...run.paths[k], ...fig };
}

export async function runPipeline(opts: PipelineOptions): Promise<PipelineReport> {
  const workDir = mkdtempSync(join(tmpdir(), 'streamlake-local-'));
  const logs = new LogFiles(workDir);
  const run: Run = {
    opts,
    workDir,
    reg: opts.registry ?? new ProcessRegistry(),
    logs,
    out: new RunConsole(opts.log ?? ((l) => process.stdout.write(`${l}\n`)), logs.stream('runtime')),
    components: {},
    checks: [],
    settled: [],
    paths: {},
    deadLetters: [],
  };
  const { out, components } = run;
  out.line(`work folder ${workDir} (logs in ${logs.dir})`);
  const onWarning = (w: Error) => logs.stream('node-warnings').write(`${w.name}: ${w.message}\n`);
  if (opts.captureWarnings) process.on('warning', onWarning);
  let d: Deployment | undefined;
  let speed: SpeedLayer | undefined;
  let archive: ArchiveWriter | undefined;
  let flink: LiveFlink | undefined;
  let progress: NodeJS.Timeout | undefined;
  let dashboard: Dashboard | undefined;
  try {
    // 1. The workload and its truth, before anything runs.
    const w = generateWorkload(opts);
    const files = writeWorkloadFiles(workDir, w);
    out.phase('workload', `${w.records.length} records, truth in ${files.truth}`);

    // 2. The deployment: templates, emulators, resources.
    d = await deploy(opts, workDir, run.reg, out);

    // 3. Compute: archive writer, speed layer behind the local ESM, Flink.
    if (d.firehose) {
      archive = new ArchiveWriter(
        kinesisShardSource(d.clients.kinesis, d.streamName),
        d.clients.s3,
        d.rawBucket,
        d.firehose,
        {
          appendNewline: d.firehose.appendDelimiter,
        },
      );
      await archive.start();
      components.archive = `local archive writer (template ${d.firehose.logicalId}: ${d.firehose.compression}, ${d.firehose.bufferSizeMiB} MiB / ${d.firehose.bufferIntervalSeconds} s)`;
    } else components.archive = NOT_IN_VARIANT;
    const putTimes = new Map<string, number>();
    if (d.esm && existsSync(STREAM_CONSUMER)) {
      const failEvery = opts.injectConsumerFailures ? Math.round(1 / opts.injectConsumerFailures) : 0;
      speed = await startSpeedLayer(d, logs, {
        windowSeconds: opts.windowSeconds,
        failEvery,
        workDir,
        putTimes,
      });
      const mode =
        speed.settings.ran.tumblingWindowSeconds > 0
          ? `tumbling window ${speed.settings.ran.tumblingWindowSeconds} s (processWindowBatch)`
          : 'no window (processBatch)';
      components.speed = `lambda/stream-consumer via createHandler, behind the local ESM: ${mode}${failEvery ? `, every ${failEvery}th invocation failed after the handler` : ''}`;
    } else components.speed = d.esm ? `missing ${STREAM_CONSUMER}` : NOT_IN_VARIANT;
    if (d.flinkInTemplates && existsSync(FLINK_SCRIPT)) {
      flink = await LiveFlink.start(run, d);
      components.flink = `jobs/flink via scripts/run-flink-local.sh (view ${FLINK_VIEW}, REST API for settling)`;
    } else components.flink = d.flinkInTemplates ? `missing ${FLINK_SCRIPT}` : NOT_IN_VARIANT;
    out.phase('start compute');
    if (opts.dashboard !== false) {
      const handles = { d, w, putTimes, speed, archive, flink, components, architecture: opts.architecture };
      dashboard = await startPipelineDashboard(
        { ...handles, flinkView: FLINK_VIEW, phases: out.phases },
        (l) => out.line(l),
      );
    }

    // 4. Produce; then read the stream back: the producer's check, and the tips every reader must reach.
    progress = setInterval(() => {
      const s = speed?.poller.stats;
      out.detail(
        `speed: ${s?.invocations ?? 0} invocations, ${s?.recordsDelivered ?? 0} records; archive: ${archive?.stats.records ?? 0} records; flink: ${flink?.job.running ? 'running' : 'not running'}`,
      );
    }, 5000);
    const produced = await produceAndMaybeKill(
      run,
      d,
      w.records,
      { ratePerSecond: opts.putRatePerSecond, killAt: opts.killFlinkAt, putTimes },
      flink,
    );
    out.phase('produce', `${produced.sent} records accepted`);
    const stream = await readStream(d.clients.kinesis, d.streamName);
    run.checks.push(checkStream(w.records, stream));
    const tips = shardTips(stream);
    out.phase('read back', `${stream.length} records from ${Object.keys(tips).length} shard(s)`);

    // 5. Settle, on signals that do not look at the answer.
    const dep = d;
    const waits: Promise<SettleResult>[] = [];
    if (speed) {
      const p = speed.poller;
      const windowMs = speed.settings.ran.tumblingWindowSeconds * 1000;
      waits.push(
        settle('speed', async () => esmProbe(p.settledPositions(), p.openWindows(), tips), {
          timeoutMs: 180_000 + 2 * windowMs,
          signals: 'every shard settled up to its last sequence number, no tumbling window open',
          out,
        }),
      );
    }
    if (archive) {
      const a = archive;
      waits.push(
        settle('archive', async () => archiveProbe(a.readPositions(), tips), {
          timeoutMs: 120_000,
          signals: 'every shard read up to its last sequence number; then every buffer written',
          out,
        }),
      );
    }
    if (flink) {
      const f = flink;
      waits.push(
        (async () => {
          if (!(await f.job.waitRunning(600_000)))
            return { name: 'flink', settled: false, ms: 0, detail: f.job.describeFailure() };
          return f.job.settle(
            'flink',
            f.restarts === 0
              ? { sourceRecords: stream.length, quietMs: FLINK_QUIET_MS }
              : { quietMs: FLINK_QUIET_MS },
            300_000,
            out,
          );
        })(),
      );
    }
    run.settled.push(...(await Promise.all(waits)));
    clearInterval(progress);
    if (speed) await speed.poller.stop(false);
    if (archive) {
      await archive.stop();
      run.paths.archive = {
        recordsRead: archive.stats.records + archive.stats.errorRecords,
        bufferedAfterStop: archive.bufferedRecords,
      };
    }
    if (flink) {
      run.paths.flink = {
        restarts: flink.restarts,
        exit: flink.job.running ? 'running (stopped now)' : 'exited',
      };
      await flink.job.stop();
    }
    out.phase('settle');

    // 6. Batch: one scheduled cycle for the closed day — the planner, then each planned day on the engine.
    let batchRan = false;
    const engine = opts.batchEngine ?? templateBatchEngine(d.infra);
    if (opts.runBatch === false) components.batch = 'skipped (runBatch: false)';
    else if (d.batchInTemplates && d.firehose && (engine === 'mapreduce' || existsSync(SPARK_ENTRYPOINT))) {
      out.line(
        `  batch cycle for ${w.closedDay}: the planner, then each planned day on the ${engine} engine …`,
      );
      const cycle = await runBatchCycle(batchTarget(d), {
        engine,
        scheduledTime: scheduledTimeFor(w.closedDay),
        reg: run.reg,
        logs,
        workDir,
      });
      components.batch = describeCycle(cycle);
      run.paths.batch = {
        engine,
        target: cycle.plan.target,
        planned: cycle.plan.plan.map((p) => `${p.day} (${p.reasons.join(', ')})`).join('; '),
        failedDays: cycle.days
          .filter((r) => !r.ok)
          .map((r) => r.day)
          .join(', '),
      };
      // Checked whatever happened: a day that failed shows as a failed check, not as one not run.
      batchRan = true;
      out.phase('batch');
    } else
      components.batch = d.batchInTemplates
        ? d.firehose
          ? `missing ${SPARK_ENTRYPOINT}`
          : 'no archive to read'
        : NOT_IN_VARIANT;

    // 7. Read back and check, once.
    if (archive) absorb(run, await verifyArchive(dep, w));
    if (speed) absorb(run, await verifySpeed(dep, w, stream, speed));
    else if (components.speed !== NOT_IN_VARIANT)
      run.checks.push(notRun('speed view', components.speed ?? ''));
    if (flink) absorb(run, await verifyFlink(dep, w, FLINK_VIEW));
    else if (components.flink !== NOT_IN_VARIANT)
      run.checks.push(notRun('flink view = reference', components.flink ?? ''));
    if (batchRan) absorb(run, await verifyBatch(dep, w));
    else if (components.batch !== NOT_IN_VARIANT)
      run.checks.push(notRun('batch view = reference', components.batch ?? ''));

    out.phase('checks');

    // 8. Serving: the query handler answers from the views, for the most popular content of the closed day.
    const serving = existsSync(QUERY_API) ? startServing(dep, logs) : undefined;
    const top = [...w.refDay.values()].sort((a, b) => b.count - a.count)[0];
    if (serving && top) {
      run.checks.push(
        checkServedDay(w.closedDay, top, await serving.queryDay(top.contentId, top.type, w.closedDay)),
      );
      components.serving = 'lambda/query-api via createHandler, invoked in-process';
      // 9. Kappa reprocessing: replay into the next view (archive, then stream), flip the pointer, hand over.
      if (opts.reprocess !== false && opts.architecture === 'kappa' && d.firehose && flink) {
        const minute = 60_000;
        const span = opts.spanMinutes * minute;
        const rawRoot = d.firehose.prefix.split('dt=')[0]?.replace(/\/$/, '') || 'raw/events';
        run.checks.push(
          ...(await reprocess({
            reg: run.reg,
            logs,
            workDir,
            ep: d.ep,
            dynamodb: d.clients.dynamodb,
            ssm: d.clients.ssm,
            table: d.table,
            streamArn: d.streamArn,
            streamRecords: stream.length,
            archivePath: `s3://${d.rawBucket}/${rawRoot}`,
            parameterName: serving.viewVersionParameter,
            closedDay: w.closedDay,
            refMinute: w.refMinute,
            // Late and out-of-order events reach back before the workload's start time: read the hour before it too.
            archiveFromMs: w.startMs - 3_600_000,
            seamMs: Math.floor((w.startMs + span / 4) / minute) * minute,
            handOverMs: Math.floor((w.startMs + span * 0.4) / minute) * minute,
            servedView: async () =>
              (
                await serving.queryDay(top.contentId, top.type, w.closedDay)
              ).views?.speed,
            out,
          })),
        );
        components.reprocess =
          'local/reprocess.ts: replay job (archive + stream) -> flink-v2, flip, hand-over';
        out.phase('reprocess');
      }
    } else
      components.serving = serving ? 'no event in the closed day' : `${NOT_IN_VARIANT}: views read directly`;

    const report: PipelineReport = {
      architecture: opts.architecture,
      speedEngine: opts.speedEngine,
      workDir,
      closedDay: w.closedDay,
      produced: w.summary,
      producer: {
        sent: produced.sent,
        failed: produced.failed,
        retried: produced.retried,
        throttledCalls: produced.throttledCalls,
        elapsedMs: produced.elapsedMs,
      },
      components,
      esm: speed?.settings,
      settle: run.settled,
      paths: run.paths,
      deadLetters: run.deadLetters,
      latencyMs: speed ? percentiles(speed.latencies) : undefined,
      checks: run.checks,
      logs: { ...logs.files, ...collectChildLogs(logs) },
      files: { ...files, report: join(workDir, 'report.json') },
      phases: out.phases,
      durationMs: out.elapsedMs,
    };
    if (opts.keepWorkDir !== 'none') writeReportJson(report);
    await opts.keepRunning?.({
      report,
      deployment: dep,
      registry: run.reg,
      logs,
      workDir,
      out,
      ...(speed ? { speedCheckpoints: speed.poller.checkpoints } : {}),
      ...(archive ? { archivePositions: archive.readPositions() } : {}),
    });
    return report;
  } finally {
    clearInterval(progress);
    await dashboard?.stop();
    process.off('warning', onWarning);
    if (speed) await speed.poller.stop(false).catch(() => undefined);
    if (archive) await archive.stop().catch(() => undefined);
    if (d) destroyClients(d.clients);
    await run.reg.stopAll();
    await logs.close();
    cleanUp(workDir, opts.keepWorkDir ?? 'logs');
  }
}

/** Log files the child processes wrote (emulators, Flink, Spark), by name. */
function collectChildLogs(logs: LogFiles): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(logs.dir).sort())
    if (f.endsWith('.log')) out[f.replace(/\.log$/, '')] ??= join(logs.dir, f);
  return out;
}

function cleanUp(workDir: string, keep: NonNullable<PipelineOptions['keepWorkDir']>): void {
  if (keep === 'all') return;
  if (keep === 'none') {
    rmSync(workDir, { recursive: true, force: true });
    return;
  }
  for (const entry of readdirSync(workDir)) {
    if (BULKY.includes(entry) || entry.startsWith('moto') || entry.startsWith('tmp'))
      rmSync(join(workDir, entry), { recursive: true, force: true });
  }
}
