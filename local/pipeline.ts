/**
 * The whole pipeline on one machine: emulators, resources from the synthesized templates, the real compute code
 * (stream-consumer handler behind a local event source mapping, the Flink job, the archive writer, the Spark job,
 * the serving handler), a seeded live-match workload, and the checks that compare every view with an independent
 * reference. `local/main.ts` is the command line; the end-to-end tests call `runPipeline` directly.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyEventV2,
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
} from 'aws-lambda';
import { type GeneratedRecord, WorkloadGenerator } from '../cli/lib/generator';
import { produce } from '../cli/lib/producer';
import { Outputs } from '../lib/contracts/outputs';
import viewTable from '../lib/contracts/view-table.json';
import { ArchiveWriter } from './archive-writer';
import {
  type Clients,
  destroyClients,
  type Endpoints,
  makeClients,
  REGION,
  REPO_ROOT,
  sdkEnv,
  startEmulators,
} from './emulators';
import { EsmPoller, type InvocationRecord, type KinesisHandler, kinesisShardSource } from './esm-poller';
import { FLINK_SCRIPT, runSpark, SPARK_ENTRYPOINT, startFlink, writeFlinkProperties } from './jobs';
import { type ManagedProcess, ProcessRegistry, sleep } from './proc';
import { provision } from './provision';
import {
  type Aggregate,
  aggregate,
  type Diff,
  diff,
  filterDay,
  readView,
  rollUpToDays,
  scanPrefix,
  type TruthEvent,
  underCounts,
} from './reference';
import { reprocess } from './reprocess';
import {
  type Architecture,
  type LocalInfra,
  outputTarget,
  physicalNameFor,
  readInfra,
  readTemplates,
  resolveEnvironment,
  synthesize,
} from './templates';

export const STREAM_CONSUMER = join(REPO_ROOT, 'lambda', 'stream-consumer', 'index.ts');
/** A layer this architecture does not deploy: its checks are left out rather than reported as not run. */
const NOT_IN_VARIANT = 'not in this variant (absent from the templates)';

export const QUERY_API = join(REPO_ROOT, 'lambda', 'query-api', 'index.ts');

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
  /** Kill the Flink job (SIGKILL) once this fraction of the records is produced, then restart it from its checkpoint. */
  readonly killFlinkAt?: number;
  /** Fraction of stream-consumer invocations that fail before calling the handler (exercises retries). @default 0 */
  readonly injectConsumerFailures?: number;
  readonly keepWorkDir?: boolean;
  /** Kappa: replay into flink-v2 from the raw archive and the stream, flip, hand over (local/reprocess.ts). @default true */
  readonly reprocess?: boolean;
  /** Run the Spark job for the closed day. @default true */
  readonly runBatch?: boolean;
  readonly log?: (line: string) => void;
  /** Registry to start processes in (main.ts passes one with signal handlers). */
  readonly registry?: ProcessRegistry;
}

export const DEFAULT_OPTIONS: Omit<PipelineOptions, 'architecture'> = {
  seed: 20261120,
  records: 6000,
  startTime: '2026-11-20T23:50:00.000Z',
  spanMinutes: 20,
  putRatePerSecond: 500,
};

export type CheckStatus = 'pass' | 'fail' | 'not-run';
export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly diffs?: readonly Diff[];
}

