import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DataLake, type LakeLifecycle } from '../../lib/constructs/storage/data-lake';
import { buildVariant, templateOf } from '../support/app';

const LIFECYCLE: LakeLifecycle = {
  rawInfrequentAccessDays: 30,
  rawGlacierInstantRetrievalDays: 90,
  rawDeepArchiveDays: 365,
  curatedInfrequentAccessDays: 60,
  analyticsInfrequentAccessDays: 90,
  noncurrentVersionExpirationDays: 30,
  accessLogExpirationDays: 365,
};

function lake(removalPolicy?: RemovalPolicy): Template {
  const stack = new Stack();
  new DataLake(stack, 'Lake', { lifecycle: LIFECYCLE, removalPolicy });
  return Template.fromStack(stack);
}

describe('DataLake', () => {
  const template = lake();

  test('creates a customer-managed key with rotation', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('zone buckets are encrypted with the lake key, bucket keys on', () => {
    const zones = template.findResources('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
        },
      },
    });
    expect(Object.keys(zones)).toHaveLength(3);
    for (const bucket of Object.values(zones)) {
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: {
          KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^LakeKey/), 'Arn'] },
        },
      });
    }
  });

  test('every bucket blocks public access', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(4);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  test('every bucket policy denies requests without TLS', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(4);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });

  test('zone buckets log access to the access-log bucket', () => {
    const logged = template.findResources('AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: { DestinationBucketName: Match.anyValue() } },
    });
    expect(Object.keys(logged)).toHaveLength(3);
  });

  test('raw is versioned and tiers to Standard-IA, Glacier IR and Deep Archive, expiring noncurrent versions', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Id: 'tier-raw',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
              { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 365 },
            ],
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          }),
        ],
      },
    });
  });

  test('curated and analytics abort incomplete uploads and tier to Standard-IA', () => {
    for (const [id, days] of [
      ['tier-curated', 60],
      ['tier-analytics', 90],
    ] as const) {
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Id: id,
              Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: days }],
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            }),
          ]),
        },
      });
    }
  });

  test('Athena results and EMR logs in the analytics bucket expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-athena-results', Prefix: 'athena-results/', ExpirationInDays: 30 }),
          Match.objectLike({ Id: 'expire-emr-logs', Prefix: 'emr-logs/', ExpirationInDays: 90 }),
        ]),
      },
    });
  });

  test('the Athena workgroup enforces KMS-encrypted results in the analytics bucket', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: {
          EncryptionConfiguration: {
            EncryptionOption: 'SSE_KMS',
            KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LakeKey'), 'Arn'] },
          },
          OutputLocation: Match.anyValue(),
        },
      }),
    });
  });

  test('creates a Glue database', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
  });

  test('retains the key and buckets by default', () => {
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Retain');
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('destroys data and empties buckets only when asked to', () => {
    const destroyed = lake(RemovalPolicy.DESTROY);
    destroyed.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    destroyed.resourceCountIs('Custom::S3AutoDeleteObjects', 4);
  });

  describe('fails when', () => {
    test('raw data would reach Standard-IA before 30 days', () => {
      expect(
        () => new DataLake(new Stack(), 'L', { lifecycle: { ...LIFECYCLE, rawInfrequentAccessDays: 10 } }),
      ).toThrow(/at least 30 days/);
    });
    test('the raw tiers are out of order', () => {
      expect(
        () =>
          new DataLake(new Stack(), 'L', {
            lifecycle: { ...LIFECYCLE, rawGlacierInstantRetrievalDays: 400 },
          }),
      ).toThrow(/must increase/);
    });
  });
});

describe('retention per stage', () => {
  const retained = (context: Record<string, unknown>) => {
    const template = templateOf(buildVariant(context).stacks.storage);
    return {
      key: Object.values(template.findResources('AWS::KMS::Key'))[0].DeletionPolicy,
      table: Object.values(template.findResources('AWS::DynamoDB::Table'))[0],
    };
  };

  test('prod retains everything and protects the table and stacks', () => {
    const { stacks } = buildVariant({ stage: 'prod' });
    const { key, table } = retained({ stage: 'prod' });
    expect(key).toBe('Retain');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(stacks.all.every((s) => s.terminationProtection)).toBe(true);
  });

  test('dev retains data unless allowDestroy=true, and warns', () => {
    expect(retained({ stage: 'dev' }).key).toBe('Retain');
    Annotations.fromStack(buildVariant({ stage: 'dev' }).stacks.storage).hasWarning(
      '*',
      Match.stringLikeRegexp('allowDestroy=true'),
    );
    expect(
      Annotations.fromStack(buildVariant({ stage: 'dev', allowDestroy: 'true' }).stacks.storage).findWarning(
        '*',
        Match.anyValue(),
      ),
    ).toHaveLength(0);
    const { key, table } = retained({ stage: 'dev', allowDestroy: 'true' });
    expect(key).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    expect(buildVariant({ stage: 'dev' }).stacks.all.some((s) => s.terminationProtection)).toBe(false);
  });

  test('stacks are named Streamlake-<Stage>-<Layer> and tagged for cost allocation', () => {
    const { stacks } = buildVariant({ stage: 'prod', architecture: 'kappa' });
    expect(stacks.storage.stackName).toBe('Streamlake-Prod-Storage');
    const tags = templateOf(stacks.storage).findResources('AWS::KMS::Key');
    expect(Object.values(tags)[0].Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'streamlake:project', Value: 'streamlake' },
        { Key: 'streamlake:stage', Value: 'prod' },
        { Key: 'streamlake:architecture', Value: 'kappa' },
        { Key: 'streamlake:layer', Value: 'storage' },
      ]),
    );
  });
});

describe('ViewTable', () => {
  const template = templateOf(buildVariant({}).stacks.storage);
  test('is on-demand, KMS-encrypted with the lake key, with point-in-time recovery and a TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});
