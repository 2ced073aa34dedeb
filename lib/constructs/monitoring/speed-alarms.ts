import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
import consumerMetrics from '../../contracts/stream-consumer-metrics.json';
import type { FlinkViewsApp } from '../speed/flink-views-app';
import type { StreamConsumer } from '../speed/stream-consumer';
import { layerMonitoring } from './layer-monitoring';

/**
 * How far behind a stream reader may fall before an alarm: a quarter of the stream's retention (data would be lost at
 * 100%), and never more than half of the consumer's maximum record age.
 */
export function iteratorAgeThreshold(retentionHours: number, maxRecordAge?: Duration): Duration {
  const byRetention = Duration.hours(retentionHours).toMilliseconds() / 4;
  const byRecordAge = maxRecordAge ? maxRecordAge.toMilliseconds() / 2 : Number.POSITIVE_INFINITY;
  return Duration.millis(Math.min(byRetention, byRecordAge));
}

/**
 * When new dead letters raise an alarm. The queues keep messages 14 days for inspection, so an alarm on their depth
 * would stay red for two weeks after one expected malformed record: these alarm on what arrives per period instead
 * (SQS `NumberOfMessagesSent`, which counts the consumer's SendMessage calls and the event source mapping's
 * on-failure sends), and return to OK once a period passes without.
 */
export interface DeadLetterAlarmThresholds {
  /**
   * Share of the records the consumer read in `malformedPeriod` that may be malformed before the critical alarm.
   * @default 1 (percent)
   */
  readonly malformedPercent?: number;
  /**
   * Fewest malformed records in `malformedPeriod` that can raise the alarm, so a handful at night does not page.
   * @default 10
   */
  readonly malformedMinimum?: number;
  /**
   * Period over which the malformed share is measured.
   * @default Duration.minutes(15)
   */
  readonly malformedPeriod?: Duration;
  /**
   * Period in which any failed batch raises the critical alarm (each one is missing from the speed view).
   * @default Duration.minutes(5)
   */
  readonly failedBatchPeriod?: Duration;
}

export const DEAD_LETTER_ALARM_DEFAULTS = {
  malformedPercent: 1,
  malformedMinimum: 10,
  malformedPeriod: Duration.minutes(15),
  failedBatchPeriod: Duration.minutes(5),
} as const;

export interface ConsumerAlarmsProps {
  readonly consumer: StreamConsumer;
  readonly alarmTopic: sns.ITopic;
  readonly retentionHours: number;
  readonly maxRecordAge: Duration;
  /**
   * Thresholds of the dead-letter alarms.
   * @default DEAD_LETTER_ALARM_DEFAULTS
   */
  readonly deadLetters?: DeadLetterAlarmThresholds;
}

/**
 * The malformed share of what the consumer read, in percent, over `period`: 0 below `minimum` malformed records. The
 * denominator is the consumer's own count of the same invocations (valid plus malformed), so a catch-up after an
 * outage does not inflate the share the way the stream's incoming count would.
 */
export function malformedShare(consumer: StreamConsumer, period: Duration, minimum: number): MathExpression {
  const own = (metricName: string) =>
    new Metric({
      namespace: consumerMetrics.namespace,
      metricName,
      dimensionsMap: { service: consumerMetrics.service },
      statistic: 'Sum',
      period,
    });
  return new MathExpression({
    expression: `IF(FILL(sent, 0) >= ${minimum} AND FILL(processed, 0) + FILL(malformed, 0) > 0, 100 * FILL(sent, 0) / (FILL(processed, 0) + FILL(malformed, 0)), 0)`,
    usingMetrics: {
      sent: consumer.malformedQueue.metricNumberOfMessagesSent({ statistic: 'Sum', period }),
      processed: own(consumerMetrics.processedRecords),
      malformed: own(consumerMetrics.malformedRecords),
    },
    label: 'Malformed share of records read (%)',
    period,
  });
}

/**
 * Dashboard and alarms of the Lambda speed layer: iterator age, errors, throttles, and new dead letters (a malformed
 * share above the threshold; any failed batch).
 */