export interface PipelineReport {
  readonly architecture: Architecture;
  readonly workDir: string;
  readonly closedDay: string;
  readonly produced: {
    records: number;
    events: number;
    duplicates: number;
    malformed: number;
    late: number;
    outOfOrder: number;
  };
  readonly producer: {
    sent: number;
    failed: number;
    retried: number;
    throttledCalls: number;
    elapsedMs: number;
  };
  readonly components: Record<string, string>;
  readonly paths: Record<string, Record<string, number | string>>;
  readonly deadLetters: { destination: string; count: number; reasons: Record<string, number> }[];
  readonly speedOverCount?: { events: number; watchSeconds: number; redelivered: number };
  readonly latencyMs?: { p50: number; p95: number; max: number; samples: number };
  readonly checks: Check[];
  readonly durationMs: number;
  readonly phases: { name: string; ms: number }[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

function sum(rows: Iterable<Aggregate>): { count: number; watchSeconds: number } {
  let count = 0;
  let watchSeconds = 0;
  for (const r of rows) {
    count += r.count;
    watchSeconds += r.watchSeconds;
  }
  return { count, watchSeconds };
}

function findMetadata(dir: string): boolean {
  if (!existsSync(dir)) return false;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (e === '_metadata') return true;
    if (statSync(p).isDirectory() && findMetadata(p)) return true;
  }
  return false;
}

function lambdaContext(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${Date.now()}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Finds the function whose template environment names all of `keys` (how the runtime tells the two Lambdas apart). */
function functionWithEnv(infra: LocalInfra, keys: string[]): string | undefined {
  return Object.entries(infra.functions).find(([, env]) => keys.every((k) => k in env))?.[0];
}

export async function runPipeline(opts: PipelineOptions): Promise<PipelineReport> {
  const started = Date.now();
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const phases: { name: string; ms: number }[] = [];
  let phaseStart = Date.now();
  const phase = (name: string) => {
    const now = Date.now();
    phases.push({ name, ms: now - phaseStart });
    phaseStart = now;
    log(`[${((now - started) / 1000).toFixed(1)} s] ${name} done`);
  };
  const reg = opts.registry ?? new ProcessRegistry();
  const workDir = mkdtempSync(join(tmpdir(), 'streamlake-local-'));
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  log(`work folder ${workDir} (emulator data, logs, checkpoints)`);
  const checks: Check[] = [];
  const components: Record<string, string> = {};
  const paths: Record<string, Record<string, number | string>> = {};
  const deadLetters: PipelineReport['deadLetters'] = [];
  let clients: Clients | undefined;
  let poller: EsmPoller | undefined;
  let archive: ArchiveWriter | undefined;
  let flink: ManagedProcess | undefined;
  try {
    // 1. Emulators boot in their own processes while the app synthesizes.
    const epPromise = startEmulators(reg, workDir);
    epPromise.catch(() => undefined);
    const templates = opts.templatesDir
      ? readTemplates(opts.templatesDir)
      : synthesize(REPO_ROOT, opts.architecture, join(workDir, 'cdk.out'), opts.speedEngine);
    const infra = readInfra(templates);
    const ep: Endpoints = await epPromise;
    log(`emulators up: kinesis ${ep.kinesis}, dynamodb ${ep.dynamodb}, s3/sqs/ssm (moto) ${ep.moto}`);
    phase('synth + emulators');

    // 2. Resources, from the templates only.
    clients = makeClients(ep);
    const c = clients;
    const prov = await provision(c, infra, REGION);
    const streamName = physicalNameFor(infra, Outputs.streamName);
    const streamArn = prov.streamArns[outputTarget(infra, Outputs.streamName)] as string;
    const table = physicalNameFor(infra, Outputs.viewTableName);
    const rawBucket = physicalNameFor(infra, Outputs.rawBucketName);
    const curatedBucket = physicalNameFor(infra, Outputs.curatedBucketName);
    const analyticsBucket = physicalNameFor(infra, Outputs.analyticsBucketName);
    log(
      `created ${infra.streams.length} stream(s), ${infra.tables.length} table(s), ${infra.buckets.length} bucket(s), ` +
        `${infra.queues.length} queue(s), ${infra.parameters.length} parameter(s) from ${templates.length} templates`,
    );
    phase('provision');

    // 3. Workload (generated up front so the reference is independent of everything downstream).
    const startMs = Date.parse(opts.startTime);
    const gen = new WorkloadGenerator({
      seed: opts.seed,
      startTimeMs: startMs,
      ratePerSecond: opts.records / (opts.spanMinutes * 60),
    });
    // `records` sets the mean rate; bursts (wickets, boundaries) slow the event clock down, so generate until the event
    // clock has covered the whole span (the day must close), within a hard cap.
    const records: GeneratedRecord[] = [];
    const endIso = new Date(startMs + opts.spanMinutes * 60_000).toISOString();
    let newest = '';
    for (const r of gen) {
      records.push(r);
      const at = r.truth.event?.occurredAt;
      if (at && at > newest) newest = at;
      if (newest >= endIso || records.length >= opts.records * 4) break;
    }
    const truthEvents: TruthEvent[] = records.flatMap((r) =>
      r.truth.kind === 'malformed' ? [] : r.truth.event ? [r.truth.event] : [],
    );
    const closedDay = opts.startTime.slice(0, 10);
    const refMinute = filterDay(aggregate(truthEvents, 'minute'), closedDay);
    const refDay = filterDay(aggregate(truthEvents, 'day'), closedDay);
    const malformedTruth = records.filter((r) => r.truth.kind === 'malformed');
    const distinctMalformed = new Set(malformedTruth.map((r) => Buffer.from(r.data).toString('base64'))).size;
    const produced = {
      records: records.length,
      events: records.filter((r) => r.truth.kind === 'event').length,
      duplicates: records.filter((r) => r.truth.kind === 'duplicate').length,
      malformed: malformedTruth.length,
      late: records.filter((r) => r.truth.timing === 'late').length,
      outOfOrder: records.filter((r) => r.truth.timing === 'out_of_order').length,
    };
    const lastEventTime = newest;
    if (lastEventTime.slice(0, 10) <= closedDay) {
      throw new Error(
        `the workload ends at ${lastEventTime}: it must cross midnight after ${closedDay} for that day to close`,
      );
    }

    // 4. Compute: archive writer, speed layer behind the local ESM, Flink.
    const firehose = infra.firehoses[0];
    if (firehose) {
      archive = new ArchiveWriter(kinesisShardSource(c.kinesis, streamName), c.s3, rawBucket, firehose, {
        appendNewline: firehose.appendDelimiter,
      });
      await archive.start();
      components.archive = `local archive writer (template ${firehose.logicalId}: ${firehose.compression}, ${firehose.bufferSizeMiB} MiB / ${firehose.bufferIntervalSeconds} s)`;
    } else components.archive = NOT_IN_VARIANT;

    const putTimes = new Map<string, number>();
    const latencies: number[] = [];
    const esm = infra.eventSourceMappings[0];
    const dlqId = infra.outputs[Outputs.deadLetterQueueUrl];
    const dlqUrl = dlqId ? prov.queueUrls[dlqId] : undefined;
    const onFailureUrl = esm?.onFailureQueueLogicalId
      ? prov.queueUrls[esm.onFailureQueueLogicalId]
      : undefined;
    if (esm && existsSync(STREAM_CONSUMER)) {
      const fnEnv = resolveEnvironment(infra, esm.functionEnvironment, prov.queueUrls);
      Object.assign(process.env, sdkEnv(ep), fnEnv, {
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'WARN',
        POWERTOOLS_DEV: 'false',
      });
      const mod = (await import(STREAM_CONSUMER)) as { handler: KinesisHandler };
      let invocation = 0;
      const failEvery = opts.injectConsumerFailures ? Math.round(1 / opts.injectConsumerFailures) : 0;
      const handler: KinesisHandler = async (event: KinesisStreamEvent, ctx: Context) => {
        invocation += 1;
        // Injected platform failure after the handler ran: the writes happened, the batch is retried (at least once).
        const result = (await mod.handler(event, ctx)) as KinesisStreamBatchResponse | undefined;
        if (failEvery > 0 && invocation % failEvery === 0)
          throw new Error('injected invocation failure (after handler)');
        return result;
      };
      poller = new EsmPoller(
        kinesisShardSource(c.kinesis, streamName),
        handler,
        async (msg) => {
          if (!onFailureUrl) throw new Error('the event source mapping has no on-failure destination');
          await c.sqs.send(
            new SendMessageCommand({ QueueUrl: onFailureUrl, MessageBody: JSON.stringify(msg) }),
          );
        },
        {
          streamArn,
          batchSize: esm.batchSize,
          maxBatchingWindowSeconds: esm.maxBatchingWindowSeconds,
          bisectOnError: esm.bisectOnError,
          maxRetryAttempts: esm.maxRetryAttempts,
          maxRecordAgeSeconds: esm.maxRecordAgeSeconds,
          reportBatchItemFailures: esm.reportBatchItemFailures,
          startingPosition: esm.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
          tumblingWindowSeconds: 0,
          parallelizationFactor: 1,
          checkpointFile: join(workDir, 'esm-checkpoints.json'),
        },
      );
      poller.onInvocation((inv: InvocationRecord) => {
        if (inv.outcome === 'error') return;
        for (const r of inv.records) {
          const t = putTimes.get(r.sequenceNumber);
          if (t !== undefined) {
            latencies.push(inv.endedMs - t);
            putTimes.delete(r.sequenceNumber);
          }
        }
      });
      await poller.start();
      components.speed = `lambda/stream-consumer handler via local ESM (batch ${esm.batchSize}, window ${esm.maxBatchingWindowSeconds} s, bisect ${esm.bisectOnError}, retries ${esm.maxRetryAttempts}, max age ${esm.maxRecordAgeSeconds} s)`;
    } else components.speed = esm ? `missing ${STREAM_CONSUMER}` : NOT_IN_VARIANT;

    const flinkInTemplates = (infra.resourceCounts['AWS::KinesisAnalyticsV2::Application'] ?? 0) > 0;
    const flinkView = `${viewTable.views.flinkPrefix}1`;
    const propertiesFile = join(workDir, 'flink.properties');
    const checkpointDir = join(workDir, 'flink-checkpoints');
    if (flinkInTemplates && existsSync(FLINK_SCRIPT)) {
      writeFlinkProperties(propertiesFile, {
        Source: { streamArn, region: REGION, endpoint: ep.kinesis, initialPosition: 'TRIM_HORIZON' },
        Sink: { tableName: table, region: REGION, endpoint: ep.dynamodb, viewName: flinkView },
        DeadLetter: { tableName: table, region: REGION, endpoint: ep.dynamodb },
      });
      flink = startFlink(reg, {
        workDir,
        propertiesFile,
        checkpointDir,
        restore: false,
        ep,
        logName: 'flink-1',
      });
      components.flink = `jobs/flink via scripts/run-flink-local.sh (view ${flinkView})`;
    } else components.flink = flinkInTemplates ? `missing ${FLINK_SCRIPT}` : NOT_IN_VARIANT;
    phase('start compute');

    // 5. Produce, with progress.
    const client = {
      send: async (cmd: Parameters<typeof c.kinesis.send>[0]) => {
        const out = (await c.kinesis.send(cmd as never)) as PutRecordsCommandOutput;
        const now = Date.now();
        for (const r of out.Records ?? []) if (r.SequenceNumber) putTimes.set(r.SequenceNumber, now);
        return out;
      },
    } as Pick<typeof c.kinesis, 'send'>;
    if (flink && opts.killFlinkAt !== undefined) {
      // Kill mid-stream, not before the job has started: wait for its first completed checkpoint before producing.
      const deadline = Date.now() + 300_000;
      while (!findMetadata(checkpointDir) && (flink as ManagedProcess).running && Date.now() < deadline)
        await sleep(500);
      log(
        `  flink has a completed checkpoint after ${((Date.now() - started) / 1000).toFixed(1)} s; producing`,
      );
    }
    let flinkRestarts = 0;
    let killed = false;
    const progress = setInterval(() => {
      log(
        `  … speed: ${poller?.stats.invocations ?? 0} invocations / ${poller?.stats.recordsDelivered ?? 0} records; ` +
          `archive: ${archive?.stats.records ?? 0} records, ${archive?.stats.objects ?? 0} objects; flink: ${flink?.running ? 'running' : 'stopped'}`,
      );
    }, 5000);
    const result = await produce(records, {
      client,
      stream: streamName,
      ratePerSecond: opts.putRatePerSecond,
      onProgress: (s) => {
        if (s.sent % 1000 < 50)
          log(
            `  produced ${s.sent}/${records.length} (retried ${s.retried}, throttled calls ${s.throttledCalls})`,
          );
        if (
          !killed &&
          flink &&
          opts.killFlinkAt !== undefined &&
          s.sent >= opts.killFlinkAt * records.length &&
          findMetadata(checkpointDir)
        ) {
          killed = true;
          const victim = flink;
          void victim.kill().then(() => {
            log('  killed the Flink job (SIGKILL); restarting it from its latest checkpoint');
            flinkRestarts += 1;
            flink = startFlink(reg, {
              workDir,
              propertiesFile,
              checkpointDir,
              restore: true,
              ep,
              logName: 'flink-2',
            });
          });
        }
      },
    });
    if (opts.killFlinkAt !== undefined && flink && !killed) {
      // The checkpoint came late: kill now anyway, after waiting for one, so the restore path still runs.
      const deadline = Date.now() + 120_000;
      while (!findMetadata(checkpointDir) && Date.now() < deadline) await sleep(500);
      await flink.kill();
      killed = true;
      flinkRestarts += 1;
      log(
        '  killed the Flink job (SIGKILL) after the producer finished; restarting it from its latest checkpoint',
      );
      flink = startFlink(reg, {
        workDir,
        propertiesFile,
        checkpointDir,
        restore: true,
        ep,
        logName: 'flink-2',
      });
    }
    while (opts.killFlinkAt !== undefined && killed && flinkRestarts === 0) await sleep(100);
    log(
      `produced ${result.sent} records in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.failed} failed)`,
    );
    phase('produce');

    // 6. Let every path catch up.
    const settle = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > deadline) {
          log(`  ${what}: still not settled after ${timeoutMs / 1000} s`);
          return false;
        }
        await sleep(500);
      }
      return true;
    };
    if (poller) await settle('speed layer', () => (poller as EsmPoller).idle, 180_000);
    if (archive) await settle('archive writer', () => (archive as ArchiveWriter).idle, 60_000);
    if (flink) {
      // Done when the (latest) job is running and the Flink view of the closed day has not changed for 30 s while it
      // equals the reference, or for 90 s otherwise: a restored job can take long to start on a busy machine, and a
      // CPU-starved one can sit on a late correction for longer than its checkpoint interval. The checks below judge.
      let last = '';
      let stableSince = Date.now();
      let readyFor: ManagedProcess | undefined;
      await settle(
        'flink view',
        async () => {
          const job = flink as ManagedProcess;
          if (!job.running) return true;
          if (readyFor !== job) {
            const out = existsSync(job.opts.logFile) ? readFileSync(job.opts.logFile, 'utf8') : '';
            if (!out.includes('streamlake-flink: job running')) return false;
            readyFor = job;
            stableSince = Date.now();
          }
          const rows = await readView(c.dynamodb, table, flinkView, 'minute');
          const closed = filterDay(rows, closedDay);
          const sig = JSON.stringify(sum(closed.values()));
          if (sig !== last) {
            last = sig;
            stableSince = Date.now();
          }
          const quiet = Date.now() - stableSince;
          const matches = closed.size > 0 && diff(refMinute, closed).length === 0;
          return rows.size > 0 && quiet > (matches ? 30_000 : 90_000);
        },
        300_000,
      );
    }
    clearInterval(progress);
    if (poller) await poller.stop();
    if (archive) await archive.stop();
    if (flink) {
      paths.flink = {
        exit: flink.running ? 'running (stopped now)' : `exited ${await flink.exit}`,
        restarts: flinkRestarts,
      };
      await flink.stop(5000);
    }
    phase('settle');

