/**
 * `streamlake replay`: kappa reprocessing with a second, temporary Flink application. The serving API reads the view
 * named in an SSM parameter (e.g. `flink-v3`), which the live application keeps writing throughout the replay:
 *
 *   1. plan: the current view flink-v<N> (SSM), the live application's configuration, the stream's retention;
 *   2. create `<live>-replay` from the live application's code, role, runtime and settings, writing flink-v<N+1>:
 *      - from a time within the stream's retention: the stream from AT_TIMESTAMP (from − skew), keeping events whose
 *        occurredAt ≥ from (Source.eventTimeFrom);
 *      - from an older time: first the raw archive's partitions for [from, seam), then the stream for [seam, ∞)
 *        (Archive.*, a HybridSource). The seam is an hour boundary at least an hour inside the retention;
 *      - without --from: the whole retained stream (TRIM_HORIZON);
 *   3. start it and wait until it is RUNNING and caught up with the stream's tip (millisBehindLatest);
 *   4. flip the SSM parameter to flink-v<N+1>: serving switches, the replay application keeps the view current;
 *   5. hand the live application over to flink-v<N+1> at a minute boundary H: restart it without its snapshot, reading
 *      from AT_TIMESTAMP (H − skew) and keeping events at or after H. From then on both applications write the same
 *      totals for windows ≥ H; windows < H are only the replay's;
 *   6. once the replay application's windows before H are final (H + allowed lateness + out-of-orderness, with it
 *      caught up), stop and delete it.
 *
 * Until step 4 nothing readers see changes and flink-v<N> stays current: `--abort` deletes the replay application.
 * Every AWS call goes through injected clients, so tests drive it with aws-sdk-client-mock.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type ApplicationDetail,
  type CreateApplicationRequest,
  DescribeApplicationCommand,
  type KinesisAnalyticsV2Client,
  type PropertyGroup,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import flinkProperties from '../../lib/contracts/flink-properties.json';
import viewTable from '../../lib/contracts/view-table.json';
import { type Clock, systemClock } from './clock';
import { formatDuration } from './dates';
import { CliError, ExitCode } from './errors';

type Groups = (typeof flinkProperties)['groups'];
/** A key of a property group in lib/contracts/flink-properties.json: a renamed key fails to compile here. */
function key<G extends keyof Groups>(_group: G, k: keyof Groups[G] & string): string {
  return k;
}

/** The job's properties a replay sets (lib/contracts/flink-properties.json). */
export const FLINK_PROPERTIES = {
  sourceGroup: 'Source' satisfies keyof Groups,
  streamArn: key('Source', 'streamArn'),
  initialPosition: key('Source', 'initialPosition'),
  initialTimestamp: key('Source', 'initialTimestamp'),
  eventTimeFrom: key('Source', 'eventTimeFrom'),
  sinkGroup: 'Sink' satisfies keyof Groups,
  viewName: key('Sink', 'viewName'),
  archiveGroup: 'Archive' satisfies keyof Groups,
  archivePath: key('Archive', 'path'),
  archiveFrom: key('Archive', 'from'),
  processingGroup: 'Processing' satisfies keyof Groups,
  allowedLateness: key('Processing', 'allowedLatenessSeconds'),
  outOfOrderness: key('Processing', 'outOfOrdernessSeconds'),
} as const;

export const DEFAULT_CAUGHT_UP_MS = 60_000;
export const DEFAULT_POLL_MS = 30_000;
/** How far before an event's occurredAt its record may have reached the stream (producer clocks running ahead). */
export const SKEW_MS = 15 * 60_000;
/** The seam between archive and stream stays this far inside the retention, so the stream still holds it at start. */
export const RETENTION_MARGIN_MS = 3_600_000;
export const REPLAY_SUFFIX = '-replay';

export interface ReplayDeps {
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly flink: Pick<KinesisAnalyticsV2Client, 'send'>;
  readonly kinesis: Pick<KinesisClient, 'send'>;
  /** Reads millisBehindLatest, which tells when an application has caught up. */
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
}