export function consumerAlarms(scope: Construct, props: ConsumerAlarmsProps): MonitoringFacade {
  const { consumer } = props;
  const t = { ...DEAD_LETTER_ALARM_DEFAULTS, ...props.deadLetters };
  if (!(t.malformedPercent > 0 && t.malformedPercent <= 100))
    throw new Error(
      `deadLetters.malformedPercent is ${t.malformedPercent}: give a share above 0 and at most 100`,
    );
  if (!(Number.isInteger(t.malformedMinimum) && t.malformedMinimum >= 1))
    throw new Error(
      `deadLetters.malformedMinimum is ${t.malformedMinimum}: give a whole number of records, at least 1`,
    );
  const once = { datapointsToAlarm: 1, evaluationPeriods: 1 } as const;
  return (
    layerMonitoring(scope, { alarmTopic: props.alarmTopic })
      .addLargeHeader('Speed layer: Lambda stream consumer')
      .monitorLambdaFunction({
        lambdaFunction: consumer.function,
        alarmFriendlyName: 'StreamConsumer',
        humanReadableName: 'Stream consumer',
        isIterator: true,
        addMaxIteratorAgeAlarm: {
          Critical: {
            maxAgeInMillis: iteratorAgeThreshold(props.retentionHours, props.maxRecordAge).toMilliseconds(),
          },
        },
        addFaultCountAlarm: { Critical: { maxErrorCount: 0 } },
        addThrottlesCountAlarm: { Critical: { maxErrorCount: 0 } },
      })
      // Depth and age stay on the dashboard; the alarms look at what is new.
      .monitorSqsQueue({
        queue: consumer.malformedQueue,
        alarmFriendlyName: 'MalformedRecordsQueue',
        humanReadableName: 'Malformed records (dead letters)',
      })
      .monitorCustom({
        alarmFriendlyName: 'MalformedRecords',
        humanReadableName: 'New malformed records',
        metricGroups: [
          {
            title: 'Malformed share of records read (%)',
            metrics: [
              {
                metric: malformedShare(consumer, t.malformedPeriod, t.malformedMinimum),
                alarmFriendlyName: 'MalformedShare',
                addAlarm: {
                  Critical: {
                    threshold: t.malformedPercent,
                    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
                    treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
                    ...once,
                    additionalDescription: `More than ${t.malformedPercent}% of the records read in ${t.malformedPeriod.toHumanString()} (and at least ${t.malformedMinimum}) were malformed: a producer is sending bad events. See docs/runbook.md.`,
                  },
                },
              },
            ],
          },
        ],
      })
      .monitorSqsQueue({
        queue: consumer.failedBatchQueue,
        alarmFriendlyName: 'FailedBatches',
        humanReadableName: 'Failed batches (on-failure destination)',
        addQueueMaxIncomingMessagesAlarm: {
          Critical: {
            maxIncomingMessagesCount: 0,
            period: t.failedBatchPeriod,
            treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
            ...once,
            alarmDescriptionOverride:
              'A batch of records exhausted its retries (or its max record age) and went to the failed-batches queue: its counts are missing from the speed view until the batch run of its day. The message names the shard and sequence range. See docs/runbook.md.',
          },
        },
      })
  );
}

export interface FlinkAlarmsProps {
  readonly app: FlinkViewsApp;
  readonly alarmTopic: sns.ITopic;
}

/** Dashboard and alarms of the Flink job: downtime, failed checkpoints, full restarts, back pressure. */
export function flinkAlarms(scope: Construct, props: FlinkAlarmsProps): MonitoringFacade {
  return layerMonitoring(scope, { alarmTopic: props.alarmTopic })
    .addLargeHeader('Stream processing: Managed Flink views job')
    .monitorKinesisDataAnalytics({
      application: props.app.application.applicationName,
      alarmFriendlyName: 'FlinkViews',
      humanReadableName: 'Flink views job',
      addDowntimeAlarm: { Critical: { maxDowntimeInMillis: 0 } },
      addFullRestartCountAlarm: { Critical: { maxFullRestartCount: 0 } },
      addCheckpointFailureCountAlarm: { Critical: { maxErrorCount: 0 } },
      addBackPressuredTimeMsPerSecondAlarm: { Warning: { maxBackPressuredTimeMsPerSecond: 500 } },
    });
}