    // 7. Batch: the Spark job for the closed day, reading what the archive writer delivered.
    const batchInTemplates =
      (infra.resourceCounts['AWS::StepFunctions::StateMachine'] ?? 0) > 0 ||
      (infra.resourceCounts['AWS::EMR::Cluster'] ?? 0) > 0;
    let sparkExit: number | null | undefined;
    if (opts.runBatch === false) components.batch = 'skipped (runBatch: false)';
    else if (batchInTemplates && existsSync(SPARK_ENTRYPOINT) && firehose) {
      const rawRoot = firehose.prefix.split('dt=')[0]?.replace(/\/$/, '') ?? 'raw/events';
      log(`running the Spark job for ${closedDay} (local[2], S3A → moto) …`);
      sparkExit = await runSpark(reg, {
        workDir,
        ep,
        day: closedDay,
        rawBucket,
        curatedBucket,
        analyticsBucket,
        viewTable: table,
        rawRoot,
      });
      components.batch = `jobs/spark (spark-submit local[2], exit ${sparkExit}, log ${join(workDir, 'logs', `spark-${closedDay}.log`)})`;
    } else
      components.batch = batchInTemplates
        ? firehose
          ? `missing ${SPARK_ENTRYPOINT}`
          : 'no archive to read'
        : NOT_IN_VARIANT;
    phase('batch');

