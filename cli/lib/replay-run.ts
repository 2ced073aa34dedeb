/**
 * Running a planned replay (`cli/lib/replay.ts` plans it): create and start the replay application, wait until it has
 * caught up, flip the view pointer, hand the live application over, then retire the replay application; and `--abort`.
 * Every AWS call goes through the injected clients of {@link ReplayDeps}.
 */
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateApplicationCommand,
  DeleteApplicationCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { type Clock, systemClock } from './clock';
import { formatDuration } from './dates';
import { CliError, ExitCode } from './errors';
import {
  ceilTo,
  DEFAULT_CAUGHT_UP_MS,
  DEFAULT_POLL_MS,
  describeApplication,
  groupsOf,
  HOUR_MS,
  iso,
  REPLAY_SUFFIX,
  type ReplayDeps,
  type ReplayPlan,
  type ReplayRequest,
  replayApplicationRequest,
  SKEW_MS,
  toPropertyGroups,
  withStart,
} from './replay';

/** Max millisBehindLatest of the app's sources over the last few minutes, or undefined when there is no datapoint yet. */
export async function millisBehindLatest(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  applicationName: string,
  nowMs: number,
): Promise<number | undefined> {
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(nowMs - 5 * 60_000),
      EndTime: new Date(nowMs),
      MetricDataQueries: [
        {
          Id: 'behind',
          // SEARCH matches every dimension set holding Application (per-source, per-shard…).
          Expression: `MAX(SEARCH('{AWS/KinesisAnalytics,Application} MetricName="millisBehindLatest" Application="${applicationName}"', 'Maximum', 60))`,
          Period: 60,
        },
      ],
      ScanBy: 'TimestampDescending',
    }),
  );
  const values = out.MetricDataResults?.[0]?.Values ?? [];
  return values.length > 0 ? values[0] : undefined;
}

const STOPPABLE = ['RUNNING', 'STARTING', 'UPDATING', 'AUTOSCALING'];

/** Waits, polls and names what it waited for when it gives up. */
class Waiter {
  private readonly clock: Clock;
  private readonly started: number;
  constructor(
    private readonly deps: ReplayDeps,
    private readonly req: ReplayRequest,
    private readonly state: () => string,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.started = this.clock.now();
  }

  elapsed(): number {
    return this.clock.now() - this.started;
  }

  async until(what: string, check: () => Promise<boolean>): Promise<void> {
    const begun = this.clock.now();
    const timeoutMs = this.req.timeoutMs ?? 2 * HOUR_MS;
    for (;;) {
      if (await check()) return;
      const waited = this.clock.now() - begun;
      if (waited >= timeoutMs)
        throw new CliError(
          `gave up after ${formatDuration(waited)} waiting for ${what}. ${this.state()}`,
          ExitCode.timedOut,
        );
      await this.clock.sleep(this.req.pollMs ?? DEFAULT_POLL_MS);
    }
  }

  async status(name: string, wanted: string, onReady?: string): Promise<void> {
    await this.until(`${name} to be ${wanted}`, async () => {
      const d = await describeApplication(this.deps, name);
      const status = d?.ApplicationStatus ?? 'DELETED';
      if (status === wanted) return true;
      if (wanted === 'RUNNING' && status === 'READY')
        throw new CliError(
          `${name} stopped while starting; see its CloudWatch logs. ${onReady ?? this.state()}`,
        );
      this.deps.log?.(`  ${formatDuration(this.elapsed())} ${name} ${status}`);
      return false;
    });
  }

  async caughtUp(name: string): Promise<void> {
    const limit = this.req.caughtUpMs ?? DEFAULT_CAUGHT_UP_MS;
    await this.until(`${name} to catch up (millisBehindLatest ≤ ${formatDuration(limit)})`, async () => {
      const behind = await millisBehindLatest(this.deps.cloudwatch, name, this.clock.now());
      this.deps.log?.(`  ${formatDuration(this.elapsed())} ${name} millisBehindLatest ${behind ?? 'n/a'}`);
      return behind !== undefined && behind <= limit;
    });
  }
}

async function stop(deps: ReplayDeps, waiter: Waiter, name: string, force: boolean): Promise<void> {
  const d = await describeApplication(deps, name);
  if (!d) return;
  if (STOPPABLE.includes(d.ApplicationStatus ?? '')) {
    deps.log?.(`stopping ${name}`);
    await deps.flink.send(new StopApplicationCommand({ ApplicationName: name, Force: force }));
  }
  if (d.ApplicationStatus !== 'READY') await waiter.status(name, 'READY');
}

