import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LakeLifecycle } from '../../config';
import { LakePrefixes } from '../../contracts/lake-layout';
import { SCRATCH_EXPIRATION_DAYS, SCRATCH_PREFIX } from '../../contracts/mapreduce';
import { Outputs } from '../../contracts/outputs';
import { acknowledge } from '../nag';

/** Lifecycle of the lake's zones, in days after object creation. */
export type { LakeLifecycle };

export interface DataLakeProps {
  readonly lifecycle: LakeLifecycle;
  /**
   * Create the Glue database and the Athena workgroup (not available in community LocalStack).
   * @default true
   */
  readonly catalog?: boolean;
  /**
   * Empty buckets on deletion when `removalPolicy` is DESTROY (a custom resource backed by a Lambda function).
   * @default true
   */
  readonly autoDeleteObjects?: boolean;
  /**
   * What happens to the key, the buckets and their objects when the stack is deleted.
   * @default RemovalPolicy.RETAIN - data outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

export { LakePrefixes };

const ATHENA_RESULTS_EXPIRATION = Duration.days(30);
const EMR_LOG_EXPIRATION = Duration.days(90);
const INCOMPLETE_UPLOAD_ABORT = Duration.days(7);

/**
 * The data lake: a customer-managed KMS key, the raw, curated and analytics zones, an access-log bucket,
 * a Glue database and an Athena workgroup whose results are encrypted with the key.
 */
export class DataLake extends Construct {
  readonly key: kms.Key;
  readonly rawBucket: s3.Bucket;
  readonly curatedBucket: s3.Bucket;
  readonly analyticsBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  /** The Glue database; undefined when `catalog` is false. */
  readonly database?: glue.CfnDatabase;
  readonly databaseName: string;
  /** The Athena workgroup; undefined when `catalog` is false. */
  readonly workGroup?: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    validateLifecycle(props.lifecycle);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const destroy = removalPolicy === RemovalPolicy.DESTROY && (props.autoDeleteObjects ?? true);
    const lc = props.lifecycle;

    this.key = new kms.Key(this, 'Key', {
      description: 'streamlake data lake, stream and views',
      enableKeyRotation: true,
      removalPolicy,
    });
    allowLogGroupEncryption(this.key);