    // 8. Report and checks.
    const rawObjects = await c.s3.send(new ListObjectsV2Command({ Bucket: rawBucket, MaxKeys: 1000 }));
    const keys = (rawObjects.Contents ?? []).map((o) => o.Key as string);
    paths.archive = {
      records: archive?.stats.records ?? 0,
      errorRecords: archive?.stats.errorRecords ?? 0,
      objects: keys.length,
      eventObjects: keys.filter((k) => firehose && k.startsWith(firehose.prefix.split('!{')[0] as string))
        .length,
    };
    if (archive) {
      checks.push({
        name: 'archive holds every record',
        status: archive.stats.records + archive.stats.errorRecords === result.sent ? 'pass' : 'fail',
        detail: `${archive.stats.records} records under the event prefix + ${archive.stats.errorRecords} under the error prefix, ${result.sent} sent`,
      });
    }
    checks.push({
      name: 'producer delivered everything',
      status: result.sent === records.length && result.failed === 0 ? 'pass' : 'fail',
      detail: `${result.sent}/${records.length} sent, ${result.failed} failed`,
    });

    const compare = (name: string, expected: Map<string, Aggregate>, actual: Map<string, Aggregate>) => {
      const d = diff(expected, actual);
      checks.push({
        name,
        status: d.length === 0 ? 'pass' : 'fail',
        detail:
          d.length === 0
            ? `${expected.size} buckets identical`
            : `${d.length} of ${expected.size} buckets differ`,
        diffs: d.slice(0, 10),
      });
    };
    if (components.batch?.startsWith('jobs/spark')) {
      const batchMinute = filterDay(
        await readView(c.dynamodb, table, viewTable.views.batch, 'minute'),
        closedDay,
      );
      const batchDay = filterDay(await readView(c.dynamodb, table, viewTable.views.batch, 'day'), closedDay);
      paths.batch = {
        sparkExit: String(sparkExit),
        minuteRows: batchMinute.size,
        dayRows: batchDay.size,
        events: sum(batchDay.values()).count,
      };
      compare(`batch view = reference, per minute (${closedDay})`, refMinute, batchMinute);
      compare(`batch view = reference, per day (${closedDay})`, refDay, batchDay);
    } else if (components.batch !== NOT_IN_VARIANT) {
      checks.push({ name: 'batch view = reference', status: 'not-run', detail: components.batch ?? '' });
    }
    if (components.flink?.startsWith('jobs/flink')) {
      const flinkMinute = filterDay(await readView(c.dynamodb, table, flinkView, 'minute'), closedDay);
      paths.flink = { ...paths.flink, minuteRows: flinkMinute.size, events: sum(flinkMinute.values()).count };
      compare(`flink view = reference, per minute (${closedDay})`, refMinute, flinkMinute);
      compare(
        `flink view = reference, per day (${closedDay}, minutes rolled up)`,
        refDay,
        rollUpToDays(flinkMinute.values()),
      );
      const flinkDead = await scanPrefix(c.dynamodb, table, 'deadletter#');
      const reasons: Record<string, number> = {};
      for (const item of flinkDead) {
        const r = (item[viewTable.sortKey]?.S ?? '').split('#')[0] as string;
        reasons[r] = (reasons[r] ?? 0) + 1;
      }
      deadLetters.push({
        destination: 'flink dead letters (views table, deadletter#…)',
        count: flinkDead.length,
        reasons,
      });
      const malformedDead = flinkDead.filter(
        (i) => !(i[viewTable.sortKey]?.S ?? '').startsWith('too_late'),
      ).length;
      checks.push({
        name: 'flink dead-letters every malformed record',
        status: malformedDead === distinctMalformed ? 'pass' : 'fail',
        detail: `${malformedDead} malformed dead letters, ${distinctMalformed} distinct malformed payloads produced`,
      });
    } else if (components.flink !== NOT_IN_VARIANT) {
      checks.push({ name: 'flink view = reference', status: 'not-run', detail: components.flink ?? '' });
    }

