import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type ApplicationDetail,
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  ResourceNotFoundException,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeClock } from '../../cli/lib/clock';
import { ExitCode } from '../../cli/lib/errors';
import {
  FLINK_PROPERTIES as P,
  planReplay,
  type ReplayPlan,
  type ReplayRequest,
  SKEW_MS,
} from '../../cli/lib/replay';
import { abortReplay, executeReplay } from '../../cli/lib/replay-run';

const ssm = mockClient(SSMClient);
const flink = mockClient(KinesisAnalyticsV2Client);
const cw = mockClient(CloudWatchClient);
const kinesis = mockClient(KinesisClient);

const LIVE = 'flink-app';
const REPLAY = 'flink-app-replay';
const NOW = Date.parse('2026-11-23T12:00:10.000Z');
const RETENTION_HOURS = 168;

/** A small fake of Managed Flink's lifecycle: start → STARTING → RUNNING, stop → STOPPING → READY. */
interface FakeApp {
  status: string;
  version: number;
  groups: Record<string, Record<string, string>>;
  created: Date;
}
let apps: Map<string, FakeApp>;
let calls: string[];
/** millisBehindLatest per application, one value per poll (undefined = no datapoint); the last value repeats. */
let behind: Record<string, (number | undefined)[]>;

function detail(name: string, a: FakeApp): ApplicationDetail {
  return {
    ApplicationARN: `arn:aws:kinesisanalytics:eu-west-1:123456789012:application/${name}`,
    ApplicationName: name,
    ApplicationStatus: a.status as 'RUNNING',
    ApplicationVersionId: a.version,
    CreateTimestamp: a.created,
    RuntimeEnvironment: 'FLINK-1_20',
    ServiceExecutionRole: 'arn:aws:iam::123456789012:role/flink-role',
    CloudWatchLoggingOptionDescriptions: [
      { LogStreamARN: 'arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:s' },
    ],
    ApplicationConfigurationDescription: {
      ApplicationCodeConfigurationDescription: {
        CodeContentType: 'ZIPFILE',
        CodeContentDescription: {
          S3ApplicationCodeLocationDescription: { BucketARN: 'arn:aws:s3:::assets', FileKey: 'abc.jar' },
        },
      },
      FlinkApplicationConfigurationDescription: {
        CheckpointConfigurationDescription: {
          ConfigurationType: 'CUSTOM',
          CheckpointingEnabled: true,
          CheckpointInterval: 60_000,
          MinPauseBetweenCheckpoints: 5_000,
        },
        ParallelismConfigurationDescription: {
          ConfigurationType: 'CUSTOM',
          Parallelism: 2,
          ParallelismPerKPU: 1,
          AutoScalingEnabled: true,
        },
      },
      EnvironmentPropertyDescriptions: {
        PropertyGroupDescriptions: Object.entries(a.groups).map(([PropertyGroupId, PropertyMap]) => ({
          PropertyGroupId,
          PropertyMap,
        })),
      },
    },
  };
}

const req: ReplayRequest = {
  applicationName: LIVE,
  parameterName: '/streamlake/dev/view-version',
  rawBucketName: 'raw-bucket',
  rawEventsPrefix: 'raw/events/',
  pollMs: 30_000,
  timeoutMs: 3_600_000,
};

