import { AddJobFlowStepsCommand, DescribeStepCommand, EMRClient } from '@aws-sdk/client-emr';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  addSparkStep,
  listBatchExecutions,
  sparkStepArgs,
  startBatchExecution,
  waitForExecution,
  waitForStep,
} from '../../cli/lib/batch';
import { FakeClock } from '../../cli/lib/clock';
import { parseDay } from '../../cli/lib/dates';
import { ExitCode } from '../../cli/lib/errors';

const sfn = mockClient(SFNClient);
const emr = mockClient(EMRClient);
beforeEach(() => {
  sfn.reset();
  emr.reset();
});
const ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:batch';

test('batch run starts the state machine with {"date": D} and a name that carries the day', async () => {
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x`, startDate: new Date() });
  const arn = await startBatchExecution(
    new SFNClient({}),
    ARN,
    '2026-11-20',
    Date.parse('2026-11-23T21:00:05.123Z'),
  );
  expect(arn).toBe(`${ARN}:x`);
  const input = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
  expect(JSON.parse(input.input!)).toEqual({ date: '2026-11-20' });
  expect(input.name).toBe('day-2026-11-20-20261123T210005');
});

test('--wait follows the execution until it ends, reporting elapsed time', async () => {
  sfn
    .on(DescribeExecutionCommand)
    .resolvesOnce({ status: 'RUNNING', executionArn: 'e', stateMachineArn: ARN, startDate: new Date() })
    .resolvesOnce({ status: 'RUNNING', executionArn: 'e', stateMachineArn: ARN, startDate: new Date() })
    .resolves({
      status: 'FAILED',
      error: 'Spark',
      cause: 'step failed',
      executionArn: 'e',
      stateMachineArn: ARN,
      startDate: new Date(),
    });
  const clock = new FakeClock();
  const polls: [string, number][] = [];
  const r = await waitForExecution(new SFNClient({}), 'e', {
    clock,
    pollMs: 15_000,
    onPoll: (s, ms) => polls.push([s, ms]),
  });
  expect(r).toEqual({ status: 'FAILED', error: 'Spark', cause: 'step failed', elapsedMs: 30_000 });
  expect(polls).toEqual([
    ['RUNNING', 0],
    ['RUNNING', 15_000],
    ['FAILED', 30_000],
  ]);
});

test('--wait gives up with exit code 4 after the timeout', async () => {
  sfn
    .on(DescribeExecutionCommand)
    .resolves({ status: 'RUNNING', executionArn: 'e', stateMachineArn: ARN, startDate: new Date() });
  await expect(
    waitForExecution(new SFNClient({}), 'e', { clock: new FakeClock(), pollMs: 60_000, timeoutMs: 120_000 }),
  ).rejects.toEqual(expect.objectContaining({ exitCode: ExitCode.timedOut }));
});

test('batch status lists runs with their days, from the name or the input', async () => {
  sfn.on(ListExecutionsCommand).resolves({
    executions: [
      {
        executionArn: 'a',
        stateMachineArn: ARN,
        name: 'day-2026-11-20-20261121T010000',
        status: 'SUCCEEDED',
        startDate: new Date(0),
      },
      {
        executionArn: 'b',
        stateMachineArn: ARN,
        name: 'scheduled-123',
        status: 'FAILED',
        startDate: new Date(0),
      },
    ],
  });
  sfn.on(DescribeExecutionCommand, { executionArn: 'b' }).resolves({
    executionArn: 'b',
    stateMachineArn: ARN,
    status: 'FAILED',
    startDate: new Date(0),
    input: '{"date":"2026-11-19"}',
  });
  const runs = await listBatchExecutions(new SFNClient({}), ARN);
  expect(runs.map((r) => [r.day, r.status])).toEqual([
    ['2026-11-20', 'SUCCEEDED'],
    ['2026-11-19', 'FAILED'],
  ]);
});

describe('Spark step on a running cluster', () => {
  const input = {
    day: '2026-11-20',
    rawBucket: 'raw-b',
    curatedBucket: 'cur-b',
    analyticsBucket: 'ana-b',
    viewTable: 'views',
    region: 'us-east-1',
    entrypoint: 's3://assets/entrypoint.py',
    pyFiles: 's3://assets/src.zip',
  };

  test('args follow lib/contracts/spark-args.json and the lake layout', () => {
    const args = sparkStepArgs(input);
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args.slice(0, 3)).toEqual(['spark-submit', '--deploy-mode', 'cluster']);
    expect(value('--date')).toBe('2026-11-20');
    expect(value('--raw-uri')).toBe('s3://raw-b/raw/events');
    expect(value('--curated-uri')).toBe('s3://cur-b/curated/events');
    expect(value('--quarantine-uri')).toBe('s3://cur-b/quarantine');
    expect(value('--analytics-uri')).toBe('s3://ana-b/analytics');
    expect(value('--view-table')).toBe('views');
    expect(value('--py-files')).toBe('s3://assets/src.zip');
    expect(args).toContain('spark.sql.session.timeZone=UTC');
  });

  test('fails when the contract does not declare an argument the CLI passes', () => {
    const contract = { job: { entrypoint: 'x' }, args: { '--date': { required: true } } };
    expect(() => sparkStepArgs(input, contract)).toThrow(/does not declare --raw-uri/);
  });

  test('adds the step through the EMR API and follows it', async () => {
    emr.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-1'] });
    emr
      .on(DescribeStepCommand)
      .resolvesOnce({ Step: { Status: { State: 'RUNNING' } } })
      .resolves({ Step: { Status: { State: 'COMPLETED' } } });
    const client = new EMRClient({});
    const id = await addSparkStep(client, 'j-1', input);
    const step = emr.commandCalls(AddJobFlowStepsCommand)[0]!.args[0].input;
    expect(step.JobFlowId).toBe('j-1');
    expect(step.Steps![0]!.HadoopJarStep!.Jar).toBe('command-runner.jar');
    const r = await waitForStep(client, 'j-1', id, { clock: new FakeClock(), pollMs: 10_000 });
    expect(r).toEqual({ status: 'COMPLETED', elapsedMs: 10_000 });
  });
});

test('fails on a day that does not exist', () => {
  expect(() => parseDay('2026-02-30')).toThrow(/calendar day/);
  expect(() => parseDay('2026-11-20T00:00')).toThrow(/calendar day/);
  expect(parseDay('2028-02-29')).toBe('2028-02-29');
});