    let speedOverCount: PipelineReport['speedOverCount'];
    if (poller) {
      const speedAll = await readView(c.dynamodb, table, viewTable.views.speed, 'minute');
      const refAll = aggregate(truthEvents, 'minute');
      const under = underCounts(refAll, speedAll);
      const s = sum(speedAll.values());
      const r = sum(refAll.values());
      speedOverCount = {
        events: s.count - r.count,
        watchSeconds: s.watchSeconds - r.watchSeconds,
        redelivered: poller.stats.recordsRedelivered,
      };
      paths.speed = { ...poller.stats, minuteRows: speedAll.size, events: s.count };
      checks.push({
        name: 'speed view never under-counts',
        status: under.length === 0 ? 'pass' : 'fail',
        detail:
          under.length === 0
            ? `over-count ${speedOverCount.events} events from ${poller.stats.recordsRedelivered} redelivered records`
            : `${under.length} buckets under-count`,
        diffs: under.slice(0, 10),
      });
      for (const [label, url] of [
        ['dead-letter queue', dlqUrl],
        ['on-failure destination', onFailureUrl !== dlqUrl ? onFailureUrl : undefined],
      ] as const) {
        if (!url) continue;
        const reasons: Record<string, number> = {};
        let count = 0;
        for (;;) {
          const m = await c.sqs.send(
            new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
          );
          if (!m.Messages?.length) break;
          for (const msg of m.Messages) {
            count += 1;
            let reason = 'unknown';
            try {
              const body = JSON.parse(msg.Body ?? '') as {
                reason?: string;
                requestContext?: { condition?: string };
              };
              reason = body.reason ?? body.requestContext?.condition ?? 'unknown';
            } catch {
              reason = 'unparseable message';
            }
            reasons[reason] = (reasons[reason] ?? 0) + 1;
          }
        }
        deadLetters.push({ destination: `${label} (SQS)`, count, reasons });
      }
      const dlq = deadLetters.find((d) => d.destination.startsWith('dead-letter queue'));
      checks.push({
        name: 'speed layer dead-letters every malformed record',
        status: dlq && dlq.count >= malformedTruth.length ? 'pass' : 'fail',
        detail: `${dlq?.count ?? 0} messages for ${malformedTruth.length} malformed records (at least once)`,
      });
    } else if (components.speed !== NOT_IN_VARIANT) {
      checks.push({
        name: 'speed view never under-counts',
        status: 'not-run',
        detail: components.speed ?? '',
      });
    }

