/**
 * `streamlake replay`: kappa reprocessing. The serving API reads the view named in an SSM parameter
 * (e.g. `flink-v3`). A replay builds the next view (`flink-v4`) from the stream's history with the same Flink
 * application, and flips the parameter only once the new view has caught up, so readers never see a half-built view:
 *
 *   1. read the current view version from SSM;
 *   2. stop the application if it runs (an update of a running app would restart it FROM its snapshot);
 *   3. UpdateApplication: sink view = flink-v<N+1>, source start = AT_TIMESTAMP --from (or TRIM_HORIZON);
 *      EnvironmentPropertyUpdates replaces every property group, so the others are sent back unchanged;
 *   4. StartApplication with SKIP_RESTORE_FROM_SNAPSHOT (the old state belongs to the old view);
 *   5. poll until RUNNING and caught up (millisBehindLatest, or the --to time has been reached);
 *   6. flip the SSM parameter to flink-v<N+1>.
 *
 * Every AWS call goes through injected clients, so tests drive it with aws-sdk-client-mock.
 */
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeApplicationCommand,
  type KinesisAnalyticsV2Client,
  type PropertyGroup,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type flinkProperties from '../../lib/contracts/flink-properties.json';
import viewTable from '../../lib/contracts/view-table.json';
import { type Clock, systemClock } from './clock';
import { formatDuration } from './dates';
import { CliError, ExitCode } from './errors';

type Groups = (typeof flinkProperties)['groups'];
/** A key of a property group in lib/contracts/flink-properties.json: a renamed key fails to compile here. */
function key<G extends keyof Groups>(_group: G, k: keyof Groups[G] & string): string {
  return k;
}

/** Where the Flink job reads its source start position and its sink view (lib/contracts/flink-properties.json). */
export const FLINK_PROPERTIES = {
  sourceGroup: 'Source' satisfies keyof Groups,
  initialPosition: key('Source', 'initialPosition'),
  initialTimestamp: key('Source', 'initialTimestamp'),
  sinkGroup: 'Sink' satisfies keyof Groups,
  viewName: key('Sink', 'viewName'),
} as const;

export const DEFAULT_CAUGHT_UP_MS = 60_000;
export const DEFAULT_POLL_MS = 30_000;

export interface ReplayDeps {
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly flink: Pick<KinesisAnalyticsV2Client, 'send'>;
  /** Reads millisBehindLatest. @default - catch-up is judged by `--to` only */
  readonly cloudwatch?: Pick<CloudWatchClient, 'send'>;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
}

export interface ReplayRequest {
  readonly applicationName: string;
  readonly parameterName: string;
  /** Epoch ms; undefined = TRIM_HORIZON (the whole retained stream). */
  readonly fromMs?: number;
  /** Epoch ms: done once the app has read up to here. @default - done once within caughtUpMs of the tip */
  readonly toMs?: number;
  /** @default 60000 */
  readonly caughtUpMs?: number;
  /** @default 30000 */
  readonly pollMs?: number;
  /** Give up (exit 4, parameter NOT flipped) after this long. @default - 2 hours */
  readonly timeoutMs?: number;
}

export interface ReplayPlan {
  readonly applicationName: string;
  readonly parameterName: string;
  readonly currentView: string;
  readonly nextView: string;
  readonly applicationStatus: string;
  readonly applicationVersionId: number;
  readonly startPosition: string;
  readonly propertyGroups: PropertyGroup[];
  readonly steps: string[];
}

const FLINK_PREFIX = viewTable.views.flinkPrefix;

export function parseViewVersion(value: string | undefined, parameterName: string): number {
  const m = new RegExp(`^${FLINK_PREFIX}(\\d+)$`).exec(value ?? '');
  if (!m)
    throw new CliError(`SSM parameter ${parameterName} holds '${value ?? ''}', expected ${FLINK_PREFIX}<N>`);
  return Number(m[1]);
}

/** Source.initialTimestamp is an ISO-8601 instant (flink-properties.json). */
function flinkTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

export async function planReplay(deps: ReplayDeps, req: ReplayRequest): Promise<ReplayPlan> {
  if (req.fromMs !== undefined && req.toMs !== undefined && req.toMs <= req.fromMs)
    throw new CliError('--to must be after --from', ExitCode.usage);
  const param = await deps.ssm.send(new GetParameterCommand({ Name: req.parameterName }));
  const currentView = param.Parameter?.Value ?? '';
  const n = parseViewVersion(currentView, req.parameterName);
  const nextView = `${FLINK_PREFIX}${n + 1}`;
  const app = await deps.flink.send(new DescribeApplicationCommand({ ApplicationName: req.applicationName }));
  const detail = app.ApplicationDetail;
  if (!detail?.ApplicationVersionId)
    throw new CliError(`Flink application ${req.applicationName}: no application detail`);
  const groups = (detail.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions
    ?.PropertyGroupDescriptions ?? []) as PropertyGroup[];
  const startPosition =
    req.fromMs === undefined ? 'TRIM_HORIZON' : `AT_TIMESTAMP ${flinkTimestamp(req.fromMs)}`;
  const P = FLINK_PROPERTIES;
  const merged = new Map<string, Record<string, string>>();
  for (const g of groups) if (g.PropertyGroupId) merged.set(g.PropertyGroupId, { ...(g.PropertyMap ?? {}) });
  const source = { ...(merged.get(P.sourceGroup) ?? {}) };
  delete source[P.initialTimestamp];
  source[P.initialPosition] = req.fromMs === undefined ? 'TRIM_HORIZON' : 'AT_TIMESTAMP';
  if (req.fromMs !== undefined) source[P.initialTimestamp] = flinkTimestamp(req.fromMs);
  merged.set(P.sourceGroup, source);
  merged.set(P.sinkGroup, { ...(merged.get(P.sinkGroup) ?? {}), [P.viewName]: nextView });
  const propertyGroups = Array.from(merged, ([PropertyGroupId, PropertyMap]) => ({
    PropertyGroupId,
    PropertyMap,
  }));
  const status = detail.ApplicationStatus ?? 'UNKNOWN';
  const until =
    req.toMs === undefined
      ? `less than ${formatDuration(req.caughtUpMs ?? DEFAULT_CAUGHT_UP_MS)} behind the stream tip`
      : `past ${new Date(req.toMs).toISOString()}`;
  const steps = [
    ...(status === 'RUNNING' || status === 'STARTING' || status === 'UPDATING'
      ? [`stop ${req.applicationName} (status ${status}) and wait for READY`]
      : []),
    `update ${req.applicationName}: ${P.sinkGroup}.${P.viewName}=${nextView}, ${P.sourceGroup}.${P.initialPosition}=${startPosition}`,
    `start ${req.applicationName} with SKIP_RESTORE_FROM_SNAPSHOT`,
    `wait until RUNNING and ${until}`,
    `set ${req.parameterName}: ${currentView} -> ${nextView} (serving switches to the new view)`,
  ];
  return {
    applicationName: req.applicationName,
    parameterName: req.parameterName,
    currentView,
    nextView,
    applicationStatus: status,
    applicationVersionId: detail.ApplicationVersionId,
    startPosition,
    propertyGroups,
    steps,
  };
}

