import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { lakeLifecycle } from '../config';
import { LakeCatalog } from '../constructs/storage/catalog';
import { DataLake } from '../constructs/storage/data-lake';
import { ViewTable } from '../constructs/storage/view-table';
import { StreamlakeStack, type StreamlakeStackProps } from './streamlake-stack';

/** Stateful: the lake (key, zones, catalog, workgroup) and the views table. Same IDs in every architecture. */
export class StorageStack extends StreamlakeStack {
  readonly lake: DataLake;
  readonly views: ViewTable;

  constructor(scope: Construct, props: StreamlakeStackProps) {
    super(scope, 'Storage', props);
    const { config } = props;
    const removalPolicy = config.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    if (config.stage === 'dev' && !config.destroyData) {
      Annotations.of(this).addWarningV2(
        'streamlake:retained-data',
        'stage=dev retains the key, the buckets and the views table on `cdk destroy` (the stream too). Pass -c allowDestroy=true to destroy them with the stacks.',
      );
    }
    const s = config.settings;
    // Community LocalStack has no Glue or Athena, and runs the auto-delete custom resource's Lambda only in Docker.
    const aws = config.target === 'aws';
    this.lake = new DataLake(this, 'Lake', {
      removalPolicy,
      catalog: aws,
      autoDeleteObjects: aws,
      lifecycle: lakeLifecycle(s),
    });
    // Glue tables (raw, curated, analytics) and Athena named queries: not in community LocalStack.
    if (aws) new LakeCatalog(this, 'Catalog', { lake: this.lake });
    this.views = new ViewTable(this, 'Views', {
      encryptionKey: this.lake.key,
      removalPolicy,
      deletionProtection: !config.destroyData,
    });
  }
}
