import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import jsonata from 'jsonata';
import { BatchPlanner } from '../../lib/constructs/batch/batch-planner';
import { MapReduceBatchJob } from '../../lib/constructs/batch/mapreduce-batch-job';
import { PHASE_SIZES } from '../../lib/constructs/batch/mapreduce-functions';
import { MAPREDUCE_DEFAULTS } from '../../lib/contracts/mapreduce';
import {
  type Asl,
  type AslState,
  batchNagViolations,
  buildBatch,
  definitionOf,
  jsonataOf,
} from './batch-support';

const context = { batchEngine: 'mapreduce' };
let template: Template;
let asl: Asl;
beforeAll(() => {
  template = buildBatch(context).template;
  asl = definitionOf(template);
});

type Policy = { Statement: { Action: string | string[]; Resource: unknown }[] };
/** Every action the role of one engine function may take (its default policy). */
function actionsOf(phase: string): string[] {
  const id = phase
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^JobFunctions${id}Role`) }] },
  });
  return Object.values(policies).flatMap((p) =>
    (p.Properties.PolicyDocument as Policy).Statement.flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    ),
  );
}

type Catcher = { ErrorEquals: string[]; Next: string; Output?: string };
type Vars = Record<string, unknown>;
const evaluate = (expr: unknown, bindings: Vars) =>
  jsonata(jsonataOf(expr as string)).evaluate({}, bindings) as Promise<unknown>;
async function assigned(state: AslState, vars: Vars, input: unknown): Promise<Vars> {
  const out: Vars = {};
  for (const [k, v] of Object.entries((state.Assign ?? {}) as Record<string, unknown>))
    out[k] =
      typeof v === 'string' && v.startsWith('{%') ? await evaluate(v, { ...vars, states: { input } }) : v;
  return { ...vars, ...out };
}

/**
 * Walks the definition from StartDays to the end as Step Functions would, evaluating its real JSONata (assignments,
 * conditions, the failure cause); a task of a day in `failAt` (day → state name) fails after its retries.
 */
async function runDays(days: string[], failAt: Record<string, string>) {
  let vars: Vars = {};
  let input: unknown = { target: days.at(-1), days };
  let name: string | undefined = 'StartDays';
  const visited: string[] = [];
  for (let steps = 0; name && steps < 200; steps++) {
    const state: AslState = asl.States[name];
    visited.push(name);
    if (state.Type === 'Pass') {
      const output = state.Output
        ? await evaluate((state.Output as Record<string, string>).date, { ...vars, states: { input } })
        : input;
      vars = await assigned(state, vars, input);
      input = state.Output ? { date: output } : input;
      name = state.Next as string;
    } else if (state.Type === 'Choice') {
      const choices = state.Choices as { Condition: string; Next: string }[];
      name = state.Default as string;
      for (const c of choices)
        if (await evaluate(c.Condition, { ...vars, states: { input } })) {
          name = c.Next;
          break;
        }
    } else if (state.Type === 'Fail') {
      return { visited, vars, failed: { error: state.Error, cause: await evaluate(state.Cause, vars) } };
    } else if (state.Type === 'Succeed') {
      return { visited, vars, failed: undefined };
    } else {
      if (failAt[vars.day as string] === name) {
        const [c] = state.Catch as Catcher[];
        expect(c.ErrorEquals).toEqual(['States.ALL']);
        input = { Error: 'States.TaskFailed', Cause: `${name} failed for ${vars.day}` };
        name = c.Next;
      } else name = state.Next as string;
    }
  }
  throw new Error(`no end after ${visited.length} states: ${visited.join(' → ')}`);
}

describe('the workflow', () => {
  test('the planner first, then each planned day: plan → map → reduce events → reduce counts → finish → cleanup', () => {
    expect(asl.StartAt).toBe('Plan');
    expect((asl as unknown as { QueryLanguage: string }).QueryLanguage).toBe('JSONata');
    expect(jsonataOf(asl.States.Plan.Output as string)).toBe('$states.result.Payload');
    expect(asl.States.Plan.Next).toBe('StartDays');
    expect(asl.States.StartDays.Next).toBe('NextDay');
    const chain: string[] = [];
    for (let s: string | undefined = 'DayInput'; s && s !== 'NextDay'; s = asl.States[s].Next as string)
      chain.push(s);
    expect(chain).toEqual([
      'DayInput',
      'PlanDay',
      'Map',
      'ReduceEvents',
      'ReduceCounts',
      'Finish',
      'Cleanup',
      'DaySucceeded',
    ]);
  });

  test('the planner gets the CLI\'s {"date"} or the scheduled time, and the execution start', async () => {
    const payload = (asl.States.Plan.Arguments as { Payload: string }).Payload;
    const context = { Execution: { StartTime: '2026-11-23T21:00:00.000Z' } };
    expect(await evaluate(payload, { states: { input: { date: '2026-11-20' }, context } })).toEqual({
      date: '2026-11-20',
      startTime: context.Execution.StartTime,
    });
    expect(
      await evaluate(payload, { states: { input: { scheduledTime: '2026-11-21T01:00:00Z' }, context } }),
    ).toEqual({ scheduledTime: '2026-11-21T01:00:00Z', startTime: context.Execution.StartTime });
    const catchers = asl.States.Plan.Catch as Catcher[];
    expect(catchers[0]).toMatchObject({ ErrorEquals: ['InvalidDate'], Next: 'InvalidDate' });
    expect(asl.States.InvalidDate.Type).toBe('Fail');
  });

  test('every planned day runs, oldest first, each with its own date', async () => {
    const days = ['2026-11-18', '2026-11-19', '2026-11-20'];
    const run = await runDays(days, {});
    expect(run.failed).toBeUndefined();
    expect(run.visited.filter((s) => s === 'Finish')).toHaveLength(3);
    expect(run.vars.results).toEqual(days.map((date) => ({ date, ok: true })));
  });

  test('a failed day is recorded, the next day still runs, and the execution fails naming the failed day', async () => {
    const run = await runDays(['2026-11-18', '2026-11-20'], { '2026-11-18': 'ReduceEvents' });
    expect(run.visited.filter((s) => s === 'Finish')).toHaveLength(1);
    expect(run.vars.results).toEqual([
      {
        date: '2026-11-18',
        ok: false,
        error: 'States.TaskFailed',
        cause: 'ReduceEvents failed for 2026-11-18',
      },
      { date: '2026-11-20', ok: true },
    ]);
    expect(run.failed).toEqual({
      error: 'MapReduceJobFailed',
      cause:
        'the MapReduce batch failed for 2026-11-18; first error: States.TaskFailed: ReduceEvents failed for 2026-11-18',
    });
  });

  test('a failure in any step of a day before its completion item is caught for that day only', async () => {
    for (const step of ['PlanDay', 'Map', 'ReduceEvents', 'ReduceCounts', 'Finish']) {
      const run = await runDays(['2026-11-19', '2026-11-20'], { '2026-11-20': step });
      expect(run.failed?.cause).toMatch(/^the MapReduce batch failed for 2026-11-20; /);
      expect((run.vars.results as { ok: boolean }[]).map((r) => r.ok)).toEqual([true, false]);
    }
  });

  test('each phase is a Distributed Map reading its items from the scratch prefix, with no tolerated failure', () => {
    for (const name of ['Map', 'ReduceEvents', 'ReduceCounts']) {
      const state = asl.States[name] as AslState & Record<string, never>;
      expect(state.ItemProcessor).toMatchObject({
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      });
      expect(state.ItemReader).toMatchObject({ ReaderConfig: { InputType: 'JSON' } });
      expect(state.ResultWriter).toMatchObject({ WriterConfig: { OutputType: 'JSONL' } });
      expect(state.ToleratedFailurePercentage ?? 0).toBe(0);
      expect(state.ToleratedFailureCount ?? 0).toBe(0);
    }
    expect(asl.States.Map.MaxConcurrency).toBe(50);
    // Round 2 writes the batch view: as many at once as the Spark job's view writers.
    expect(asl.States.ReduceCounts.MaxConcurrency).toBe(MAPREDUCE_DEFAULTS.viewWriters);
  });

  test('the item reader takes the list the plan wrote, from the analytics bucket named statically', async () => {
    const reader = asl.States.Map.ItemReader as { Arguments: { Bucket: unknown; Key: string } };
    const plan = { items: { map: 'mapreduce/runs/dt=2026-11-20/x/items/map.json' } };
    expect(await jsonata(jsonataOf(reader.Arguments.Key)).evaluate({}, { plan })).toBe(plan.items.map);
    // A static bucket keeps the generated ItemReader/ResultWriter grants on that bucket instead of on `*`.
    expect(String(reader.Arguments.Bucket)).not.toContain('{%');
  });

  test('the run key is the execution name made safe for an S3 key; the run id is the execution ARN', async () => {
    const payload = (asl.States.PlanDay.Arguments as { Payload: Record<string, string> }).Payload;
    const context = {
      Execution: { Name: 'day-2026-11-20:manual #1', Id: 'arn:aws:states:x:1:execution:sm:n' },
    };
    const run = async (f: string) =>
      jsonata(jsonataOf(payload[f])).evaluate({}, { states: { context, input: { date: '2026-11-20' } } });
    expect(await run('runKey')).toBe('day-2026-11-20-manual--1');
    expect(await run('runId')).toBe(context.Execution.Id);
    expect(await run('date')).toBe('2026-11-20');
  });

  test('a day too large or without raw objects is not retried: it fails that day at once', () => {
    const retry = asl.States.PlanDay.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[];
    const refusal = retry.findIndex((r) => r.ErrorEquals.includes('DayTooLarge'));
    expect(retry[refusal].MaxAttempts).toBe(0);
    expect(retry[refusal].ErrorEquals).toContain('NoRawPartition');
    expect(refusal).toBeLessThan(retry.findIndex((r) => r.ErrorEquals.includes('States.ALL')));
    expect(asl.States.PlanDay.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'DayFailed' }),
    ]);
  });

  test('a failed cleanup does not fail a completed day', () => {
    const c = asl.States.Cleanup.Catch as { ErrorEquals: string[]; Next: string }[];
    expect(c).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'DaySucceeded' })]);
  });
});

describe('the functions', () => {
  test.each(Object.entries(PHASE_SIZES))(
    '%s runs Node.js 22 on arm64 with its memory and timeout',
    (_phase, size) => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: size.memoryMiB,
        Timeout: size.timeout.toSeconds(),
        Description: Match.stringLikeRegexp(size.what.slice(0, 20)),
      });
    },
  );

  test('only the finish step writes the completion item; only round 2 and finish write the view', () => {
    expect(actionsOf('finish')).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:BatchWriteItem']),
    );
    expect(actionsOf('reduce-counts')).toContain('dynamodb:BatchWriteItem');
    for (const p of ['plan', 'map', 'reduce-events', 'cleanup'])
      expect(actionsOf(p).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    for (const p of ['plan', 'map', 'reduce-events', 'reduce-counts', 'finish', 'cleanup']) {
      const bad = actionsOf(p).filter((a) => /Query|Scan|DeleteItem|UpdateItem/.test(a));
      expect(bad).toEqual([]);
    }
  });

  test('no map or reduce function may delete anything; cleanup deletes only scratch', () => {
    for (const p of ['plan', 'map', 'reduce-events', 'reduce-counts'])
      expect(actionsOf(p).filter((a) => a.startsWith('s3:DeleteObject'))).toEqual([]);
    expect(actionsOf('cleanup')).toEqual(expect.arrayContaining(['s3:DeleteObject*']));
  });
});

test('the shared daily schedule starts this state machine at the batch hour, in the batch time zone', () => {
  template.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: 'cron(0 1 * * ? *)',
    ScheduleExpressionTimezone: 'UTC',
    Target: {
      Arn: { Ref: Match.stringLikeRegexp('^JobStateMachine') },
      Input: Match.stringLikeRegexp('scheduledTime'),
    },
  });
});

test('the state machine ARN is exported under the name the CLI reads', () => {
  template.hasOutput('*', {
    Export: Match.absent(),
    Value: { Ref: Match.stringLikeRegexp('^JobStateMachine') },
  });
});

test('cdk-nag: no unacknowledged finding in the Batch stack with the MapReduce engine', () => {
  expect(batchNagViolations(context)).toEqual([]);
});

describe('fails when', () => {
  const build = (props: Partial<ConstructorParameters<typeof MapReduceBatchJob>[2]>) => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    const key = new kms.Key(stack, 'K');
    const bucket = new s3.Bucket(stack, 'B');
    const table = new dynamodb.Table(stack, 'T', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const planner = new BatchPlanner(stack, 'Planner', {
      viewTable: table,
      rawBucket: bucket,
      lookbackDays: 3,
      encryptionKey: key,
    });
    return () =>
      new MapReduceBatchJob(stack, 'Job', {
        rawBucket: bucket,
        curatedBucket: bucket,
        analyticsBucket: bucket,
        encryptionKey: key,
        viewTable: table,
        planner,
        ...props,
      });
  };
  test.each([
    [{ maxConcurrency: 0 }, 'maxConcurrency is 0: give a whole number from 1 to 10000'],
    [{ viewWriters: 101 }, 'viewWriters is 101'],
    [{ maxDayBytes: 1 }, 'maxDayBytes is 1'],
  ])('%j is given', (props, message) => {
    expect(build(props)).toThrow(message);
  });
});
