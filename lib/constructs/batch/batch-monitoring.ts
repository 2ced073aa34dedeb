import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
import { layerMonitoring } from '../monitoring/layer-monitoring';
import type { BatchDeadline } from './batch-deadline';

export interface BatchMonitoringProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly deadline: BatchDeadline;
  readonly alarmTopic: sns.ITopic;
  /**
   * Which engine runs the batch (the dashboard title and the aborted-execution advice differ).
   * @default 'emr'
   */
  readonly engine?: 'emr' | 'mapreduce';
}

/** A daily job fails at most once a day: one failed, aborted or timed-out execution is an alarm (1 of 1 datapoints). */
const ONCE = { datapointsToAlarm: 1, evaluationPeriods: 1, period: Duration.minutes(5) } as const;

/**
 * Dashboard and alarms of the batch layer, all notifying the alarm topic: failed / aborted / timed-out executions,
 * "D-1 not complete by the deadline" (the watermark check's metric) and errors of the check itself.
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
      humanReadableName: 'Batch deadline (days behind D-1)',
      metricGroups: [
        {
          title: 'Days the batch watermark is behind D-1',
          metrics: [
            {
              metric: props.deadline.daysBehind,
              alarmFriendlyName: 'BatchDaysBehind',
              addAlarm: {
                Critical: {
                  threshold: 0,
                  comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
                  // Published once a day at the deadline: an hour without a datapoint is normal.
                  treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
                  datapointsToAlarm: 1,
                  evaluationPeriods: 1,
                  additionalDescription:
                    'D-1 was not processed by the deadline: see docs/batch.md "Run a day by hand".',
                },
              },
            },
          ],
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