beforeEach(() => {
  for (const m of [ssm, flink, cw, kinesis]) m.reset();
  calls = [];
  behind = { [REPLAY]: [undefined, 3_600_000, 2_000], [LIVE]: [1_000] };
  apps = new Map([
    [
      LIVE,
      {
        status: 'RUNNING',
        version: 7,
        created: new Date('2026-11-01T00:00:00Z'),
        groups: {
          [P.sourceGroup]: {
            [P.streamArn]: 'arn:aws:kinesis:eu-west-1:123456789012:stream/raw-events',
            [P.initialPosition]: 'TRIM_HORIZON',
          },
          [P.sinkGroup]: { tableName: 'views', [P.viewName]: 'flink-v3' },
          DeadLetter: { tableName: 'views' },
          [P.processingGroup]: { [P.allowedLateness]: '600', [P.outOfOrderness]: '5' },
        },
      },
    ],
  ]);
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: req.parameterName, Value: 'flink-v3' } });
  ssm.on(PutParameterCommand).callsFake(() => {
    calls.push('flip');
    return {};
  });
  kinesis
    .on(DescribeStreamSummaryCommand)
    .resolves({ StreamDescriptionSummary: { RetentionPeriodHours: RETENTION_HOURS } as never });
  flink.on(DescribeApplicationCommand).callsFake((input: { ApplicationName: string }) => {
    const a = apps.get(input.ApplicationName);
    if (!a) throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    const out = { ApplicationDetail: detail(input.ApplicationName, a) };
    if (a.status === 'STARTING') a.status = 'RUNNING';
    else if (a.status === 'STOPPING') a.status = 'READY';
    return out;
  });
  flink.on(CreateApplicationCommand).callsFake((input) => {
    calls.push(`create ${input.ApplicationName}`);
    const groups = Object.fromEntries(
      input.ApplicationConfiguration.EnvironmentProperties.PropertyGroups.map(
        (g: { PropertyGroupId: string; PropertyMap: Record<string, string> }) => [
          g.PropertyGroupId,
          g.PropertyMap,
        ],
      ),
    );
    apps.set(input.ApplicationName, { status: 'READY', version: 1, groups, created: new Date(NOW) });
    return {};
  });
  flink.on(StartApplicationCommand).callsFake((input) => {
    calls.push(`start ${input.ApplicationName}`);
    (apps.get(input.ApplicationName) as FakeApp).status = 'STARTING';
    return {};
  });
  flink.on(StopApplicationCommand).callsFake((input) => {
    calls.push(`stop ${input.ApplicationName}`);
    (apps.get(input.ApplicationName) as FakeApp).status = 'STOPPING';
    return {};
  });
  flink.on(UpdateApplicationCommand).callsFake((input) => {
    calls.push(`update ${input.ApplicationName}`);
    const a = apps.get(input.ApplicationName) as FakeApp;
    a.version += 1;
    return {};
  });
  flink.on(DeleteApplicationCommand).callsFake((input) => {
    calls.push(`delete ${input.ApplicationName}`);
    apps.delete(input.ApplicationName);
    return {};
  });
  cw.on(GetMetricDataCommand).callsFake((input) => {
    const expr: string = input.MetricDataQueries[0].Expression;
    const name = expr.includes(`Application="${REPLAY}"`) ? REPLAY : LIVE;
    const series = behind[name] as (number | undefined)[];
    const v = series.length > 1 ? series.shift() : series[0];
    return { MetricDataResults: [{ Id: 'behind', Values: v === undefined ? [] : [v] }] };
  });
});

const deps = (clock = new FakeClock(NOW)) => ({
  ssm: new SSMClient({}),
  flink: new KinesisAnalyticsV2Client({}),
  cloudwatch: new CloudWatchClient({}),
  kinesis: new KinesisClient({}),
  clock,
});

const groupsOf = (plan: ReplayPlan) =>
  Object.fromEntries(plan.replayPropertyGroups.map((g) => [g.PropertyGroupId, g.PropertyMap]));

test('a replay within the retention reads the stream from AT_TIMESTAMP (from − skew), events from `from`', async () => {
  const from = NOW - 24 * 3_600_000;
  const plan = await planReplay(deps(), { ...req, fromMs: from });
  expect(plan.currentView).toBe('flink-v3');
  expect(plan.nextView).toBe('flink-v4');
  expect(plan.replayApplicationName).toBe(REPLAY);
  expect(plan.archive).toBeUndefined();
  const g = groupsOf(plan);
  expect(g[P.sinkGroup]).toEqual({ tableName: 'views', [P.viewName]: 'flink-v4' });
  expect(g[P.sourceGroup]).toEqual({
    [P.streamArn]: 'arn:aws:kinesis:eu-west-1:123456789012:stream/raw-events',
    [P.initialPosition]: 'AT_TIMESTAMP',
    [P.initialTimestamp]: new Date(from - SKEW_MS).toISOString(),
    [P.eventTimeFrom]: new Date(from).toISOString(),
  });
  expect(g.DeadLetter).toEqual({ tableName: 'views' });
  expect(g[P.archiveGroup]).toBeUndefined();
  expect(plan.finalizeMs).toBe(605_000);
});

