import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
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
    this.lake = new DataLake(this, 'Lake', {
      removalPolicy,
      lifecycle: {
        rawInfrequentAccessDays: s.rawInfrequentAccessDays,
        rawGlacierInstantRetrievalDays: s.rawGlacierInstantRetrievalDays,
        rawDeepArchiveDays: s.rawDeepArchiveDays,
        curatedInfrequentAccessDays: s.curatedInfrequentAccessDays,
        analyticsInfrequentAccessDays: s.analyticsInfrequentAccessDays,
        noncurrentVersionExpirationDays: s.noncurrentVersionExpirationDays,
        accessLogExpirationDays: s.accessLogExpirationDays,
      },
    });
    this.views = new ViewTable(this, 'Views', {
      encryptionKey: this.lake.key,
      removalPolicy,
      deletionProtection: !config.destroyData,
    });
  }
}
