import { Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as emr from 'aws-cdk-lib/aws-emr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { EMR_MANAGED_POLICY_TAG } from './batch-network';

/** EMR's service-access port: the primary node's security group reaches the service-access group on it. */
const SERVICE_ACCESS_PORT = 9443;

export interface EmrSecurityProps {
  readonly vpc: ec2.IVpc;
  /** The lake key: S3 objects (SSE-KMS) and the nodes' local disks and EBS volumes are encrypted with it. */
  readonly encryptionKey: kms.IKey;
}

/**
 * Who a transient EMR cluster is and what it may reach: the service role (AmazonEMRServicePolicy_v2, which only
 * acts on resources tagged `for-use-with-amazon-emr-managed-policies=true`), the instance role and its profile
 * (granted nothing here: the job construct grants exactly the prefixes it uses), the three EMR-managed security
 * groups for private subnets, and a security configuration with at-rest encryption under the lake key.
 */
export class EmrSecurity extends Construct {
  readonly serviceRole: iam.Role;
  readonly instanceRole: iam.Role;
  readonly instanceProfile: iam.CfnInstanceProfile;
  readonly primarySecurityGroup: ec2.SecurityGroup;
  readonly coreSecurityGroup: ec2.SecurityGroup;
  readonly serviceAccessSecurityGroup: ec2.SecurityGroup;
  readonly securityConfiguration: emr.CfnSecurityConfiguration;

  constructor(scope: Construct, id: string, props: EmrSecurityProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Confused-deputy guard: EMR may assume the role only on behalf of this account.
    this.serviceRole = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('elasticmapreduce.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      description: 'streamlake batch: EMR service role (AmazonEMRServicePolicy_v2, tag-scoped)',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEMRServicePolicy_v2')],
    });
    acknowledge(this.serviceRole, [
      {
        id: 'AwsSolutions-IAM4',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2'],
        reason:
          'EMR launches and tears down EC2 fleets for the cluster; AWS maintains this policy for exactly that and scopes it to resources tagged for-use-with-amazon-emr-managed-policies=true (our subnets and security groups carry the tag).',
      },
    ]);
    // Local-disk and EBS encryption: EMR creates grants on the key for the volumes it attaches.
    this.serviceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant', 'kms:DescribeKey'],
        resources: [props.encryptionKey.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
    props.encryptionKey.grantEncryptDecrypt(this.serviceRole);

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description:
        'streamlake batch: EMR cluster nodes (the Spark job) - lake prefixes, views table, lake key',
    });
    // EMR looks the profile up by the role's name (EmrCreateCluster passes the role name as JobFlowRole).
    this.instanceProfile = new iam.CfnInstanceProfile(this, 'InstanceProfile', {
      roles: [this.instanceRole.roleName],
      instanceProfileName: this.instanceRole.roleName,
    });
    // LUKS local-disk encryption on the nodes asks KMS for data keys.
    props.encryptionKey.grantEncryptDecrypt(this.instanceRole);
    for (const role of [this.serviceRole, this.instanceRole]) {
      acknowledge(role, [
        {
          id: 'AwsSolutions-IAM5',
          appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
          reason:
            'Key.grantEncryptDecrypt on the lake key only: envelope encryption of S3 objects, EBS volumes and local disks needs the GenerateDataKey and ReEncrypt variants.',
        },
      ]);
    }

    const sg = (sgId: string, description: string) =>
      new ec2.SecurityGroup(this, sgId, { vpc: props.vpc, description, allowAllOutbound: true });
    this.primarySecurityGroup = sg('PrimarySecurityGroup', 'streamlake EMR primary node (EMR-managed rules)');
    this.coreSecurityGroup = sg(
      'CoreSecurityGroup',
      'streamlake EMR core and task nodes (EMR-managed rules)',
    );
    this.serviceAccessSecurityGroup = sg(
      'ServiceAccessSecurityGroup',
      'streamlake EMR service access from the primary node (private subnets)',
    );
    this.serviceAccessSecurityGroup.addIngressRule(
      this.primarySecurityGroup,
      ec2.Port.tcp(SERVICE_ACCESS_PORT),
      'EMR service access from the primary node',
    );
    for (const group of [
      this.primarySecurityGroup,
      this.coreSecurityGroup,
      this.serviceAccessSecurityGroup,
    ]) {
      Tags.of(group).add(EMR_MANAGED_POLICY_TAG.key, EMR_MANAGED_POLICY_TAG.value);
    }

    this.securityConfiguration = new emr.CfnSecurityConfiguration(this, 'SecurityConfiguration', {
      securityConfiguration: {
        EncryptionConfiguration: {
          EnableAtRestEncryption: true,
          // In-transit TLS needs a PEM certificate bundle in S3 (or a custom provider); see the AwsSolutions-EMR4/… note below.
          EnableInTransitEncryption: false,
          AtRestEncryptionConfiguration: {
            S3EncryptionConfiguration: { EncryptionMode: 'SSE-KMS', AwsKmsKey: props.encryptionKey.keyArn },
            LocalDiskEncryptionConfiguration: {
              EncryptionKeyProviderType: 'AwsKms',
              AwsKmsKey: props.encryptionKey.keyArn,
              EnableEbsEncryption: true,
            },
          },
        },
        InstanceMetadataServiceConfiguration: {
          MinimumInstanceMetadataServiceVersion: 2,
          HttpPutResponseHopLimit: 1,
        },
      },
    });
  }
}
