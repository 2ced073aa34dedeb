import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
import { layerMonitoring } from '../monitoring/layer-monitoring';
import type { BatchDeadline } from './batch-deadline';
import type { BatchPlanner } from './batch-planner';

export interface BatchMonitoringProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly deadline: BatchDeadline;
  readonly planner: BatchPlanner;
  readonly alarmTopic: sns.ITopic;
  /**
   * Which engine runs the batch (the dashboard title and the aborted-execution advice differ).
   * @default 'emr'
   */
  readonly engine?: 'emr' | 'mapreduce';
}

/** A daily job fails at most once a day: one failed, aborted or timed-out execution is an alarm (1 of 1 datapoints). */
const ONCE = { datapointsToAlarm: 1, evaluationPeriods: 1, period: Duration.minutes(5) } as const;

/** A metric published once a day: an hour without a datapoint is normal. */
const DAILY = {
  comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
  treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
  datapointsToAlarm: 1,
  evaluationPeriods: 1,
} as const;

/**
 * Dashboard and alarms of the batch layer, all notifying the alarm topic: failed / aborted / timed-out executions,
 * days past their deadline without a completed run (the deadline check's metric), late data found by the planner,
 * and errors of the deadline check itself.
 */
export function batchMonitoring(scope: Construct, props: BatchMonitoringProps): MonitoringFacade {
  const mapreduce = props.engine === 'mapreduce';
  return layerMonitoring(scope, { alarmTopic: props.alarmTopic })
    .addLargeHeader(
      mapreduce
        ? 'Batch: daily MapReduce engine (Step Functions + Lambda)'
        : 'Batch: daily Spark job on transient EMR',
    )
    .monitorStepFunction({
      stateMachine: props.stateMachine,
      alarmFriendlyName: 'BatchStateMachine',
      humanReadableName: 'Daily batch (Step Functions)',
      addFailedExecutionCountAlarm: { Critical: { maxErrorCount: 0, ...ONCE } },
      addAbortedExecutionCountAlarm: {
        Critical: {
          maxErrorCount: 0,
          ...ONCE,
          alarmDescriptionOverride: mapreduce
            ? 'A batch execution was stopped: the day is not complete. Re-run it (streamlake batch run --date D); its scratch files expire by lifecycle.'
            : 'A batch execution was stopped: its cluster is only terminated by the EMR idle timeout. Check the EMR console.',
        },
      },
      addTimedOutExecutionCountAlarm: { Critical: { maxErrorCount: 0, ...ONCE } },
    })
    .monitorCustom({
      alarmFriendlyName: 'BatchDeadline',
      humanReadableName: 'Batch deadline (days without a completed run)',
      metricGroups: [
        {
          title: 'Days past their deadline without a completed batch run',
          metrics: [
            {
              metric: props.deadline.daysMissing,
              alarmFriendlyName: 'BatchDaysMissing',
              addAlarm: {
                Critical: {
                  threshold: 0,
                  ...DAILY,
                  additionalDescription:
                    'A day up to D-1 has no completed batch run: serving answers it from the speed view, provisional. The check logs which days; see docs/runbook.md "A batch day failed".',
                },
              },
            },
          ],
        },
      ],
    })
    .monitorCustom({
      alarmFriendlyName: 'BatchPlanner',
      humanReadableName: 'Batch planner (days re-run)',
      metricGroups: [
        {
          title: 'Days re-run for late data',
          metrics: [
            {
              metric: props.planner.lateDataDays,
              alarmFriendlyName: 'LateDataDays',
              addAlarm: {
                Warning: {
                  threshold: 0,
                  ...DAILY,
                  additionalDescription:
                    'Raw events of an already computed day arrived after its run; the same execution re-runs those days. See docs/runbook.md "Late data".',
                },
              },
            },
          ],
        },
        {
          title: 'Days planned (all reasons) and days re-run because their run was missing',
          metrics: [props.planner.plannedDays, props.planner.missingDays],
        },
      ],
    })
    .monitorLambdaFunction({
      lambdaFunction: props.deadline.handler,
      alarmFriendlyName: 'BatchDeadlineCheck',
      humanReadableName: 'Batch deadline check (Lambda)',
      addFaultCountAlarm: { Critical: { maxErrorCount: 0, ...ONCE } },
    });
}
