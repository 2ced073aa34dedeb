import { App, Stack, TimeZone } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import jsonata from 'jsonata';
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

describe('the workflow', () => {
  test('plan → map → reduce events → reduce counts → finish → cleanup, in JSONata', () => {
    expect(asl.StartAt).toBe('ResolveDate');
    expect((asl as unknown as { QueryLanguage: string }).QueryLanguage).toBe('JSONata');
    const chain: string[] = [];
    for (let s: string | undefined = asl.States.ValidateDate.Choices ? 'Plan' : undefined; s; ) {
      chain.push(s);
      s = asl.States[s].Next as string | undefined;
    }
    expect(chain).toEqual(['Plan', 'Map', 'ReduceEvents', 'ReduceCounts', 'Finish', 'Cleanup', 'Done']);
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

  test('the day is resolved as the EMR engine resolves it: the CLI\'s {"date"}, the scheduled time, or {}', async () => {
    const resolve = (input: Record<string, unknown>) =>
      jsonata(jsonataOf((asl.States.ResolveDate.Output as { date: string }).date)).evaluate(
        {},
        { states: { input, context: { Execution: { StartTime: '2026-11-23T21:00:00.000Z' } } } },
      );
    // cli/lib/batch.ts startBatchExecution sends {"date": day}.
    expect(await resolve({ date: '2026-11-20' })).toBe('2026-11-20');
    expect(await resolve({ scheduledTime: '2026-11-21T01:00:00Z' })).toBe('2026-11-20');
    expect(await resolve({})).toBe('2026-11-22');
  });

  test('the item reader takes the list the plan wrote, from the analytics bucket named statically', async () => {
    const reader = asl.States.Map.ItemReader as { Arguments: { Bucket: unknown; Key: string } };
    const plan = { items: { map: 'mapreduce/runs/dt=2026-11-20/x/items/map.json' } };
    expect(await jsonata(jsonataOf(reader.Arguments.Key)).evaluate({}, { plan })).toBe(plan.items.map);
    // A static bucket keeps the generated ItemReader/ResultWriter grants on that bucket instead of on `*`.
    expect(String(reader.Arguments.Bucket)).not.toContain('{%');
  });

  test('the run key is the execution name made safe for an S3 key; the run id is the execution ARN', async () => {
    const payload = (asl.States.Plan.Arguments as { Payload: Record<string, string> }).Payload;
    const context = {
      Execution: { Name: 'day-2026-11-20:manual #1', Id: 'arn:aws:states:x:1:execution:sm:n' },
    };
    const run = async (f: string) => jsonata(jsonataOf(payload[f])).evaluate({}, { states: { context } });
    expect(await run('runKey')).toBe('day-2026-11-20-manual--1');
    expect(await run('runId')).toBe(context.Execution.Id);
  });

  test('a day too large or without raw objects fails at once, with the handler message as the cause', () => {
    const retry = asl.States.Plan.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[];
    const refusal = retry.findIndex((r) => r.ErrorEquals.includes('DayTooLarge'));
    expect(retry[refusal].MaxAttempts).toBe(0);
    expect(refusal).toBeLessThan(retry.findIndex((r) => r.ErrorEquals.includes('States.ALL')));
    for (const name of ['DayTooLarge', 'NoRawPartition']) {
      expect(asl.States[name]).toEqual({ Type: 'Fail', Error: name, Cause: '{% $states.input.Cause %}' });
    }
  });

  test('a failed cleanup does not fail a completed day', () => {
    const c = asl.States.Cleanup.Catch as { ErrorEquals: string[]; Next: string }[];
    expect(c).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'DoneScratchLeft' })]);
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

test('the schedule is the EMR engine’s: D-1 at the batch hour, in the batch time zone', () => {
  template.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: 'cron(0 1 * * ? *)',
    ScheduleExpressionTimezone: 'UTC',
    Target: { Input: Match.stringLikeRegexp('scheduledTime') },
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
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'K');
    const bucket = new s3.Bucket(stack, 'B');
    const table = new dynamodb.Table(stack, 'T', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    return () =>
      new MapReduceBatchJob(stack, 'Job', {
        rawBucket: bucket,
        curatedBucket: bucket,
        analyticsBucket: bucket,
        encryptionKey: key,
        viewTable: table,
        schedule: { hour: 1, timeZone: TimeZone.ETC_UTC },
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
