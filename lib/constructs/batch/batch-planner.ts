import { Duration, type RemovalPolicy, Token } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct, type IConstruct } from 'constructs';
import planning from '../../contracts/batch-planning.json';
import { LakePrefixes } from '../../contracts/lake-layout';
import { NodeFunction } from '../common/node-function';
import { acknowledge } from '../nag';
import { grantListRawEvents, grantReadCompletions } from './batch-grants';

const MAX_LOOKBACK_DAYS = planning.limits.maxLookbackDays;

export interface BatchPlannerProps {
  /** The views table holding the completion items (`meta#batch` / `day#<D>`). */
  readonly viewTable: dynamodb.ITable;
  /** The raw bucket; the planner lists `raw/events/dt=<D>/` of the days it looks at, and reads no object. */
  readonly rawBucket: s3.IBucket;
  /** Days before the scheduled day checked for late data and missing runs (0 to 14). */
  readonly lookbackDays: number;
  /** The lake key: encrypts the function's log group and environment. */
  readonly encryptionKey: kms.IKey;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the function's log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The first state of every batch execution, whichever engine runs it: a function (`lambda/batch-planner`) that returns
 * the days to run. The scheduled day (D-1) always, plus each day of the lookback whose batch run is missing (a failed
 * or never-run day with raw objects) or whose raw objects changed since its run (late data, per the completion item's
 * input description). A run for a given date (`{"date": …}`) plans that day only.
 *
 * Input `{date?, scheduledTime?, startTime?}`, output `{target, days, plan, lateData, missing, lookbackDays}`
 * (lambda/batch-planner/handler.ts); {@link planState} builds the state that calls it.
 */
export class BatchPlanner extends Construct {
  /** The planner with its role and log group. */
  readonly function: NodeFunction;
  readonly handler: nodejs.NodejsFunction;
  /** Most days one plan holds: the lookback plus the scheduled day. */
  readonly maxDays: number;
  /** Days of the lookback found with late data, per plan. */
  readonly lateDataDays: Metric;
  /** Days of the lookback found without a completed run (re-run by the same execution), per plan. */
  readonly missingDays: Metric;
  /** Days each plan runs. */
  readonly plannedDays: Metric;

  constructor(scope: Construct, id: string, props: BatchPlannerProps) {
    super(scope, id);
    const { lookbackDays } = props;
    if (
      !Token.isUnresolved(lookbackDays) &&
      (!Number.isInteger(lookbackDays) || lookbackDays < 0 || lookbackDays > MAX_LOOKBACK_DAYS)
    ) {
      throw new Error(
        `BatchPlanner lookbackDays is ${lookbackDays}: give a whole number of days from 0 to ${MAX_LOOKBACK_DAYS}`,
      );
    }
    this.maxDays = lookbackDays + 1;
    // Called synchronously by the state machine's first state: a failure fails that state, no async queue needed.
    this.function = new NodeFunction(this, 'Handler', {
      handlerDir: 'batch-planner',
      encryptionKey: props.encryptionKey,
      timeout: Duration.seconds(60),
      description:
        'streamlake batch planner: which days the batch execution runs (D-1, missing days, late data)',
      environment: {
        VIEW_TABLE_NAME: props.viewTable.tableName,
        RAW_BUCKET_NAME: props.rawBucket.bucketName,
        RAW_PREFIX: LakePrefixes.rawEvents,
        LOOKBACK_DAYS: String(lookbackDays),
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.handler = this.function.function;
    grantReadCompletions(this.handler, props.viewTable);
    grantListRawEvents(this.handler, props.rawBucket);

    const { namespace, planner: names } = planning.metrics;
    const metric = (metricName: string) =>
      new Metric({
        namespace,
        metricName,
        dimensionsMap: { service: names.service },
        statistic: 'Maximum',
        period: Duration.hours(1),
      });
    this.lateDataDays = metric(names.lateDataDays);
    this.missingDays = metric(names.missingDays);
    this.plannedDays = metric(names.plannedDays);
  }

  /**
   * The cdk-nag acknowledgement a state machine calling the planner needs: the LambdaInvoke integration grants
   * `lambda:InvokeFunction` on the function and on `<arn>:*` (its versions and aliases).
   */
  acknowledgeInvoke(stateMachine: IConstruct): void {
    // The function's logical ID is its construct path below the stack, joined, plus a hash.
    const logicalIdPrefix = this.handler.node.path.split('/').slice(1).join('');
    acknowledge(stateMachine, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: [new RegExp(`^Resource::<${logicalIdPrefix}[0-9A-F]+\\.Arn>:\\*$`)],
        reason:
          'Generated by the LambdaInvoke task that calls the batch planner: invoking that one function, any version or alias of it.',
      },
    ]);
  }

  /**
   * A JSONata task state that calls the planner with the execution's input (`date` or `scheduledTime`) and its start
   * time, and outputs the plan. An invalid date fails with error `InvalidDate` (catch it to end the execution).
   */
  planState(scope: Construct, id: string): tasks.LambdaInvoke {
    return tasks.LambdaInvoke.jsonata(scope, id, {
      comment:
        'which days to run: D-1, plus missing and late-data days of the lookback, or the requested date',
      lambdaFunction: this.handler,
      // One JSONata object: a field whose value is undefined (no date, no scheduledTime) is left out.
      payload: sfn.TaskInput.fromText(
        '{% {"date": $states.input.date, "scheduledTime": $states.input.scheduledTime, "startTime": $states.context.Execution.StartTime} %}',
      ),
      outputs: '{% $states.result.Payload %}',
    });
  }
}