    // 9. Serving: the query API handler answers from the views, for the most popular content of the closed day.
    const queryFn = functionWithEnv(infra, ['VIEW_VERSION_PARAMETER', 'ARCHITECTURE']);
    if (queryFn && existsSync(QUERY_API)) {
      Object.assign(
        process.env,
        sdkEnv(ep),
        resolveEnvironment(infra, infra.functions[queryFn] ?? {}, prov.queueUrls),
      );
      const api = (await import(QUERY_API)) as {
        handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>;
      };
      const top = [...refDay.values()].sort((a, b) => b.count - a.count)[0];
      const queryTop = async (t: Aggregate) =>
        api.handler(
          {
            version: '2.0',
            routeKey: 'GET /metrics',
            rawPath: '/metrics',
            rawQueryString: '',
            headers: {},
            queryStringParameters: {
              contentId: t.contentId,
              type: t.type,
              granularity: 'day',
              from: closedDay,
              to: closedDay,
            },
            isBase64Encoded: false,
            requestContext: { http: { method: 'GET', path: '/metrics' } },
          } as unknown as APIGatewayProxyEventV2,
          lambdaContext('query-api-local'),
        );
      if (top) {
        const res = await queryTop(top);
        const body = JSON.parse(res.body ?? '{}') as {
          series?: { points?: { bucket: string; count: number }[] }[];
        };
        const served = body.series?.[0]?.points?.find((p) => p.bucket === closedDay)?.count;
        checks.push({
          name: 'query API serves the closed day',
          status: res.statusCode === 200 && served === top.count ? 'pass' : 'fail',
          detail: `GET /metrics ${top.contentId}/${top.type} ${closedDay}: status ${res.statusCode}, served ${served}, reference ${top.count}`,
        });
        components.serving = 'lambda/query-api handler, invoked in-process';
      }

      // 10. Kappa reprocessing: a replay job into the next view (raw archive, then the stream), the pointer flip, the
      // hand-over of the live job (local/reprocess.ts).
      const parameterName = process.env.VIEW_VERSION_PARAMETER;
      if (
        opts.reprocess !== false &&
        opts.architecture === 'kappa' &&
        top &&
        firehose &&
        parameterName &&
        components.flink?.startsWith('jobs/flink')
      ) {
        const minute = 60_000;
        const seamMs = Math.floor((startMs + (opts.spanMinutes * minute) / 4) / minute) * minute;
        const handOverMs = Math.floor((startMs + opts.spanMinutes * minute * 0.4) / minute) * minute;
        const rawRoot = firehose.prefix.split('dt=')[0]?.replace(/\/$/, '') ?? 'raw/events';
        const reprocessChecks = await reprocess({
          reg,
          workDir,
          ep,
          dynamodb: c.dynamodb,
          ssm: c.ssm,
          table,
          streamArn,
          archivePath: `s3://${rawBucket}/${rawRoot}`,
          parameterName,
          closedDay,
          refMinute,
          // Late and out-of-order events reach back before the workload's start time: read the hour before it too.
          archiveFromMs: startMs - 3_600_000,
          seamMs,
          handOverMs,
          servedView: async () => {
            const r = await queryTop(top);
            return (JSON.parse(r.body ?? '{}') as { views?: { speed?: string } }).views?.speed;
          },
          log,
        });
        checks.push(...reprocessChecks);
        components.reprocess = `local/reprocess.ts: replay job (archive + stream) -> flink-v2, flip, hand-over`;
        phase('reprocess');
      }
    } else components.serving = queryFn ? `missing ${QUERY_API}` : `${NOT_IN_VARIANT}: views read directly`;

