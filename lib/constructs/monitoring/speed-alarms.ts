import { Duration } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
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

export interface ConsumerAlarmsProps {
  readonly consumer: StreamConsumer;
  readonly alarmTopic: sns.ITopic;
  readonly retentionHours: number;
  readonly maxRecordAge: Duration;
}

/** Dashboard and alarms of the Lambda speed layer: iterator age, errors, throttles, dead-letter depth. */
export function consumerAlarms(scope: Construct, props: ConsumerAlarmsProps): MonitoringFacade {
  const { consumer } = props;
  return layerMonitoring(scope, { alarmTopic: props.alarmTopic })
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
    .monitorSqsQueue({
      queue: consumer.malformedQueue,
      alarmFriendlyName: 'MalformedRecords',
      humanReadableName: 'Malformed records (dead letters)',
      addQueueMaxSizeAlarm: { Critical: { maxMessageCount: 0 } },
    })
    .monitorSqsQueue({
      queue: consumer.failedBatchQueue,
      alarmFriendlyName: 'FailedBatches',
      humanReadableName: 'Failed batches (on-failure destination)',
      addQueueMaxSizeAlarm: { Critical: { maxMessageCount: 0 } },
    });
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
