import { type App, Tags } from 'aws-cdk-lib';
import { assertNever, type StreamlakeConfig } from './config';
import { BatchStack } from './stacks/batch-stack';
import { IngestionStack } from './stacks/ingestion-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { ServingStack } from './stacks/serving-stack';
import { SpeedStack } from './stacks/speed-stack';
import { StorageStack } from './stacks/storage-stack';
import type { StreamlakeStack } from './stacks/streamlake-stack';

/** What one synthesis deploys: every stack, keyed by layer. */
export interface StreamlakeStacks {
  readonly storage: StorageStack;
  readonly monitoring: MonitoringStack;
  readonly ingestion: IngestionStack;
  readonly all: StreamlakeStack[];
}

/**
 * Composes the stacks for the configured architecture. Adding an architecture is one more case in the switch below.
 * Stateful stacks (Storage, Ingestion) are built the same way, with the same IDs, in every case.
 */
export function buildStreamlake(app: App, config: StreamlakeConfig): StreamlakeStacks {
  Tags.of(app).add('streamlake:project', 'streamlake');
  Tags.of(app).add('streamlake:stage', config.stage);
  Tags.of(app).add('streamlake:architecture', config.architecture);

  const props = { config };
  const storage = new StorageStack(app, props);
  const monitoring = new MonitoringStack(app, props);
  const alarmTopic = monitoring.alarms.topic;
  const ingestion = new IngestionStack(app, { ...props, lake: storage.lake, alarmTopic });
  const all: StreamlakeStack[] = [storage, monitoring, ingestion];

  // Community LocalStack deploys the stateful and ingestion layers only: its EMR, Managed Flink, Glue, Athena and HTTP
  // APIs are Pro features and it runs Lambda only in Docker. The compute runs in the offline runtime instead (docs/localstack.md).
  if (config.target === 'localstack') return { storage, monitoring, ingestion, all };

  const processing = {
    ...props,
    stream: ingestion.events.stream,
    viewTable: storage.views.table,
    encryptionKey: storage.lake.key,
    rawBucket: storage.lake.rawBucket,
    alarmTopic,
  };
  switch (config.architecture) {
    case 'lambda':
      all.push(new BatchStack(app, { config, lake: storage.lake, views: storage.views, alarmTopic }));
      all.push(new SpeedStack(app, { ...processing, layer: 'Speed', engine: config.speedEngine }));
      break;
    case 'kappa':
      all.push(new SpeedStack(app, { ...processing, layer: 'Stream', engine: 'flink' }));
      break;
    default:
      assertNever(config);
  }
  all.push(new ServingStack(app, { ...props, views: storage.views, key: storage.lake.key, alarmTopic }));
  return { storage, monitoring, ingestion, all };
}
