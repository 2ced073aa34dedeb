import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
import type { EventStream } from '../ingestion/event-stream';
import { layerMonitoring } from './layer-monitoring';
import { iteratorAgeThreshold } from './speed-alarms';

export interface IngestionAlarmsProps {
  readonly events: EventStream;
  readonly alarmTopic: sns.ITopic;
  /** Stream retention; the archive's freshness alarm fires long before records could expire unarchived. */
  readonly retentionHours: number;
  /**
   * Create the layer's dashboards (not with target=localstack).
   * @default true
   */
  readonly dashboards?: boolean;
}

/** Firehose delivers within its buffer interval; an archive this far behind is stuck, not slow. */
const ARCHIVE_FRESHNESS_LIMIT = Duration.minutes(15);

/**
 * Dashboard and alarms of the ingestion layer: stream write throttling and failed puts, archive freshness and
 * delivery failures. All alarms notify the alarm topic.
 */
export function ingestionAlarms(scope: Construct, props: IngestionAlarmsProps): MonitoringFacade {
  const { stream, archive } = props.events;
  const freshnessLimit = Math.min(ARCHIVE_FRESHNESS_LIMIT.toSeconds(), (props.retentionHours * 3600) / 4);
  const firehoseMetric = (metricName: string, statistic: string) =>
    new Metric({
      namespace: 'AWS/Firehose',
      metricName,
      dimensionsMap: { DeliveryStreamName: archive.deliveryStreamName },
      statistic,
      period: Duration.minutes(5),
    });
  return layerMonitoring(scope, { alarmTopic: props.alarmTopic, dashboards: props.dashboards })
    .addLargeHeader('Ingestion: stream and raw archive')
    .monitorKinesisDataStream({
      streamName: stream.streamName,
      alarmFriendlyName: 'EventStream',
      humanReadableName: 'Event stream',
      // Every reader (Firehose, the Lambda consumer, Flink) shows up in the stream's iterator age.
      addIteratorMaxAgeAlarm: {
        Critical: { maxAgeInMillis: iteratorAgeThreshold(props.retentionHours).toMilliseconds() },
      },
      addPutRecordsThrottledAlarm: { Critical: { maxRecordsThrottledThreshold: 0 } },
      addPutRecordsFailedAlarm: { Critical: { maxRecordsFailedThreshold: 0 } },
      addWriteProvisionedThroughputExceededAlarm: { Warning: { maxRecordsThrottledThreshold: 0 } },
    })
    .monitorKinesisFirehose({
      deliveryStreamName: archive.deliveryStreamName,
      alarmFriendlyName: 'RawArchive',
      humanReadableName: 'Raw archive (Firehose)',
    })
    .monitorCustom({
      alarmFriendlyName: 'RawArchiveDelivery',
      humanReadableName: 'Raw archive delivery',
      metricGroups: [
        {
          title: 'Archive freshness (s)',
          metrics: [
            {
              metric: firehoseMetric('DeliveryToS3.DataFreshness', 'Maximum'),
              alarmFriendlyName: 'ArchiveFreshness',
              addAlarm: {
                Critical: {
                  threshold: freshnessLimit,
                  comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
                  treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
                  additionalDescription:
                    'The raw archive is behind: the batch layer and replay will miss data.',
                },
              },
            },
          ],
        },
        {
          title: 'Archive delivery success (ratio)',
          metrics: [
            {
              metric: firehoseMetric('DeliveryToS3.Success', 'Minimum'),
              alarmFriendlyName: 'ArchiveDelivery',
              addAlarm: {
                Critical: {
                  threshold: 1,
                  comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
                  treatMissingDataOverride: TreatMissingData.NOT_BREACHING,
                  additionalDescription:
                    'Firehose failed to put objects into the raw zone (check key and bucket policy).',
                },
              },
            },
          ],
        },
        {
          title: 'Records failing partitioning (to raw/errors/)',
          metrics: [
            {
              metric: firehoseMetric('DeliveryToS3.ObjectCount', 'Sum'),
              alarmFriendlyName: 'ArchiveObjects',
              addAlarm: {},
            },
          ],
        },
      ],
    });
}
