import { Duration, type RemovalPolicy, type TimeZone, Token } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import planning from '../../contracts/batch-planning.json';
import { LakePrefixes } from '../../contracts/lake-layout';
import { NodeFunction } from '../common/node-function';
import { grantListRawEvents, grantReadCompletions } from './batch-grants';

/** Days the check looks back by default: a month of days that must stay visible until someone runs them. */
export const DEFAULT_DEADLINE_WINDOW_DAYS = planning.limits.defaultDeadlineWindowDays;
const MAX_WINDOW_DAYS = planning.limits.maxDeadlineWindowDays;

export interface BatchDeadlineProps {
  /** The views table holding the completion items (`meta#batch` / `day#<D>`). */
  readonly viewTable: dynamodb.ITable;
  /** The raw bucket: a day with raw objects must have a completed run (one delimited listing, no object read). */
  readonly rawBucket: s3.IBucket;
  /** Hour (0-23, in `timeZone`) the daily batch starts. */
  readonly scheduleHour: number;
  /** Hour (0-23, in `timeZone`, later than `scheduleHour`) by which D-1 must be complete. */
  readonly deadlineHour: number;
  readonly timeZone: TimeZone;
  /** The lake key: encrypts the function's log group, environment and on-failure queue. */
  readonly encryptionKey: kms.IKey;
  /**
   * How many days, ending with the expected day, are checked for a completion item.
   * @default 31
   */
  readonly windowDays?: number;
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
 * "Does every day up to D-1 have a completed batch run by the deadline?": a small function, run by EventBridge
 * Scheduler at `deadlineHour`, reads the completion items of the window (`windowDays` days ending with the day the
 * preceding run should have processed) and which of those days have raw objects, and publishes how many days are
 * missing (`streamlake/BatchDaysMissing`): D-1 without a completion item, or an older day with raw objects and none.
 * It checks the data, not the orchestration: a failed day hidden by later successes, a run that succeeded without
 * writing its completion, or a schedule that never fired all show up, and stay visible until the day is run.
 */
export class BatchDeadline extends Construct {
  /** The check with its role, log group and on-failure queue. */
  readonly function: NodeFunction;
  readonly handler: nodejs.NodejsFunction;
  readonly schedule: scheduler.Schedule;
  /** Days of the window past their deadline without a completed batch run, published once a day at the deadline. */
  readonly daysMissing: Metric;

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

    const windowDays = props.windowDays ?? DEFAULT_DEADLINE_WINDOW_DAYS;
    if (
      !Token.isUnresolved(windowDays) &&
      (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS)
    ) {
      throw new Error(
        `BatchDeadline windowDays is ${windowDays}: give a whole number of days from 1 to ${MAX_WINDOW_DAYS}`,
      );
    }
    // EventBridge Scheduler invokes the function asynchronously: a check that keeps failing after Lambda's retries
    // leaves its event (with the scheduled time) in the on-failure queue, to re-run by hand.
    this.function = new NodeFunction(this, 'Handler', {
      handlerDir: 'batch-deadline',
      description: 'streamlake: does every day up to D-1 have a completed batch run by the deadline?',
      encryptionKey: props.encryptionKey,
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      asyncInvocation: {},
      environment: {
        VIEW_TABLE_NAME: props.viewTable.tableName,
        RAW_BUCKET_NAME: props.rawBucket.bucketName,
        RAW_PREFIX: LakePrefixes.rawEvents,
        SCHEDULE_LAG_HOURS: String(props.deadlineHour - props.scheduleHour),
        WINDOW_DAYS: String(windowDays),
      },
    });
    this.handler = this.function.function;
    // One Query of the completion items and one delimited listing of raw/events/: grant exactly that.
    grantReadCompletions(this.handler, props.viewTable);
    grantListRawEvents(this.handler, props.rawBucket);

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

    const { namespace, deadline: names } = planning.metrics;
    this.daysMissing = new Metric({
      namespace,
      metricName: names.daysMissing,
      dimensionsMap: { service: names.service },
      statistic: 'Maximum',
      period: Duration.hours(1),
    });
  }
}
