import jsonata from 'jsonata';
import { type Asl, type AslState, allStates, buildBatch, definitionOf, jsonataOf } from './batch-support';

/**
 * The state machine's JSONata expressions, evaluated with the JSONata library Step Functions implements, on the
 * inputs the scheduler, a person and the Map iterations send. The expressions are read from the synthesized
 * definition. Which day a time means is the planner's (test/lambda/batch-planner/plan.test.ts).
 */
let states: Record<string, AslState>;
beforeAll(() => {
  states = allStates(definitionOf(buildBatch().template) as Asl);
});

const START = '2026-11-23T21:00:00.000Z';
const EXECUTION = 'arn:aws:states:us-east-1:111111111111:execution:Batch:day-2026-11-20-1';

function evaluate(field: unknown, states_: Record<string, unknown>): Promise<unknown> {
  return jsonata(jsonataOf(field as string)).evaluate({}, { states: states_ });
}

async function plannerPayload(input: Record<string, unknown>): Promise<unknown> {
  const args = states.Plan.Arguments as { Payload: string };
  return evaluate(args.Payload, { input, context: { Execution: { StartTime: START } } });
}

test('the planner gets the scheduled time and the start time, and no date when none was given', async () => {
  expect(await plannerPayload({ scheduledTime: '2026-11-21T01:00:00Z' })).toEqual({
    scheduledTime: '2026-11-21T01:00:00Z',
    startTime: START,
  });
});

test('the planner gets the date a person asked for', async () => {
  expect(await plannerPayload({ date: '2026-11-02' })).toEqual({ date: '2026-11-02', startTime: START });
});

test('the plan is the state output', () => {
  expect(jsonataOf(states.Plan.Output as string)).toBe('$states.result.Payload');
});

test('the step arguments carry the iteration day after --date and the execution after --run-id', async () => {
  const output = states.BuildStepArgs.Output as { date: string; stepArgs: string[] };
  const at = (name: string) => output.stepArgs[output.stepArgs.indexOf(name) + 1];
  const scope = {
    input: { date: '2026-11-20', clusterId: 'j-1' },
    context: { Execution: { Id: EXECUTION, StartTime: START } },
  };
  expect(await evaluate(at('--date'), scope)).toBe('2026-11-20');
  expect(await evaluate(at('--run-id'), scope)).toBe(EXECUTION);
  expect(await evaluate(output.date, scope)).toBe('2026-11-20');
});

test('a failed day keeps its date, its error and the start of its cause', async () => {
  const output = states.DayFailed.Output as Record<string, unknown>;
  const input = {
    date: '2026-11-18',
    error: {
      Error: 'States.TaskFailed',
      Cause: JSON.stringify({ Step: { Status: 'FAILED' }, pad: 'x'.repeat(5000) }),
    },
  };
  const got = {
    date: await evaluate(output.date, { input }),
    ok: output.ok,
    error: await evaluate(output.error, { input }),
    cause: (await evaluate(output.cause, { input })) as string,
  };
  expect(got).toMatchObject({ date: '2026-11-18', ok: false, error: 'States.TaskFailed' });
  expect(got.cause.startsWith('{"Step":{"Status":"FAILED"}')).toBe(true);
  expect(got.cause).toHaveLength(2000);
});

async function everyDaySucceeded(results: unknown[]): Promise<boolean> {
  const [choice] = states.EveryDaySucceeded.Choices as { Condition: string }[];
  return Boolean(await evaluate(choice.Condition, { input: { results } }));
}

test('the execution succeeds only when every planned day did', async () => {
  expect(await everyDaySucceeded([{ date: '2026-11-20', ok: true }])).toBe(true);
  expect(
    await everyDaySucceeded([
      { date: '2026-11-18', ok: true },
      { date: '2026-11-20', ok: true },
    ]),
  ).toBe(true);
  expect(
    await everyDaySucceeded([
      { date: '2026-11-18', ok: false, cause: 'boom' },
      { date: '2026-11-20', ok: true },
    ]),
  ).toBe(false);
  expect(await everyDaySucceeded([{ date: '2026-11-20', ok: false }])).toBe(false);
});

test('the failure names every failed day and the first error', async () => {
  const cause = (results: unknown[]) => evaluate(states.DaysFailed.Cause, { input: { results } });
  expect(
    await cause([
      { date: '2026-11-18', ok: false, cause: 'no raw partition' },
      { date: '2026-11-19', ok: true },
      { date: '2026-11-20', ok: false, cause: 'other' },
    ]),
  ).toBe('the Spark job failed for 2026-11-18, 2026-11-20; first error: no raw partition');
  expect(await cause([{ date: '2026-11-20', ok: false, cause: 'boom' }])).toBe(
    'the Spark job failed for 2026-11-20; first error: boom',
  );
});
