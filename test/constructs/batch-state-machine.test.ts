import jsonata from 'jsonata';
import { type Asl, buildBatch, definitionOf, jsonataOf } from './batch-support';

/**
 * The state machine's JSONata expressions, evaluated with the JSONata library Step Functions implements, on the
 * inputs the scheduler and a person send. The expressions are read from the synthesized definition.
 */
let asl: Asl;
beforeAll(() => {
  asl = definitionOf(buildBatch().template);
});

const START = '2026-11-23T21:00:00.000Z';

async function resolveDate(input: Record<string, unknown>): Promise<unknown> {
  const output = asl.States.ResolveDate.Output as { date: string };
  return jsonata(jsonataOf(output.date)).evaluate(
    {},
    { states: { input, context: { Execution: { StartTime: START } } } },
  );
}

async function accepts(date: unknown): Promise<boolean> {
  const [choice] = asl.States.ValidateDate.Choices as { Condition: string; Next: string }[];
  expect(choice.Next).toBe('BuildStepArgs');
  expect(asl.States.ValidateDate.Default).toBe('InvalidDate');
  return Boolean(await jsonata(jsonataOf(choice.Condition)).evaluate({}, { states: { input: { date } } }));
}

test('the first state resolves the day, then validates it before anything is created', () => {
  expect(asl.StartAt).toBe('ResolveDate');
  expect(asl.States.ResolveDate.Next).toBe('ValidateDate');
  expect(asl.States.InvalidDate.Type).toBe('Fail');
});

test('an explicit date is used as given', async () => {
  expect(await resolveDate({ date: '2026-11-20' })).toBe('2026-11-20');
});

test('a scheduled run processes the UTC day before its scheduled time', async () => {
  expect(await resolveDate({ scheduledTime: '2026-11-21T01:00:00Z' })).toBe('2026-11-20');
});

test('D-1 crosses month ends and leap days by the calendar', async () => {
  expect(await resolveDate({ scheduledTime: '2026-03-01T00:30:00Z' })).toBe('2026-02-28');
  expect(await resolveDate({ scheduledTime: '2028-03-01T00:30:00Z' })).toBe('2028-02-29');
  expect(await resolveDate({ scheduledTime: '2027-01-01T05:00:00Z' })).toBe('2026-12-31');
});

test('a schedule in a time zone east of UTC still names the previous UTC day of the run instant', async () => {
  // 01:00 in Asia/Kolkata on 21 Nov is 19:30 UTC on 20 Nov: the last complete UTC day is 19 Nov.
  expect(await resolveDate({ scheduledTime: '2026-11-20T19:30:00Z' })).toBe('2026-11-19');
});

test('an execution started with {} processes D-1 of its start time', async () => {
  expect(await resolveDate({})).toBe('2026-11-22');
});

test('validation accepts yyyy-MM-dd days', async () => {
  expect(await accepts('2026-11-20')).toBe(true);
  expect(await accepts('2028-02-29')).toBe(true);
});

test('validation rejects other shapes and out-of-range months and days', async () => {
  for (const bad of [
    '2026-13-01',
    '2026-00-10',
    '2026-11-32',
    '20261120',
    '2026-11-20T00:00',
    ' 2026-11-20',
    '',
  ]) {
    expect(await accepts(bad)).toBe(false);
  }
  expect(await accepts(20261120)).toBe(false);
  expect(await accepts(null)).toBe(false);
});

test('the step arguments carry the resolved day after --date', async () => {
  const output = asl.States.BuildStepArgs.Output as { date: string; stepArgs: string[] };
  const i = output.stepArgs.indexOf('--date');
  const value = await jsonata(jsonataOf(output.stepArgs[i + 1])).evaluate(
    {},
    { states: { input: { date: '2026-11-20' } } },
  );
  expect(value).toBe('2026-11-20');
  expect(jsonataOf(output.date)).toBe('$states.input.date');
});