    // S3 server access logs cannot be delivered to a bucket encrypted with a customer-managed key, so this one uses SSE-S3.
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [
        { id: 'expire-logs', expiration: Duration.days(lc.accessLogExpirationDays) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_ABORT },
      ],
      removalPolicy,
      autoDeleteObjects: destroy,
    });
    acknowledge(this.accessLogBucket, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket; logging it into itself would loop.' },
    ]);

    const zone = (zoneId: string, extra: Partial<s3.BucketProps>): s3.Bucket =>
      new s3.Bucket(this, zoneId, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        serverAccessLogsBucket: this.accessLogBucket,
        serverAccessLogsPrefix: `${zoneId.toLowerCase()}/`,
        removalPolicy,
        autoDeleteObjects: destroy,
        ...extra,
      });

    this.rawBucket = zone('Raw', {
      versioned: true,
      lifecycleRules: [
        {
          id: 'tier-raw',
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(lc.rawInfrequentAccessDays),
            },
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(lc.rawGlacierInstantRetrievalDays),
            },
            {
              storageClass: s3.StorageClass.DEEP_ARCHIVE,
              transitionAfter: Duration.days(lc.rawDeepArchiveDays),
            },
          ],
          noncurrentVersionExpiration: Duration.days(lc.noncurrentVersionExpirationDays),
          abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_ABORT,
        },
      ],
    });
    // Curated and analytics are versioned: the batch job replaces a day's partition in place, so a bad run or a
    // mistaken delete can be rolled back for noncurrentVersionExpirationDays; replaced files then expire.
    const noncurrentVersionExpiration = Duration.days(lc.noncurrentVersionExpirationDays);
    const removeDeleteMarkers: s3.LifecycleRule = {
      id: 'remove-expired-delete-markers',
      expiredObjectDeleteMarker: true,
    };
    this.curatedBucket = zone('Curated', {
      versioned: true,
      lifecycleRules: [
        {
          id: 'tier-curated',
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(lc.curatedInfrequentAccessDays),
            },
          ],
          noncurrentVersionExpiration,
          abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_ABORT,
        },
        removeDeleteMarkers,
      ],
    });
    this.analyticsBucket = zone('Analytics', {
      versioned: true,
      lifecycleRules: [
        {
          id: 'tier-analytics',
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(lc.analyticsInfrequentAccessDays),
            },
          ],
          noncurrentVersionExpiration,
          abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_ABORT,
        },
        removeDeleteMarkers,
        {
          id: 'expire-athena-results',
          prefix: LakePrefixes.athenaResults,
          expiration: ATHENA_RESULTS_EXPIRATION,
        },
        { id: 'expire-emr-logs', prefix: LakePrefixes.emrLogs, expiration: EMR_LOG_EXPIRATION },
        // The MapReduce batch engine's shuffle and staging files: a successful run deletes its own, this rule removes
        // what a failed or stopped run left. Present whatever the engine, so switching engines never changes storage.
        {
          id: 'expire-mapreduce-scratch',
          prefix: SCRATCH_PREFIX,
          expiration: Duration.days(SCRATCH_EXPIRATION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    const stack = Stack.of(this);
    this.databaseName = `streamlake_${stack.stackName.replace(/[^A-Za-z0-9]/g, '_').toLowerCase()}`;
    new CfnOutput(this, 'RawBucketNameOutput', {
      key: Outputs.rawBucketName,
      value: this.rawBucket.bucketName,
    });
    new CfnOutput(this, 'CuratedBucketNameOutput', {
      key: Outputs.curatedBucketName,
      value: this.curatedBucket.bucketName,
    });
    new CfnOutput(this, 'AnalyticsBucketNameOutput', {
      key: Outputs.analyticsBucketName,
      value: this.analyticsBucket.bucketName,
    });
    new CfnOutput(this, 'LakeKeyArnOutput', { key: Outputs.lakeKeyArn, value: this.key.keyArn });
    if (props.catalog === false) return;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: this.databaseName, description: 'streamlake: raw, curated and analytics zones' },
    });

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `${stack.stackName}-analytics`,
      description: 'streamlake analytics; results encrypted with the lake key, settings enforced',
      state: 'ENABLED',
      recursiveDeleteOption: removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: 100 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: this.analyticsBucket.s3UrlForObject(LakePrefixes.athenaResults),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.key.keyArn },
        },
      },
    });
    this.workGroup.applyRemovalPolicy(removalPolicy);

    new CfnOutput(this, 'GlueDatabaseNameOutput', {
      key: Outputs.glueDatabaseName,
      value: this.databaseName,
    });
    new CfnOutput(this, 'AthenaWorkGroupNameOutput', {
      key: Outputs.athenaWorkGroupName,
      value: this.workGroup.ref,
    });
  }
}

/**
 * Lets CloudWatch Logs of this account and region encrypt log groups with the key (the key policy AWS documents for
 * `AssociateKmsKey`): only for a log group of this account and region, named in the encryption context. Every log group
 * of the project (functions, Flink, Firehose delivery, Step Functions, API access logs, VPC flow logs) uses the lake key.
 */
export function allowLogGroupEncryption(key: kms.Key): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsEncryptLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}

function validateLifecycle(lc: LakeLifecycle): void {
  if (lc.rawInfrequentAccessDays < 30) {
    throw new Error(
      `rawInfrequentAccessDays is ${lc.rawInfrequentAccessDays}: S3 needs at least 30 days before Standard-IA`,
    );
  }
  if (
    !(
      lc.rawInfrequentAccessDays < lc.rawGlacierInstantRetrievalDays &&
      lc.rawGlacierInstantRetrievalDays < lc.rawDeepArchiveDays
    )
  ) {
    throw new Error(
      `raw lifecycle days must increase: Standard-IA (${lc.rawInfrequentAccessDays}) < Glacier IR (${lc.rawGlacierInstantRetrievalDays}) < Deep Archive (${lc.rawDeepArchiveDays})`,
    );
  }
}