export interface ReplayRequest {
  readonly applicationName: string;
  readonly parameterName: string;
  /** Raw zone bucket and the Firehose prefix root (`raw/events`): the archive read for times beyond retention. */
  readonly rawBucketName: string;
  readonly rawEventsPrefix: string;
  /** Epoch ms of the first event time to rebuild; undefined = the whole retained stream (TRIM_HORIZON). */
  readonly fromMs?: number;
  /** @default 60000 */
  readonly caughtUpMs?: number;
  /** @default 30000 */
  readonly pollMs?: number;
  /** Give up waiting for a step after this long (exit 4). @default - 2 hours */
  readonly timeoutMs?: number;
}

export interface ReplayPlan {
  readonly applicationName: string;
  readonly replayApplicationName: string;
  readonly parameterName: string;
  readonly currentView: string;
  readonly nextView: string;
  readonly retentionHours: number;
  /** Where the replay reads, in words (also in the steps). */
  readonly sources: string;
  /** The raw archive part, when --from is older than the retention allows. */
  readonly archive?: { readonly path: string; readonly from: string; readonly seam: string };
  readonly replayPropertyGroups: PropertyGroup[];
  /** Windows finalize this long after their end (allowed lateness + out-of-orderness of the live application). */
  readonly finalizeMs: number;
  readonly steps: string[];
}

const FLINK_PREFIX = viewTable.views.flinkPrefix;
const P = FLINK_PROPERTIES;