    const sorted = latencies.sort((a, b) => a - b);
    return {
      architecture: opts.architecture,
      workDir,
      closedDay,
      produced,
      producer: {
        sent: result.sent,
        failed: result.failed,
        retried: result.retried,
        throttledCalls: result.throttledCalls,
        elapsedMs: result.elapsedMs,
      },
      components,
      paths,
      deadLetters,
      speedOverCount,
      latencyMs: sorted.length
        ? {
            p50: percentile(sorted, 50),
            p95: percentile(sorted, 95),
            max: sorted[sorted.length - 1] as number,
            samples: sorted.length,
          }
        : undefined,
      checks,
      durationMs: Date.now() - started,
      phases,
    };
  } finally {
    if (poller) await poller.stop(false).catch(() => undefined);
    if (archive) await archive.stop().catch(() => undefined);
    if (clients) destroyClients(clients);
    await reg.stopAll();
    if (!opts.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
}

/** Human-readable report. */
export function formatReport(r: PipelineReport): string {
  const lines: string[] = [];
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  lines.push(`streamlake offline run — architecture ${r.architecture}, closed day ${r.closedDay}`);
  lines.push(
    `produced ${r.produced.records} records: ${r.produced.events} events (${r.produced.late} late, ${r.produced.outOfOrder} out of order), ` +
      `${r.produced.duplicates} duplicates, ${r.produced.malformed} malformed`,
  );
  lines.push(
    `producer: ${r.producer.sent} sent, ${r.producer.failed} failed, ${r.producer.retried} retried, ${r.producer.throttledCalls} throttled calls, ${sec(r.producer.elapsedMs)}`,
  );
  lines.push('components:');
  for (const [k, v] of Object.entries(r.components)) lines.push(`  ${k.padEnd(8)} ${v}`);
  lines.push('events per path:');
  for (const [k, v] of Object.entries(r.paths))
    lines.push(
      `  ${k.padEnd(8)} ${Object.entries(v)
        .map(([a, b]) => `${a}=${b}`)
        .join(' ')}`,
    );
  lines.push('dead letters:');
  if (r.deadLetters.length === 0) lines.push('  (no dead-letter destination ran)');
  for (const d of r.deadLetters) lines.push(`  ${d.destination}: ${d.count} ${JSON.stringify(d.reasons)}`);
  if (r.speedOverCount) {
    lines.push(
      `speed view over-count (at least once): +${r.speedOverCount.events} events, +${r.speedOverCount.watchSeconds} watch seconds (${r.speedOverCount.redelivered} records redelivered)`,
    );
  }
  if (r.latencyMs) {
    lines.push(
      `event → speed view latency (PutRecords → handler done): p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, max ${r.latencyMs.max} ms over ${r.latencyMs.samples} records`,
    );
  }
  lines.push('checks:');
  for (const c of r.checks) {
    lines.push(
      `  [${c.status === 'pass' ? 'PASS' : c.status === 'fail' ? 'FAIL' : 'NOT RUN'}] ${c.name}: ${c.detail}`,
    );
    for (const d of c.diffs ?? [])
      lines.push(
        `      ${d.key}: expected ${JSON.stringify(d.expected ?? null)}, got ${JSON.stringify(d.actual ?? null)}`,
      );
  }
  lines.push(`phases: ${r.phases.map((p) => `${p.name} ${sec(p.ms)}`).join(', ')}`);
  lines.push(`duration: ${sec(r.durationMs)}`);
  return lines.join('\n');
}
