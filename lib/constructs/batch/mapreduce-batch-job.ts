import { CfnOutput, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import planning from '../../contracts/batch-planning.json';
import { MAPREDUCE_DEFAULTS, MapReduceErrors, SCRATCH_PREFIX } from '../../contracts/mapreduce';
import { Outputs } from '../../contracts/outputs';
import { acknowledge } from '../nag';
import type { BatchPlanner } from './batch-planner';
import { MapReduceFunctions } from './mapreduce-functions';

const DEFAULT_EXECUTION_TIMEOUT = Duration.hours(5);
const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
const DEFAULT_MAX_CONCURRENCY = 50;
/** Longest error cause kept per failed day in the execution's output. */
const CAUSE_CHARS = 2000;

export interface MapReduceBatchJobProps {
  readonly rawBucket: s3.IBucket;
  readonly curatedBucket: s3.IBucket;
  /** Holds the analytics tables and the engine's scratch prefix (`mapreduce/`, expired by the lake's lifecycle). */
  readonly analyticsBucket: s3.IBucket;
  /** The lake key (the buckets', the table's, the functions' logs and environment). */
  readonly encryptionKey: kms.IKey;
  /** The views table: the batch view and the per-day completion item. */
  readonly viewTable: dynamodb.ITable;
  /**
   * The batch planner: the first state, which returns the days to run (D-1, missing and late-data days, or the
   * requested date). The shared {@link DailyBatchSchedule} starts the state machine.
   */
  readonly planner: BatchPlanner;
  /**
   * Map and round-1 reduce tasks running at once (each Distributed Map's MaxConcurrency). Lambda's account
   * concurrency (1,000 by default, shared with the stream consumer and the API) must leave room for them.
   * @default 50
   */
  readonly maxConcurrency?: number;
  /**
   * Round-2 reducers at once: they write the batch view, one BatchWriteItem in flight each (the Spark job's
   * `--view-writers`).
   * @default MAPREDUCE_DEFAULTS.viewWriters
   */
  readonly viewWriters?: number;
  /**
   * Largest day the engine runs, in bytes of raw objects; a larger day is refused with a message recommending EMR.
   * @default MAPREDUCE_DEFAULTS.maxDayBytes (100 GiB)
   */
  readonly maxDayBytes?: number;
  /**
   * Longest one execution may run.
   * @default Duration.hours(5)
   */
  readonly executionTimeout?: Duration;
  /**
   * Retention of the execution log and the functions' logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The batch layer without EMR: a standard Step Functions workflow that first asks the batch planner which UTC days to
 * run (as the EMR engine does), then runs them one after the other. Each day: plan (list the day, cut it into work
 * items), a Distributed Map of mappers, two Distributed Maps of reducers (by eventId, then by contentId/type/minute),
 * a finish step that replaces the day's lake partitions and writes the completion item, and a clean-up of the run's
 * scratch files. A failed day is recorded and the next day still runs; the execution then fails naming the failed
 * days. Started by the shared daily schedule and by `streamlake batch run --date D`; it writes the same outputs as
 * the EMR engine, so the serving layer cannot tell the engines apart.
 */
export class MapReduceBatchJob extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: MapReduceFunctions;

  constructor(scope: Construct, id: string, props: MapReduceBatchJobProps) {
    super(scope, id);
    validate(props);
    const maxConcurrency = props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    const viewWriters = props.viewWriters ?? MAPREDUCE_DEFAULTS.viewWriters;
    this.functions = new MapReduceFunctions(this, 'Functions', {
      rawBucket: props.rawBucket,
      curatedBucket: props.curatedBucket,
      analyticsBucket: props.analyticsBucket,
      encryptionKey: props.encryptionKey,
      viewTable: props.viewTable,
      topN: MAPREDUCE_DEFAULTS.topN,
      limits: { ...MAPREDUCE_DEFAULTS, maxDayBytes: props.maxDayBytes ?? MAPREDUCE_DEFAULTS.maxDayBytes },
      removalPolicy: props.removalPolicy,
    });
    const fn = this.functions.functions;

    // 1. The days to run. An invalid {"date"} ends the execution before anything runs.
    const planDays = props.planner.planState(this, 'Plan');
    planDays.addCatch(
      new sfn.Fail(this, 'InvalidDate', {
        error: planning.invalidDateError,
        cause: 'date must be a calendar day yyyy-MM-dd, e.g. {"date":"2026-11-20"}',
      }),
      { errors: [planning.invalidDateError] },
    );
    planDays.addCatch(
      sfn.Fail.jsonata(this, 'PlanFailed', { error: 'PlanFailed', cause: '{% $states.input.Cause %}' }),
      { errors: ['States.ALL'], outputs: '{% $states.errorOutput %}' },
    );

    // 2. A loop over the planned days, oldest first, one at a time (a Choice and variables rather than a Map: the
    // day's Distributed Maps then run at the top level). `$next` indexes `$days`; `$results` collects each day's
    // outcome.
    const startDays = sfn.Pass.jsonata(this, 'StartDays', {
      comment: 'the planned days, oldest first',
      assign: { days: '{% $states.input.days %}', next: 0, results: [] },
    });
    const nextDay = sfn.Choice.jsonata(this, 'NextDay', { comment: 'another planned day to run?' });
    const dayInput = sfn.Pass.jsonata(this, 'DayInput', {
      assign: { day: '{% $days[$next] %}' },
      outputs: { date: '{% $days[$next] %}' },
    });
    // A failed day is recorded and the next one runs: a late-data re-run that fails must not keep D-1 from being
    // computed. The day's completion item is written last (Finish), so a failed day is never served as exact.
    const dayFailed = sfn.Pass.jsonata(this, 'DayFailed', {
      comment: 'record the failed day, go on with the next',
      assign: {
        results: `{% $append($results, [{"date": $day, "ok": false, "error": $states.input.Error, "cause": $substring($string($states.input.Cause), 0, ${CAUSE_CHARS})}]) %}`,
        next: '{% $next + 1 %}',
      },
    });
    const daySucceeded = sfn.Pass.jsonata(this, 'DaySucceeded', {
      comment: 'record the completed day, go on with the next',
      assign: {
        results: '{% $append($results, [{"date": $day, "ok": true}]) %}',
        next: '{% $next + 1 %}',
      },
    });
    const failDay = (state: sfn.TaskStateBase | sfn.DistributedMap) =>
      state.addCatch(dayFailed, { errors: ['States.ALL'], outputs: '{% $states.errorOutput %}' });

    const invoke = (
      stateId: string,
      lambdaFunction: lambda.IFunction,
      payload: Record<string, string>,
      extra: Partial<tasks.LambdaInvokeJsonataProps> = {},
      finalErrors: string[] = [],
    ) => {
      const task = tasks.LambdaInvoke.jsonata(this, stateId, {
        lambdaFunction,
        payload: sfn.TaskInput.fromObject(payload),
        outputs: '{% $states.result.Payload %}',
        ...extra,
      });
      // Step Functions uses the first retrier whose errors match, and States.ALL must come last: the handler's own
      // errors that a retry cannot fix come first, with no attempt.
      if (finalErrors.length > 0) task.addRetry({ errors: finalErrors, maxAttempts: 0 });
      // Transient faults (throttling, S3/DynamoDB errors, a lost invocation): the task writes only its own keys, so a
      // retry replaces what the failed attempt wrote.
      task.addRetry({
        errors: ['States.ALL'],
        interval: Duration.seconds(5),
        maxAttempts: 3,
        backoffRate: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    // The run folder is per day (runs/dt=<day>/<runKey>/), so every day of the execution can share its name.
    const plan = invoke(
      'PlanDay',
      fn.plan,
      {
        date: '{% $states.input.date %}',
        runId: '{% $states.context.Execution.Id %}',
        runKey: "{% $replace($states.context.Execution.Name, /[^A-Za-z0-9._-]/, '-') %}",
      },
      {
        comment: "list the day's raw objects, cut them into work items sized from the day's bytes",
        assign: { plan: '{% $states.result.Payload %}' },
      },
      [MapReduceErrors.noRawPartition, MapReduceErrors.dayTooLarge],
    );
    failDay(plan);

    const phase = (
      stateId: string,
      itemsKey: string,
      lambdaFunction: lambda.IFunction,
      concurrency: number,
      comment: string,
    ) => {
      const map = sfn.DistributedMap.jsonata(this, stateId, {
        comment,
        label: stateId,
        // The plan wrote the work items to the scratch prefix: the list can be far larger than a state's 256 KB.
        // The bucket is named statically (not `$plan.scratchBucket`), so the generated grants are scoped to it.
        itemReader: new sfn.S3JsonItemReader({ bucket: props.analyticsBucket, key: itemsKey }),
        jsonataItemSelector: '{% {"run": $plan.run, "item": $states.context.Map.Item.Value} %}',
        maxConcurrency: concurrency,
        // A missing item means missing data: any item that still fails after its retries fails the run (which can
        // then be redriven, re-running only the failed items, or re-run whole).
        toleratedFailurePercentage: 0,
        mapExecutionType: sfn.StateMachineType.STANDARD,
        resultWriterV2: new sfn.ResultWriterV2({
          bucket: props.analyticsBucket,
          prefix: `{% $plan.runPrefix & 'results/${stateId}' %}`,
          writerConfig: new sfn.WriterConfig({
            outputType: sfn.OutputType.JSONL,
            transformation: sfn.Transformation.COMPACT,
          }),
        }),
        outputs: '{% $states.input %}',
      });
      // A raw object that changed under the run will not change back: no retry.
      const finalErrors = stateId === 'Map' ? [MapReduceErrors.inputChanged] : [];
      const payload = { run: '{% $states.input.run %}', item: '{% $states.input.item %}' };
      map.itemProcessor(invoke(`${stateId}Task`, lambdaFunction, payload, {}, finalErrors));
      return map;
    };

    const mapPhase = phase(
      'Map',
      '{% $plan.items.map %}',
      fn.map,
      maxConcurrency,
      'mappers: one per work item',
    );
    const reduceEvents = phase(
      'ReduceEvents',
      '{% $plan.items.events %}',
      fn['reduce-events'],
      maxConcurrency,
      'round 1, keyed by eventId: first-written copy, curated files, partial counts',
    );
    const reduceCounts = phase(
      'ReduceCounts',
      '{% $plan.items.counts %}',
      fn['reduce-counts'],
      viewWriters,
      'round 2, keyed by (contentId, type, minute): minute counts and their batch view',
    );
    const finish = invoke(
      'Finish',
      fn.finish,
      { run: '{% $plan.run %}' },
      { comment: "replace the day's lake partitions, write the day rows and the completion item" },
    );
    const cleanup = invoke(
      'Cleanup',
      fn.cleanup,
      { run: '{% $plan.run %}' },
      {
        comment: "delete the run's scratch files (the lifecycle rule expires them otherwise)",
        outputs: '{% $plan.run %}',
      },
    );
    for (const state of [mapPhase, reduceEvents, reduceCounts, finish]) failDay(state);
    // The day is complete once Finish succeeded; leftover scratch only costs storage until it expires.
    cleanup.addCatch(daySucceeded);

    // 3. Fail the execution (and alarm) when any planned day failed, naming the days.
    const everyDaySucceeded = sfn.Choice.jsonata(this, 'EveryDaySucceeded', {
      comment: 'the execution fails (and alarms) when any planned day failed',
    })
      .when(
        sfn.Condition.jsonata('{% $count($results[ok = false]) = 0 %}'),
        sfn.Succeed.jsonata(this, 'Done', {
          comment: 'every planned day processed and marked complete',
          outputs: { days: '{% $days %}', results: '{% $results %}' },
        }),
      )
      .otherwise(
        sfn.Fail.jsonata(this, 'DaysFailed', {
          error: MapReduceErrors.daysFailed,
          cause:
            "{% 'the MapReduce batch failed for ' & $join($results[ok = false].date, ', ') & '; first error: ' & $results[ok = false][0].error & ': ' & $results[ok = false][0].cause %}",
        }),
      );

    const definition = planDays
      .next(startDays)
      .next(
        nextDay
          .when(
            sfn.Condition.jsonata('{% $next < $count($days) %}'),
            dayInput
              .next(plan)
              .next(mapPhase)
              .next(reduceEvents)
              .next(reduceCounts)
              .next(finish)
              .next(cleanup)
              .next(daySucceeded),
          )
          .otherwise(everyDaySucceeded),
      );
    dayFailed.next(nextDay);
    daySucceeded.next(nextDay);

    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'streamlake daily batch without EMR: plan, map, two shuffle/reduce rounds, commit',
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.executionTimeout ?? DEFAULT_EXECUTION_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // The Distributed Maps read the item lists and write their results under the scratch prefix only.
    props.analyticsBucket.grantRead(this.stateMachine, `${SCRATCH_PREFIX}*`);
    props.analyticsBucket.grantPut(this.stateMachine, `${SCRATCH_PREFIX}*`);

    props.planner.acknowledgeInvoke(this.stateMachine);
    acknowledge(this.stateMachine, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: ['Resource::*'],
        reason:
          'Statements generated by Step Functions: log delivery (logs:*LogDelivery) and X-Ray tracing only accept Resource *.',
      },
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: [
          /^Resource::<JobFunctions[A-Za-z]+[0-9A-F]{8}\.Arn>:\*$/,
          /^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:(execution|mapRun):.*\*$/,
          /^Resource::<JobStateMachine[0-9A-F]+>\/\*$/,
          'Action::s3:GetObject*',
          'Action::s3:GetBucket*',
          'Action::s3:List*',
          'Action::s3:Abort*',
          'Action::kms:GenerateDataKey*',
          'Action::kms:ReEncrypt*',
          new RegExp(`/${SCRATCH_PREFIX}\\*$`),
          /^Resource::arn:<AWS::Partition>:s3:::.*LakeAnalytics[0-9A-F]+.*\/\*$/,
        ],
        reason:
          "Generated by LambdaInvoke (each engine function, any version) and DistributedMap (its own child executions and map runs); the item lists and results live under the mapreduce/ scratch prefix of the analytics bucket (bucket grants, lake key). The ItemReader and ResultWriter grants cover the analytics bucket's objects because their keys are JSONata expressions of the run; the state machine itself reads and writes nothing else.",
      },
    ]);

    new CfnOutput(this, 'BatchStateMachineArnOutput', {
      key: Outputs.batchStateMachineArn,
      value: this.stateMachine.stateMachineArn,
    });
  }
}

function validate(props: MapReduceBatchJobProps): void {
  const whole = (name: string, value: number | undefined, min: number, max: number) => {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`MapReduceBatchJob ${name} is ${value}: give a whole number from ${min} to ${max}`);
  };
  // Distributed Map runs at most 10,000 child executions at once.
  whole('maxConcurrency', props.maxConcurrency, 1, 10_000);
  whole('viewWriters', props.viewWriters, 1, 100);
  whole('maxDayBytes', props.maxDayBytes, MAPREDUCE_DEFAULTS.mapItemBytes, 10 * 1024 ** 4);
}