export function parseViewVersion(value: string | undefined, parameterName: string): number {
  const m = new RegExp(`^${FLINK_PREFIX}(\\d+)$`).exec(value ?? '');
  if (!m)
    throw new CliError(`SSM parameter ${parameterName} holds '${value ?? ''}', expected ${FLINK_PREFIX}<N>`);
  return Number(m[1]);
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const HOUR_MS = 3_600_000;
export const ceilTo = (ms: number, unit: number): number => Math.ceil(ms / unit) * unit;

export type GroupMap = Map<string, Record<string, string>>;

export function groupsOf(detail: ApplicationDetail): GroupMap {
  const merged: GroupMap = new Map();
  for (const g of detail.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions
    ?.PropertyGroupDescriptions ?? [])
    if (g.PropertyGroupId) merged.set(g.PropertyGroupId, { ...(g.PropertyMap ?? {}) });
  return merged;
}

export function toPropertyGroups(groups: GroupMap): PropertyGroup[] {
  return Array.from(groups)
    .filter(([, m]) => Object.keys(m).length > 0)
    .map(([PropertyGroupId, PropertyMap]) => ({ PropertyGroupId, PropertyMap }));
}

function seconds(groups: GroupMap, group: 'Processing', k: string): number {
  const spec = (flinkProperties.groups[group] as Record<string, { default: string | null }>)[k];
  const v = Number(groups.get(group)?.[k] ?? spec?.default ?? '0');
  return Number.isFinite(v) ? v : 0;
}

/**
 * Property groups for a run that writes `view` and reads the stream from `position` (AT_TIMESTAMP when `atMs`),
 * keeping events at or after `eventTimeFrom`, with the archive part when given; every other group is kept.
 */
export function withStart(
  base: GroupMap,
  view: string,
  start: { atMs?: number; eventTimeFromMs?: number; archive?: { path: string; fromMs: number } },
): GroupMap {
  const groups: GroupMap = new Map(Array.from(base, ([g, m]) => [g, { ...m }]));
  const source = { ...(groups.get(P.sourceGroup) ?? {}) };
  delete source[P.initialTimestamp];
  delete source[P.eventTimeFrom];
  source[P.initialPosition] = start.atMs === undefined ? 'TRIM_HORIZON' : 'AT_TIMESTAMP';
  if (start.atMs !== undefined) source[P.initialTimestamp] = iso(start.atMs);
  if (start.eventTimeFromMs !== undefined) source[P.eventTimeFrom] = iso(start.eventTimeFromMs);
  groups.set(P.sourceGroup, source);
  groups.set(P.sinkGroup, { ...(groups.get(P.sinkGroup) ?? {}), [P.viewName]: view });
  groups.delete(P.archiveGroup);
  if (start.archive)
    groups.set(P.archiveGroup, {
      [P.archivePath]: start.archive.path,
      [P.archiveFrom]: iso(start.archive.fromMs),
    });
  return groups;
}

export async function describeApplication(
  deps: ReplayDeps,
  name: string,
): Promise<ApplicationDetail | undefined> {
  try {
    const d = await deps.flink.send(new DescribeApplicationCommand({ ApplicationName: name }));
    return d.ApplicationDetail;
  } catch (e) {
    if (
      e instanceof ResourceNotFoundException ||
      (e as { name?: string }).name === 'ResourceNotFoundException'
    )
      return undefined;
    throw e;
  }
}

export async function planReplay(deps: ReplayDeps, req: ReplayRequest): Promise<ReplayPlan> {
  const clock = deps.clock ?? systemClock;
  const now = clock.now();
  if (req.fromMs !== undefined && req.fromMs >= now)
    throw new CliError(`--from ${iso(req.fromMs)} is not in the past`, ExitCode.usage);
  const param = await deps.ssm.send(new GetParameterCommand({ Name: req.parameterName }));
  const currentView = param.Parameter?.Value ?? '';
  const n = parseViewVersion(currentView, req.parameterName);
  const nextView = `${FLINK_PREFIX}${n + 1}`;
  const live = await describeApplication(deps, req.applicationName);
  if (!live?.ApplicationVersionId) throw new CliError(`Flink application ${req.applicationName} not found`);
  const replayApplicationName = `${req.applicationName}${REPLAY_SUFFIX}`;
  const existing = await describeApplication(deps, replayApplicationName);
  if (existing)
    throw new CliError(
      `a replay is already in progress: ${replayApplicationName} is ${existing.ApplicationStatus}. Let it finish, or ` +
        '`streamlake replay --abort` to delete it',
    );
  const base = groupsOf(live);
  const streamArn = base.get(P.sourceGroup)?.[P.streamArn];
  if (!streamArn)
    throw new CliError(`${req.applicationName} has no ${P.sourceGroup}.${P.streamArn} property`);
  const stream = await deps.kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: streamArn }));
  const retentionHours = stream.StreamDescriptionSummary?.RetentionPeriodHours ?? 24;
  const safe = now - retentionHours * HOUR_MS + RETENTION_MARGIN_MS;

  let groups: GroupMap;
  let sources: string;
  let archive: ReplayPlan['archive'];
  if (req.fromMs === undefined) {
    groups = withStart(base, nextView, {});
    sources = `the whole retained stream (TRIM_HORIZON, ${retentionHours} h)`;
  } else if (req.fromMs >= safe) {
    groups = withStart(base, nextView, { atMs: req.fromMs - SKEW_MS, eventTimeFromMs: req.fromMs });
    sources = `the stream from AT_TIMESTAMP ${iso(req.fromMs - SKEW_MS)}, events from ${iso(req.fromMs)}`;
  } else {
    const seam = ceilTo(safe, HOUR_MS);
    const path = `s3://${req.rawBucketName}/${req.rawEventsPrefix.replace(/\/+$/, '')}`;
    groups = withStart(base, nextView, {
      atMs: seam - SKEW_MS,
      eventTimeFromMs: seam,
      archive: { path, fromMs: req.fromMs },
    });
    archive = { path, from: iso(req.fromMs), seam: iso(seam) };
    sources =
      `the raw archive ${path} for events in [${iso(req.fromMs)}, ${iso(seam)}) (older than the stream's ` +
      `${retentionHours} h retention), then the stream from AT_TIMESTAMP ${iso(seam - SKEW_MS)}, events from ${iso(seam)}`;
  }
  const finalizeMs =
    (seconds(base, 'Processing', P.allowedLateness) + seconds(base, 'Processing', P.outOfOrderness)) * 1000;
  const steps = [
    `create ${replayApplicationName} (code, role, runtime and settings of ${req.applicationName}) writing ${nextView} from ${sources}`,
    `start it and wait until it is RUNNING and caught up with the stream (millisBehindLatest ≤ caught-up)`,
    `set ${req.parameterName}: ${currentView} -> ${nextView} (serving switches; ${req.applicationName} still writes ${currentView} until the hand-over)`,
    `hand ${req.applicationName} over to ${nextView} at the next minute boundary H: restart without its snapshot from AT_TIMESTAMP H−${formatDuration(SKEW_MS)}, events from H`,
    `after H + ${formatDuration(finalizeMs)} (its windows before H are final), stop and delete ${replayApplicationName}`,
  ];
  return {
    applicationName: req.applicationName,
    replayApplicationName,
    parameterName: req.parameterName,
    currentView,
    nextView,
    retentionHours,
    sources,
    ...(archive ? { archive } : {}),
    replayPropertyGroups: toPropertyGroups(groups),
    finalizeMs,
    steps,
  };
}