async function describeStatus(deps: ReplayDeps, name: string): Promise<{ status: string; version: number }> {
  const d = await deps.flink.send(new DescribeApplicationCommand({ ApplicationName: name }));
  return {
    status: d.ApplicationDetail?.ApplicationStatus ?? 'UNKNOWN',
    version: d.ApplicationDetail?.ApplicationVersionId ?? 0,
  };
}

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

export async function executeReplay(
  deps: ReplayDeps,
  req: ReplayRequest,
  plan: ReplayPlan,
): Promise<{ elapsedMs: number }> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => {});
  const pollMs = req.pollMs ?? DEFAULT_POLL_MS;
  const timeoutMs = req.timeoutMs ?? 2 * 3_600_000;
  const started = clock.now();
  const name = req.applicationName;
  const waitFor = async (wanted: string, what: string): Promise<number> => {
    for (;;) {
      const s = await describeStatus(deps, name);
      if (s.status === wanted) return s.version;
      if (wanted === 'RUNNING' && s.status === 'READY')
        throw new CliError(
          `${name} stopped while starting; see its CloudWatch logs. ${req.parameterName} still says ${plan.currentView}.`,
        );
      const elapsed = clock.now() - started;
      if (elapsed >= timeoutMs)
        throw new CliError(
          `gave up after ${formatDuration(elapsed)} waiting for ${what} (status ${s.status}); ${req.parameterName} still says ${plan.currentView}`,
          ExitCode.timedOut,
        );
      log(`  ${formatDuration(elapsed)} ${name} ${s.status}`);
      await clock.sleep(pollMs);
    }
  };

  let version = plan.applicationVersionId;
  if (plan.applicationStatus !== 'READY') {
    if (['RUNNING', 'STARTING', 'UPDATING', 'AUTOSCALING'].includes(plan.applicationStatus)) {
      log(`stopping ${name}`);
      await deps.flink.send(new StopApplicationCommand({ ApplicationName: name }));
    }
    version = await waitFor('READY', `${name} to stop`);
  }
  log(`updating ${name}: sink view ${plan.nextView}, start ${plan.startPosition}`);
  await deps.flink.send(
    new UpdateApplicationCommand({
      ApplicationName: name,
      CurrentApplicationVersionId: version,
      ApplicationConfigurationUpdate: { EnvironmentPropertyUpdates: { PropertyGroups: plan.propertyGroups } },
    }),
  );
  log(`starting ${name} without restoring its snapshot`);
  await deps.flink.send(
    new StartApplicationCommand({
      ApplicationName: name,
      RunConfiguration: {
        ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' },
        FlinkRunConfiguration: { AllowNonRestoredState: true },
      },
    }),
  );
  await waitFor('RUNNING', `${name} to start`);

  const caughtUpMs = req.caughtUpMs ?? DEFAULT_CAUGHT_UP_MS;
  for (;;) {
    const now = clock.now();
    const behind = deps.cloudwatch ? await millisBehindLatest(deps.cloudwatch, name, now) : undefined;
    const elapsed = now - started;
    let done: boolean;
    if (req.toMs !== undefined)
      done = behind !== undefined ? now - behind >= req.toMs : now >= req.toMs + caughtUpMs;
    else done = behind !== undefined && behind <= caughtUpMs;
    log(`  ${formatDuration(elapsed)} ${name} RUNNING, millisBehindLatest ${behind ?? 'n/a'}`);
    if (done) break;
    if (req.toMs === undefined && !deps.cloudwatch)
      throw new CliError(
        'cannot tell when the replay has caught up: no CloudWatch client and no --to',
        ExitCode.usage,
      );
    if (elapsed >= timeoutMs)
      throw new CliError(
        `gave up after ${formatDuration(elapsed)}: ${name} is still ${behind ?? '?'} ms behind; ${req.parameterName} still says ${plan.currentView}`,
        ExitCode.timedOut,
      );
    await clock.sleep(pollMs);
  }
  log(`flipping ${req.parameterName}: ${plan.currentView} -> ${plan.nextView}`);
  await deps.ssm.send(
    new PutParameterCommand({ Name: req.parameterName, Value: plan.nextView, Overwrite: true }),
  );
  return { elapsedMs: clock.now() - started };
}