test('a replay older than the retention reads the raw archive up to an hour-aligned seam, then the stream', async () => {
  const from = Date.parse('2026-10-01T00:00:00.000Z');
  const plan = await planReplay(deps(), { ...req, fromMs: from });
  // 168 h before NOW is 2026-11-16T12:00:10Z; one hour inside that is 13:00:10Z, rounded up to the hour: 14:00.
  const seam = '2026-11-16T14:00:00.000Z';
  expect(plan.archive).toEqual({
    path: 's3://raw-bucket/raw/events',
    from: '2026-10-01T00:00:00.000Z',
    seam,
  });
  const g = groupsOf(plan);
  expect(g[P.archiveGroup]).toEqual({
    [P.archivePath]: 's3://raw-bucket/raw/events',
    [P.archiveFrom]: '2026-10-01T00:00:00.000Z',
  });
  expect(g[P.sourceGroup]?.[P.eventTimeFrom]).toBe(seam);
  expect(g[P.sourceGroup]?.[P.initialTimestamp]).toBe(new Date(Date.parse(seam) - SKEW_MS).toISOString());
  // The stream still holds the start position: it is inside the retention.
  expect(Date.parse(seam) - SKEW_MS).toBeGreaterThan(NOW - RETENTION_HOURS * 3_600_000);
  expect(plan.steps[0]).toMatch(/raw archive s3:\/\/raw-bucket\/raw\/events/);
});

test('without --from the replay reads the whole retained stream', async () => {
  const plan = await planReplay(deps(), req);
  const source = groupsOf(plan)[P.sourceGroup] ?? {};
  expect(source[P.initialPosition]).toBe('TRIM_HORIZON');
  expect(source[P.initialTimestamp]).toBeUndefined();
  expect(source[P.eventTimeFrom]).toBeUndefined();
});

test('planning changes nothing (a dry run)', async () => {
  await planReplay(deps(), { ...req, fromMs: NOW - 3_600_000 });
  expect(calls).toEqual([]);
});

test('replay: create and start the second application, flip once it has caught up, hand over, then delete it', async () => {
  const clock = new FakeClock(NOW);
  const d = deps(clock);
  const from = NOW - 24 * 3_600_000;
  const plan = await planReplay(d, { ...req, fromMs: from });
  const r = await executeReplay(d, { ...req, fromMs: from }, plan);
  expect(calls).toEqual([
    `create ${REPLAY}`,
    `start ${REPLAY}`,
    'flip',
    `stop ${LIVE}`,
    `update ${LIVE}`,
    `start ${LIVE}`,
    `stop ${REPLAY}`,
    `delete ${REPLAY}`,
  ]);
  // The replay application copies the live one's code, role, runtime and settings, without snapshots.
  const create = flink.commandCalls(CreateApplicationCommand)[0]?.args[0].input;
  expect(create?.ServiceExecutionRole).toBe('arn:aws:iam::123456789012:role/flink-role');
  expect(create?.RuntimeEnvironment).toBe('FLINK-1_20');
  expect(
    create?.ApplicationConfiguration?.ApplicationCodeConfiguration?.CodeContent?.S3ContentLocation,
  ).toEqual({
    BucketARN: 'arn:aws:s3:::assets',
    FileKey: 'abc.jar',
  });
  expect(create?.ApplicationConfiguration?.ApplicationSnapshotConfiguration).toEqual({
    SnapshotsEnabled: false,
  });
  expect(create?.ApplicationConfiguration?.FlinkApplicationConfiguration?.ParallelismConfiguration).toEqual({
    ConfigurationType: 'CUSTOM',
    Parallelism: 2,
    ParallelismPerKPU: 1,
    AutoScalingEnabled: true,
  });
  expect(create?.ApplicationConfiguration?.EnvironmentProperties?.PropertyGroups).toEqual(
    plan.replayPropertyGroups,
  );
  // The flip waited for the replay to report a lag under --caught-up (no datapoint, then 1 h behind, then 2 s).
  const cwCalls = cw
    .commandCalls(GetMetricDataCommand)
    .map((c) => c.args[0].input.MetricDataQueries?.[0]?.Expression);
  expect(cwCalls.slice(0, 3).every((e) => e?.includes(REPLAY))).toBe(true);
  // Hand-over: the live application writes flink-v4 for event times from H, reading from H − skew, no snapshot.
  const handOver = Date.parse(r.handOverAt);
  expect(handOver % 60_000).toBe(0);
  const live = apps.get(LIVE) as FakeApp;
  const update = flink.commandCalls(UpdateApplicationCommand)[0]?.args[0].input;
  const liveGroups = Object.fromEntries(
    (update?.ApplicationConfigurationUpdate?.EnvironmentPropertyUpdates?.PropertyGroups ?? []).map((g) => [
      g.PropertyGroupId,
      g.PropertyMap,
    ]),
  );
  expect(update?.CurrentApplicationVersionId).toBe(7);
  expect(liveGroups[P.sinkGroup]?.[P.viewName]).toBe('flink-v4');
  expect(liveGroups[P.sourceGroup]?.[P.eventTimeFrom]).toBe(r.handOverAt);
  expect(liveGroups[P.sourceGroup]?.[P.initialTimestamp]).toBe(new Date(handOver - SKEW_MS).toISOString());
  expect(liveGroups[P.archiveGroup]).toBeUndefined();
  expect(live.status).toBe('RUNNING');
  const liveStart = flink.commandCalls(StartApplicationCommand)[1]?.args[0].input;
  expect(liveStart?.RunConfiguration?.ApplicationRestoreConfiguration?.ApplicationRestoreType).toBe(
    'SKIP_RESTORE_FROM_SNAPSHOT',
  );
  // The replay application was deleted only once its windows before H were final.
  expect(clock.now()).toBeGreaterThanOrEqual(handOver + plan.finalizeMs);
  expect(apps.has(REPLAY)).toBe(false);
  expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toEqual({
    Name: req.parameterName,
    Value: 'flink-v4',
    Overwrite: true,
  });
});

