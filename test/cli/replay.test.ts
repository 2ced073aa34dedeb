import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeApplicationCommand,
  type DescribeApplicationResponse,
  KinesisAnalyticsV2Client,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeClock } from '../../cli/lib/clock';
import { ExitCode } from '../../cli/lib/errors';
import { executeReplay, FLINK_PROPERTIES as P, planReplay, type ReplayRequest } from '../../cli/lib/replay';

const ssm = mockClient(SSMClient);
const flink = mockClient(KinesisAnalyticsV2Client);
const cw = mockClient(CloudWatchClient);
const calls: string[] = [];

function app(status: string, version = 7): DescribeApplicationResponse {
  return {
    ApplicationDetail: {
      ApplicationARN: 'arn:app',
      ApplicationName: 'flink-app',
      RuntimeEnvironment: 'FLINK-1_20',
      ApplicationStatus: status as 'RUNNING',
      ApplicationVersionId: version,
      ApplicationConfigurationDescription: {
        EnvironmentPropertyDescriptions: {
          PropertyGroupDescriptions: [
            {
              PropertyGroupId: P.sourceGroup,
              PropertyMap: { 'stream.arn': 'arn:stream', [P.initialPosition]: 'LATEST' },
            },
            {
              PropertyGroupId: P.sinkGroup,
              PropertyMap: { 'table.name': 'views', [P.viewName]: 'flink-v3' },
            },
            { PropertyGroupId: 'Job', PropertyMap: { 'allowed.lateness.minutes': '10' } },
          ],
        },
      },
    },
  } as DescribeApplicationResponse;
}

const FROM = Date.parse('2026-11-20T00:00:00.000Z');
const req: ReplayRequest = {
  applicationName: 'flink-app',
  parameterName: '/streamlake/dev/view',
  fromMs: FROM,
  pollMs: 30_000,
  timeoutMs: 3_600_000,
};

beforeEach(() => {
  ssm.reset();
  flink.reset();
  cw.reset();
  calls.length = 0;
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: req.parameterName, Value: 'flink-v3' } });
  ssm.on(PutParameterCommand).callsFake(() => {
    calls.push('flip');
    return {};
  });
  flink.on(StopApplicationCommand).callsFake(() => {
    calls.push('stop');
    return {};
  });
  flink.on(UpdateApplicationCommand).callsFake(() => {
    calls.push('update');
    return {};
  });
  flink.on(StartApplicationCommand).callsFake(() => {
    calls.push('start');
    return {};
  });
});

const deps = () => ({
  ssm: new SSMClient({}),
  flink: new KinesisAnalyticsV2Client({}),
  cloudwatch: new CloudWatchClient({}),
  clock: new FakeClock(Date.parse('2026-11-23T12:00:00.000Z')),
});

test('the plan takes version N+1 and sets the sink view and the AT_TIMESTAMP start, keeping other groups', async () => {
  flink.on(DescribeApplicationCommand).resolves(app('RUNNING'));
  const plan = await planReplay(deps(), req);
  expect(plan.currentView).toBe('flink-v3');
  expect(plan.nextView).toBe('flink-v4');
  const groups = Object.fromEntries(plan.propertyGroups.map((g) => [g.PropertyGroupId, g.PropertyMap]));
  expect(groups[P.sinkGroup]).toEqual({ 'table.name': 'views', [P.viewName]: 'flink-v4' });
  expect(groups[P.sourceGroup]).toEqual({
    'stream.arn': 'arn:stream',
    [P.initialPosition]: 'AT_TIMESTAMP',
    [P.initialTimestamp]: '2026-11-20T00:00:00.000Z',
  });
  expect(groups['Job']).toEqual({ 'allowed.lateness.minutes': '10' });
  expect(plan.steps[0]).toMatch(/^stop flink-app/);
});