/** The CreateApplication request of the replay application: the live application's settings, the replay's properties. */
export function replayApplicationRequest(
  live: ApplicationDetail,
  name: string,
  propertyGroups: PropertyGroup[],
): CreateApplicationRequest {
  const cfg = live.ApplicationConfigurationDescription;
  const code = cfg?.ApplicationCodeConfigurationDescription;
  const s3 = code?.CodeContentDescription?.S3ApplicationCodeLocationDescription;
  if (!live.RuntimeEnvironment || !live.ServiceExecutionRole || !s3?.BucketARN || !s3.FileKey)
    throw new CliError(`${live.ApplicationName}: its runtime, role or S3 code location is missing`);
  const flinkCfg = cfg?.FlinkApplicationConfigurationDescription;
  const cp = flinkCfg?.CheckpointConfigurationDescription;
  const mon = flinkCfg?.MonitoringConfigurationDescription;
  const par = flinkCfg?.ParallelismConfigurationDescription;
  return {
    ApplicationName: name,
    ApplicationDescription: `streamlake replay of ${live.ApplicationName} (temporary; deleted by streamlake replay)`,
    RuntimeEnvironment: live.RuntimeEnvironment,
    ServiceExecutionRole: live.ServiceExecutionRole,
    ApplicationConfiguration: {
      ApplicationCodeConfiguration: {
        CodeContentType: code?.CodeContentType ?? 'ZIPFILE',
        CodeContent: {
          S3ContentLocation: {
            BucketARN: s3.BucketARN,
            FileKey: s3.FileKey,
            ...(s3.ObjectVersion ? { ObjectVersion: s3.ObjectVersion } : {}),
          },
        },
      },
      EnvironmentProperties: { PropertyGroups: propertyGroups },
      // A temporary application: no snapshots, so stopping it never waits for one.
      ApplicationSnapshotConfiguration: { SnapshotsEnabled: false },
      FlinkApplicationConfiguration: {
        ...(cp?.ConfigurationType
          ? {
              CheckpointConfiguration: {
                ConfigurationType: cp.ConfigurationType,
                ...(cp.ConfigurationType === 'CUSTOM'
                  ? {
                      CheckpointingEnabled: cp.CheckpointingEnabled,
                      CheckpointInterval: cp.CheckpointInterval,
                      MinPauseBetweenCheckpoints: cp.MinPauseBetweenCheckpoints,
                    }
                  : {}),
              },
            }
          : {}),
        ...(mon?.ConfigurationType
          ? {
              MonitoringConfiguration: {
                ConfigurationType: mon.ConfigurationType,
                ...(mon.ConfigurationType === 'CUSTOM'
                  ? { MetricsLevel: mon.MetricsLevel, LogLevel: mon.LogLevel }
                  : {}),
              },
            }
          : {}),
        ...(par?.ConfigurationType
          ? {
              ParallelismConfiguration: {
                ConfigurationType: par.ConfigurationType,
                ...(par.ConfigurationType === 'CUSTOM'
                  ? {
                      Parallelism: par.Parallelism,
                      ParallelismPerKPU: par.ParallelismPerKPU,
                      AutoScalingEnabled: par.AutoScalingEnabled,
                    }
                  : {}),
              },
            }
          : {}),
      },
    },
    CloudWatchLoggingOptions: (live.CloudWatchLoggingOptionDescriptions ?? [])
      .filter((o) => o.LogStreamARN)
      .map((o) => ({ LogStreamARN: o.LogStreamARN as string })),
    Tags: [{ Key: 'streamlake:replay-of', Value: live.ApplicationName ?? '' }],
  };
}
