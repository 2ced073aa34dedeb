import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { PROD_RESERVED_CONCURRENCY, QueryApi } from '../constructs/serving/query-api';
import type { ViewTable } from '../constructs/storage/view-table';
import { StreamlakeStack, type StreamlakeStackProps } from './streamlake-stack';

export interface ServingStackProps extends StreamlakeStackProps {
  /** The views table (Storage stack); the API only reads it. */
  readonly views: ViewTable;
  /** The lake key: the views table's, and the one the API's logs and environment are encrypted with. */
  readonly key: kms.IKey;
  /** Every alarm of the layer notifies this topic (Monitoring stack). */
  readonly alarmTopic: sns.ITopic;
}

/** Serving: the IAM-authorized query API over the views, for both architectures. */
export class ServingStack extends StreamlakeStack {
  readonly queryApi: QueryApi;

  constructor(scope: Construct, props: ServingStackProps) {
    super(scope, 'Serving', props);
    const { config } = props;
    const s = config.settings;
    this.queryApi = new QueryApi(this, 'QueryApi', {
      table: props.views.table,
      tableEncryptionKey: props.key,
      encryptionKey: props.key,
      architecture: config.architecture,
      speedEngine: config.architecture === 'kappa' ? 'flink' : config.speedEngine,
      viewVersionParameterName: `/streamlake/${config.stage}/view-version`,
      // The pointer starts at the view the deployed Flink job writes.
      initialViewVersion: s.flinkViewVersion,
      maxRange: Duration.days(s.servingMaxRangeDays),
      // A Flink day total is final once the job's allowed lateness (and out-of-orderness) has passed.
      daySettle: Duration.minutes(
        s.flinkAllowedLatenessMinutes + Math.ceil(s.flinkOutOfOrdernessSeconds / 60),
      ),
      alarmTopic: props.alarmTopic,
      // A reservation needs an account with 100 concurrency left unreserved: prod accounts have it, a new dev account
      // (quota 10 or 50) would fail to deploy.
      reservedConcurrency: config.stage === 'prod' ? PROD_RESERVED_CONCURRENCY : undefined,
      removalPolicy: config.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
  }
}
