/**
 * `streamlake replay --local` on a kept-running kappa runtime: the steps of `streamlake replay` (cli/lib/replay.ts)
 * with local Flink processes standing in for the Managed Flink applications, as local/reprocess.ts runs them in the
 * scenario. From the view serving reads (the SSM pointer, flink-vN):
 *   1. a replay job writes flink-v(N+1) from the stream (TRIM_HORIZON: the runtime's stream keeps everything it got;
 *      with `fromMs`, events before it are skipped) and is followed until it has settled (its REST figures);
 *   2. the pointer flips to flink-v(N+1);
 *   3. hand-over: the live job restarts into flink-v(N+1) without state for event times from H (the next minute), and
 *      once it has settled the replay job stops.
 * A failure before the flip leaves the pointer and the live job as they were.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import viewTable from '../lib/contracts/view-table.json';
import { FlinkJob } from './compute/flink';
import { REGION } from './emulators';
import type { Deployment } from './infra';
import { writeFlinkProperties } from './jobs';
import type { LogFiles, RunConsole } from './logs';
import { readStream } from './observe';
import type { ProcessRegistry } from './proc';

export interface LocalReplay {
  readonly id: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly currentView: string;
  readonly nextView: string;
  readonly fromMs?: number;
  readonly step: string;
  readonly startedAt: string;
  readonly stoppedAt?: string;
  readonly handOverAt?: string;
  readonly error?: string;
}

export interface ReplayDeps {
  readonly d: Deployment;
  readonly reg: ProcessRegistry;
  readonly logs: LogFiles;
  readonly workDir: string;
  readonly out: RunConsole;
  readonly parameterName: string;
  /** The live Flink job, replaced at the hand-over. */
  readonly live: { job: FlinkJob | undefined };
}

const QUIET_MS = 10_000;
const SETTLE_MS = 600_000;
const PREFIX = viewTable.views.flinkPrefix;

export class LocalReplays {
  private readonly replays: LocalReplay[] = [];
  private running = false;

  constructor(private readonly deps: ReplayDeps) {}

  list(): LocalReplay[] {
    return [...this.replays].reverse();
  }

  /** The views before and after; throws when the pointer does not name a Flink view. */
  async plan(): Promise<{ currentView: string; nextView: string }> {
    const p = await this.deps.d.clients.ssm.send(new GetParameterCommand({ Name: this.deps.parameterName }));
    const currentView = p.Parameter?.Value ?? '';
    const n = currentView.startsWith(PREFIX) ? Number(currentView.slice(PREFIX.length)) : Number.NaN;
    if (!Number.isInteger(n))
      throw new Error(`${this.deps.parameterName} is '${currentView}', not ${PREFIX}<n>`);
    return { currentView, nextView: `${PREFIX}${n + 1}` };
  }

  /** Starts a replay; null while another one is going. */
  async start(fromMs: number | undefined): Promise<LocalReplay | null> {
    if (this.running) return null;
    this.running = true;
    try {
      const views = await this.plan();
      const r: LocalReplay = {
        id: `replay-${randomUUID().slice(0, 8)}`,
        status: 'RUNNING',
        ...views,
        ...(fromMs !== undefined ? { fromMs } : {}),
        step: 'starting the replay job',
        startedAt: new Date().toISOString(),
      };
      this.replays.push(r);
      const index = this.replays.length - 1;
      const update = (patch: Partial<LocalReplay>) => {
        this.replays[index] = { ...(this.replays[index] as LocalReplay), ...patch };
      };
      void this.execute(r, update)
        .then(
          () => update({ status: 'SUCCEEDED', step: 'done', stoppedAt: new Date().toISOString() }),
          (e: unknown) =>
            update({
              status: 'FAILED',
              error: e instanceof Error ? e.message : String(e),
              stoppedAt: new Date().toISOString(),
            }),
        )
        .finally(() => {
          this.running = false;
        });
      return r;
    } catch (e) {
      this.running = false;
      throw e;
    }
  }

  private async execute(r: LocalReplay, update: (p: Partial<LocalReplay>) => void): Promise<void> {
    const { d, reg, logs, workDir, out, parameterName, live } = this.deps;
    const source = (eventTimeFrom: number | undefined) => ({
      streamArn: d.streamArn,
      region: REGION,
      endpoint: d.ep.kinesis,
      initialPosition: 'TRIM_HORIZON',
      ...(eventTimeFrom !== undefined ? { eventTimeFrom: new Date(eventTimeFrom).toISOString() } : {}),
    });
    const common = {
      Sink: { tableName: d.table, region: REGION, endpoint: d.ep.dynamodb, viewName: r.nextView },
      DeadLetter: { tableName: d.table, region: REGION, endpoint: d.ep.dynamodb },
    };
    const streamRecords = (await readStream(d.clients.kinesis, d.streamName)).length;
    const props = join(workDir, `${r.id}.properties`);
    writeFlinkProperties(props, { Source: source(r.fromMs), ...common });
    out.line(`  ${r.id}: replay job -> ${r.nextView} from the stream (${streamRecords} records)`);
    logs.path(r.id);
    const replay = await FlinkJob.start(reg, {
      workDir,
      ep: d.ep,
      propertiesFile: props,
      checkpointDir: join(workDir, `${r.id}-checkpoints`),
      logName: r.id,
      restore: false,
    });
    try {
      update({ step: `replay job writing ${r.nextView}: waiting until it has read the stream and settled` });
      const s = await replay.settle(
        r.id,
        { minSourceRecords: streamRecords, quietMs: QUIET_MS },
        SETTLE_MS,
        out,
      );
      if (!s.settled) throw new Error(`the replay job did not settle: ${s.detail} (log ${logs.path(r.id)})`);

      update({ step: `flipping ${parameterName} to ${r.nextView}` });
      await d.clients.ssm.send(
        new PutParameterCommand({ Name: parameterName, Value: r.nextView, Type: 'String', Overwrite: true }),
      );

      const handOverMs = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
      const handOverAt = new Date(handOverMs).toISOString();
      update({ step: `handing the live job over to ${r.nextView} at ${handOverAt}`, handOverAt });
      await live.job?.stop();
      const liveProps = join(workDir, `${r.id}-live.properties`);
      writeFlinkProperties(liveProps, { Source: source(handOverMs), ...common });
      logs.path(`${r.id}-live`);
      live.job = await FlinkJob.start(reg, {
        workDir,
        ep: d.ep,
        propertiesFile: liveProps,
        checkpointDir: join(workDir, `${r.id}-live-checkpoints`),
        logName: `${r.id}-live`,
        restore: false,
      });
      const h = await live.job.settle(
        `${r.id}-live`,
        { minSourceRecords: streamRecords, quietMs: QUIET_MS },
        SETTLE_MS,
        out,
      );
      if (!h.settled) throw new Error(`the handed-over live job did not settle: ${h.detail}`);
      out.line(`  ${r.id}: serving reads ${r.nextView}; the live job writes it from ${handOverAt}`);
    } finally {
      await replay.stop();
    }
  }
}
