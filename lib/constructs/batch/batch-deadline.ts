import { Duration, RemovalPolicy, type TimeZone, Token } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { DEADLINE_METRIC } from '../../../lambda/batch-deadline/check';
import { NodeFunction } from '../common/node-function';

const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

export interface BatchDeadlineProps {
  /** The views table holding the batch watermark (`meta#batch` / `watermark` / `lastCompletedDay`). */
  readonly viewTable: dynamodb.ITable;
  /** Hour (0-23, in `timeZone`) the daily batch starts. */
  readonly scheduleHour: number;
  /** Hour (0-23, in `timeZone`, later than `scheduleHour`) by which D-1 must be complete. */
  readonly deadlineHour: number;
  readonly timeZone: TimeZone;
  /** The lake key: encrypts the function's log group, environment and on-failure queue. */
  readonly encryptionKey: kms.IKey;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * "Was D-1 processed by the deadline?": a small function, run by EventBridge Scheduler at `deadlineHour`, reads the
 * batch watermark the Spark job advances after a successful day and publishes how many days it is behind
 * (`streamlake/BatchDaysBehind`). It checks the data, not the orchestration: a run that succeeded without writing
 * the view, or a schedule that never fired, both show up.
 */
export class BatchDeadline extends Construct {
  /** The check with its role, log group and on-failure queue. */
  readonly function: NodeFunction;
  readonly handler: nodejs.NodejsFunction;
  readonly schedule: scheduler.Schedule;
  /** Days the batch watermark is behind the expected day, published once per day at the deadline. */
  readonly daysBehind: Metric;

  constructor(scope: Construct, id: string, props: BatchDeadlineProps) {
    super(scope, id);
    for (const [name, value] of [
      ['scheduleHour', props.scheduleHour],
      ['deadlineHour', props.deadlineHour],
    ] as const) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0 || value > 23)) {
        throw new Error(`BatchDeadline ${name} is ${value}: give an hour from 0 to 23`);
      }
    }
    if (props.deadlineHour <= props.scheduleHour) {
      throw new Error(
        `BatchDeadline deadlineHour (${props.deadlineHour}) must be later than scheduleHour (${props.scheduleHour}) on the same day`,
      );
    }

    // EventBridge Scheduler invokes the function asynchronously: a check that keeps failing after Lambda's retries
    // leaves its event (with the scheduled time) in the on-failure queue, to re-run by hand.
    this.function = new NodeFunction(this, 'Handler', {
      handlerDir: 'batch-deadline',
      description: 'streamlake: is the batch watermark at D-1 by the deadline?',
      encryptionKey: props.encryptionKey,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      asyncInvocation: {},
      environment: {
        VIEW_TABLE_NAME: props.viewTable.tableName,
        SCHEDULE_LAG_HOURS: String(props.deadlineHour - props.scheduleHour),
      },
    });
    this.handler = this.function.function;
    // One GetItem on the watermark item: grant that action only (plus the table key's decrypt).
    props.viewTable.grant(this.handler, 'dynamodb:GetItem');
    props.viewTable.encryptionKey?.grantDecrypt(this.handler);

    this.schedule = new scheduler.Schedule(this, 'Daily', {
      description: `streamlake batch deadline check at ${props.deadlineHour}:00 ${props.timeZone.timezoneName}`,
      schedule: scheduler.ScheduleExpression.cron({
        minute: '0',
        hour: String(props.deadlineHour),
        timeZone: props.timeZone,
      }),
      target: new schedulerTargets.LambdaInvoke(this.handler, {
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
      }),
    });

    this.daysBehind = new Metric({
      namespace: DEADLINE_METRIC.namespace,
      metricName: DEADLINE_METRIC.name,
      dimensionsMap: { service: DEADLINE_METRIC.service },
      statistic: 'Maximum',
      period: Duration.hours(1),
    });
  }
}
