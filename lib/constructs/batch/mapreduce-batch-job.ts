import { CfnOutput, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { MAPREDUCE_DEFAULTS, MapReduceErrors, SCRATCH_PREFIX } from '../../contracts/mapreduce';
import { Outputs } from '../../contracts/outputs';
import { acknowledge } from '../nag';
import { MapReduceFunctions } from './mapreduce-functions';
import type { BatchSchedule } from './spark-batch-job';

const DEFAULT_EXECUTION_TIMEOUT = Duration.hours(5);
const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
const DEFAULT_MAX_CONCURRENCY = 50;
const DAY_PATTERN = '/^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/';

export interface MapReduceBatchJobProps {
  readonly rawBucket: s3.IBucket;
  readonly curatedBucket: s3.IBucket;
  /** Holds the analytics tables and the engine's scratch prefix (`mapreduce/`, expired by the lake's lifecycle). */
  readonly analyticsBucket: s3.IBucket;
  /** The lake key (the buckets', the table's, the functions' logs and environment). */
  readonly encryptionKey: kms.IKey;
  /** The views table: the batch view and the per-day completion item. */
  readonly viewTable: dynamodb.ITable;
  /** The daily run, the same schedule the EMR engine uses. */
  readonly schedule: BatchSchedule;
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
 * The batch layer without EMR: a standard Step Functions workflow per UTC day — plan (list the day, cut it into
 * work items), a Distributed Map of mappers, two Distributed Maps of reducers (by eventId, then by
 * contentId/type/minute), a finish step that replaces the day's lake partitions and writes the completion item, and
 * a clean-up of the run's scratch files. Started by the same daily schedule as the EMR engine and by
 * `streamlake batch run --date D`; it writes the same outputs, so the serving layer cannot tell the engines apart.
 */
export class MapReduceBatchJob extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
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

    // Same day resolution as the EMR engine: {"date"} from a person or the CLI, else D-1 (UTC) of the scheduled time
    // or of the execution's start.
    const resolveDate = sfn.Pass.jsonata(this, 'ResolveDate', {
      comment: 'date from the input, else D-1 (UTC) of the scheduled or start time',
      outputs: {
        date: `{% $exists($states.input.date) ? $states.input.date : $fromMillis($toMillis($exists($states.input.scheduledTime) ? $states.input.scheduledTime : $states.context.Execution.StartTime) - 86400000, '[Y0001]-[M01]-[D01]') %}`,
      },
    });
    const invalidDate = new sfn.Fail(this, 'InvalidDate', {
      error: 'InvalidDate',
      cause: 'date must be a day yyyy-MM-dd, e.g. {"date":"2026-11-20"}',
    });

    // A task's own errors that a retry cannot fix go to a Fail state of the same name, with the handler's message.
    const failWith = (name: string) =>
      sfn.Fail.jsonata(this, name, { error: name, cause: '{% $states.input.Cause %}' });
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

    const plan = invoke(
      'Plan',
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
    plan.addCatch(failWith(MapReduceErrors.noRawPartition), {
      errors: [MapReduceErrors.noRawPartition],
      outputs: '{% $states.errorOutput %}',
    });
    plan.addCatch(failWith(MapReduceErrors.dayTooLarge), {
      errors: [MapReduceErrors.dayTooLarge],
      outputs: '{% $states.errorOutput %}',
    });

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
    const done = new sfn.Succeed(this, 'Done', { comment: 'day processed and marked complete' });
    // The day is complete once Finish succeeded; leftover scratch only costs storage until it expires.
    cleanup.addCatch(
      new sfn.Succeed(this, 'DoneScratchLeft', { comment: 'day complete; scratch left to expire' }),
    );

    const definition = resolveDate.next(
      sfn.Choice.jsonata(this, 'ValidateDate', {
        comment: 'yyyy-MM-dd (the plan checks the calendar day too)',
      })
        .when(
          sfn.Condition.jsonata(
            `{% $type($states.input.date) = 'string' and $contains($states.input.date, ${DAY_PATTERN}) %}`,
          ),
          plan.next(mapPhase).next(reduceEvents).next(reduceCounts).next(finish).next(cleanup).next(done),
        )
        .otherwise(invalidDate),
    );

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

    this.schedule = new scheduler.Schedule(this, 'Daily', {
      description: `streamlake daily MapReduce batch for D-1 at ${props.schedule.hour}:00 ${props.schedule.timeZone.timezoneName}`,
      schedule: scheduler.ScheduleExpression.cron({
        minute: '0',
        hour: String(props.schedule.hour),
        timeZone: props.schedule.timeZone,
      }),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
      }),
    });

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
  whole('schedule.hour', props.schedule.hour, 0, 23);
  whole('maxDayBytes', props.maxDayBytes, MAPREDUCE_DEFAULTS.mapItemBytes, 10 * 1024 ** 4);
}