test('a replay that never catches up times out (exit 4) before the flip; the live application is untouched', async () => {
  behind[REPLAY] = [86_400_000];
  const d = deps();
  const plan = await planReplay(d, req);
  await expect(executeReplay(d, req, plan)).rejects.toEqual(
    expect.objectContaining({
      exitCode: ExitCode.timedOut,
      message: expect.stringMatching(/still says flink-v3 .*--abort/),
    }),
  );
  expect(calls).toEqual([`create ${REPLAY}`, `start ${REPLAY}`]);
  expect(apps.get(LIVE)?.groups[P.sinkGroup]?.[P.viewName]).toBe('flink-v3');
});

test('a replay application that falls back to READY while starting stops the replay without flipping', async () => {
  flink.on(StartApplicationCommand).callsFake((input) => {
    calls.push(`start ${input.ApplicationName}`);
    (apps.get(input.ApplicationName) as FakeApp).status = 'STOPPING'; // fails to start
    return {};
  });
  const d = deps();
  const plan = await planReplay(d, req);
  await expect(executeReplay(d, req, plan)).rejects.toThrow(/flink-app-replay stopped while starting/);
  expect(calls).not.toContain('flip');
});

test('a second replay is refused while one is in progress; --abort deletes it and leaves serving alone', async () => {
  apps.set(REPLAY, { status: 'RUNNING', version: 1, groups: {}, created: new Date(NOW) });
  await expect(planReplay(deps(), req)).rejects.toThrow(
    /already in progress: flink-app-replay is RUNNING.*--abort/,
  );
  expect(await abortReplay(deps(), LIVE)).toBe(true);
  expect(calls).toEqual([`stop ${REPLAY}`, `delete ${REPLAY}`]);
  expect(flink.commandCalls(StopApplicationCommand)[0]?.args[0].input.Force).toBe(true);
  expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  expect(await abortReplay(deps(), LIVE)).toBe(false);
});

test('refuses a parameter that does not hold flink-v<N>, and a --from in the future', async () => {
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'speed' } });
  await expect(planReplay(deps(), req)).rejects.toThrow(/holds 'speed', expected flink-v<N>/);
  await expect(planReplay(deps(), { ...req, fromMs: NOW + 60_000 })).rejects.toEqual(
    expect.objectContaining({ exitCode: ExitCode.usage }),
  );
});