async function remove(deps: ReplayDeps, waiter: Waiter, name: string): Promise<boolean> {
  await stop(deps, waiter, name, true);
  const d = await describeApplication(deps, name);
  if (!d?.CreateTimestamp) return false;
  deps.log?.(`deleting ${name}`);
  await deps.flink.send(
    new DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: d.CreateTimestamp }),
  );
  return true;
}

export async function executeReplay(
  deps: ReplayDeps,
  req: ReplayRequest,
  plan: ReplayPlan,
): Promise<{ elapsedMs: number; handOverAt: string }> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => {});
  let flipped = false;
  let handedOver = false;
  const state = () =>
    !flipped
      ? `${req.parameterName} still says ${plan.currentView} and ${plan.applicationName} still writes it; ` +
        '`streamlake replay --abort` deletes the replay application.'
      : !handedOver
        ? `${req.parameterName} says ${plan.nextView}, kept current by ${plan.replayApplicationName}; ` +
          `${plan.applicationName} writes ${plan.currentView}: see docs/runbook.md to finish the hand-over or roll back.`
        : `${req.parameterName} says ${plan.nextView}; ${plan.applicationName} writes it; ` +
          `${plan.replayApplicationName} is left running: \`streamlake replay --abort\` deletes it.`;
  const waiter = new Waiter(deps, req, state);

  const live = await describeApplication(deps, plan.applicationName);
  if (!live) throw new CliError(`Flink application ${plan.applicationName} not found`);
  log(`creating ${plan.replayApplicationName}: ${plan.nextView} from ${plan.sources}`);
  await deps.flink.send(
    new CreateApplicationCommand(
      replayApplicationRequest(live, plan.replayApplicationName, plan.replayPropertyGroups),
    ),
  );
  await deps.flink.send(
    new StartApplicationCommand({
      ApplicationName: plan.replayApplicationName,
      RunConfiguration: {
        ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' },
      },
    }),
  );
  await waiter.status(plan.replayApplicationName, 'RUNNING');
  await waiter.caughtUp(plan.replayApplicationName);

  log(`flipping ${req.parameterName}: ${plan.currentView} -> ${plan.nextView}`);
  await deps.ssm.send(
    new PutParameterCommand({ Name: req.parameterName, Value: plan.nextView, Overwrite: true }),
  );
  flipped = true;

  // Hand-over: the live application restarts into the new view for event times ≥ H.
  const handOver = ceilTo(clock.now() + 1, 60_000);
  await stop(deps, waiter, plan.applicationName, false);
  const current = await describeApplication(deps, plan.applicationName);
  if (!current?.ApplicationVersionId) throw new CliError(`${plan.applicationName} disappeared. ${state()}`);
  const liveGroups = withStart(groupsOf(current), plan.nextView, {
    atMs: handOver - SKEW_MS,
    eventTimeFromMs: handOver,
  });
  log(`handing ${plan.applicationName} over to ${plan.nextView} at ${iso(handOver)}`);
  await deps.flink.send(
    new UpdateApplicationCommand({
      ApplicationName: plan.applicationName,
      CurrentApplicationVersionId: current.ApplicationVersionId,
      ApplicationConfigurationUpdate: {
        EnvironmentPropertyUpdates: { PropertyGroups: toPropertyGroups(liveGroups) },
      },
    }),
  );
  await deps.flink.send(
    new StartApplicationCommand({
      ApplicationName: plan.applicationName,
      RunConfiguration: {
        ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' },
        FlinkRunConfiguration: { AllowNonRestoredState: true },
      },
    }),
  );
  await waiter.status(plan.applicationName, 'RUNNING');
  handedOver = true;
  await waiter.caughtUp(plan.applicationName);

  const finalAt = handOver + plan.finalizeMs + (req.caughtUpMs ?? DEFAULT_CAUGHT_UP_MS);
  await waiter.until(
    `${plan.replayApplicationName} to finalize the windows before ${iso(handOver)}`,
    async () => {
      if (clock.now() < finalAt) return false;
      const behind = await millisBehindLatest(deps.cloudwatch, plan.replayApplicationName, clock.now());
      return behind !== undefined && behind <= (req.caughtUpMs ?? DEFAULT_CAUGHT_UP_MS);
    },
  );
  await remove(deps, waiter, plan.replayApplicationName);
  return { elapsedMs: waiter.elapsed(), handOverAt: iso(handOver) };
}

/** Stops (force) and deletes the replay application, if there is one. Changes neither the pointer nor the live app. */
export async function abortReplay(deps: ReplayDeps, applicationName: string): Promise<boolean> {
  const waiter = new Waiter(
    deps,
    { applicationName, parameterName: '', rawBucketName: '', rawEventsPrefix: '' },
    () => 'the replay application could not be deleted',
  );
  return remove(deps, waiter, `${applicationName}${REPLAY_SUFFIX}`);
}