test('without --from the source starts at TRIM_HORIZON', async () => {
  flink.on(DescribeApplicationCommand).resolves(app('READY'));
  const { fromMs: _drop, ...noFrom } = req;
  const plan = await planReplay(deps(), noFrom);
  const source = plan.propertyGroups.find((g) => g.PropertyGroupId === P.sourceGroup)!.PropertyMap!;
  expect(source[P.initialPosition]).toBe('TRIM_HORIZON');
  expect(source[P.initialTimestamp]).toBeUndefined();
});

test('a dry run (plan only) changes nothing', async () => {
  flink.on(DescribeApplicationCommand).resolves(app('RUNNING'));
  await planReplay(deps(), req);
  expect(calls).toEqual([]);
});

test('replay stops, updates, restarts without snapshot restore, waits for catch-up, then flips the parameter', async () => {
  flink
    .on(DescribeApplicationCommand)
    .resolvesOnce(app('RUNNING')) // plan
    .resolvesOnce(app('STOPPING'))
    .resolvesOnce(app('READY', 8))
    .resolvesOnce(app('STARTING', 9))
    .resolves(app('RUNNING', 9));
  cw.on(GetMetricDataCommand)
    .resolvesOnce({ MetricDataResults: [{ Id: 'behind', Values: [] }] })
    .resolvesOnce({ MetricDataResults: [{ Id: 'behind', Values: [3_600_000] }] })
    .resolves({ MetricDataResults: [{ Id: 'behind', Values: [2_000] }] });
  const d = deps();
  const plan = await planReplay(d, req);
  await executeReplay(d, req, plan);
  expect(calls).toEqual(['stop', 'update', 'start', 'flip']);
  const update = flink.commandCalls(UpdateApplicationCommand)[0]!.args[0].input;
  expect(update.CurrentApplicationVersionId).toBe(8);
  expect(update.ApplicationConfigurationUpdate!.EnvironmentPropertyUpdates!.PropertyGroups).toEqual(
    plan.propertyGroups,
  );
  const start = flink.commandCalls(StartApplicationCommand)[0]!.args[0].input;
  expect(start.RunConfiguration!.ApplicationRestoreConfiguration!.ApplicationRestoreType).toBe(
    'SKIP_RESTORE_FROM_SNAPSHOT',
  );
  expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toEqual({
    Name: req.parameterName,
    Value: 'flink-v4',
    Overwrite: true,
  });
  expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(3);
});

test('a replay that never catches up times out with exit code 4 and leaves the parameter alone', async () => {
  flink.on(DescribeApplicationCommand).resolvesOnce(app('READY')).resolves(app('RUNNING'));
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'behind', Values: [86_400_000] }] });
  const d = deps();
  const plan = await planReplay(d, req);
  await expect(executeReplay(d, req, plan)).rejects.toEqual(
    expect.objectContaining({
      exitCode: ExitCode.timedOut,
      message: expect.stringMatching(/still says flink-v3/),
    }),
  );
  expect(calls).toEqual(['update', 'start']);
});

test('an app that falls back to READY while starting aborts without flipping', async () => {
  flink
    .on(DescribeApplicationCommand)
    .resolvesOnce(app('READY'))
    .resolvesOnce(app('STARTING'))
    .resolves(app('READY'));
  const d = deps();
  const plan = await planReplay(d, req);
  await expect(executeReplay(d, req, plan)).rejects.toThrow(/stopped while starting/);
  expect(calls).not.toContain('flip');
});

test('fails on a parameter that does not hold flink-v<N>', async () => {
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'speed' } });
  flink.on(DescribeApplicationCommand).resolves(app('READY'));
  await expect(planReplay(deps(), req)).rejects.toThrow(/holds 'speed', expected flink-v<N>/);
});

test('fails when --to is not after --from', async () => {
  await expect(planReplay(deps(), { ...req, toMs: FROM })).rejects.toEqual(
    expect.objectContaining({ exitCode: ExitCode.usage }),
  );
});
