import { type TimeZone, Token } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface DailyBatchScheduleProps {
  /** The batch engine's state machine; its first state is the planner ({@link BatchPlanner.planState}). */
  readonly stateMachine: sfn.IStateMachine;
  /** Hour of the day (0-23, in `timeZone`) of the daily execution. */
  readonly hour: number;
  /** Time zone of `hour`; the days processed are always UTC days (the raw layout's `dt`). */
  readonly timeZone: TimeZone;
}

/**
 * The daily schedule of the batch layer, the same for every engine: EventBridge Scheduler starts the engine's state
 * machine at `hour` with `{"scheduledTime": "<aws.scheduler.scheduled-time>"}`; the planner turns that time into the
 * days to run (D-1, plus missing and late-data days of the lookback).
 */
export class DailyBatchSchedule extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: DailyBatchScheduleProps) {
    super(scope, id);
    if (
      !Token.isUnresolved(props.hour) &&
      (!Number.isInteger(props.hour) || props.hour < 0 || props.hour > 23)
    ) {
      throw new Error(`DailyBatchSchedule hour is ${props.hour}: give a whole hour from 0 to 23`);
    }
    this.schedule = new scheduler.Schedule(this, 'Daily', {
      description: `streamlake daily batch (D-1, missing and late-data days) at ${props.hour}:00 ${props.timeZone.timezoneName}`,
      schedule: scheduler.ScheduleExpression.cron({
        minute: '0',
        hour: String(props.hour),
        timeZone: props.timeZone,
      }),
      target: new schedulerTargets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
      }),
    });
  }
}
