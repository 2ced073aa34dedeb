import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EGRESS_MODES } from '../../config';

export type EgressMode = (typeof EGRESS_MODES)[number];

/** The tag AmazonEMRServicePolicy_v2 requires on every subnet and security group EMR uses. */
export const EMR_MANAGED_POLICY_TAG = {
  key: 'for-use-with-amazon-emr-managed-policies',
  value: 'true',
} as const;

/** Interface endpoints a cluster in isolated subnets needs: the EMR control plane, credentials, logs, the lake key, metrics. */
const INTERFACE_ENDPOINTS: readonly [string, ec2.InterfaceVpcEndpointAwsService][] = [
  ['Emr', ec2.InterfaceVpcEndpointAwsService.EMR],
  ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
  ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
  ['Kms', ec2.InterfaceVpcEndpointAwsService.KMS],
  ['Monitoring', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING],
];

const DEFAULT_MAX_AZS = 2;
/** A literal CIDR (not the VPC's GetAtt) so the endpoint security group's rule can be checked at synth. */
const VPC_CIDR = '10.40.0.0/16';
const DEFAULT_FLOW_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export interface BatchNetworkProps {
  /**
   * How cluster nodes reach AWS APIs: `endpoints` = isolated subnets with VPC endpoints only (no internet at all),
   * `nat` = private subnets with one NAT gateway (its public subnet hosts nothing else).
   */
  readonly egress: EgressMode;
  /** The lake key: encrypts the flow-log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * Availability zones of the VPC (EMR picks one per cluster from the subnets given; more AZs = more Spot pools).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * What happens to the flow-log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The batch layer's VPC: cluster subnets are never public (isolated with `egress=endpoints`, private-with-NAT with
 * `egress=nat`), S3 and DynamoDB gateway endpoints in both modes (no NAT data charge for lake and view traffic),
 * interface endpoints for EMR, STS, CloudWatch Logs/metrics and KMS when there is no NAT, and flow logs.
 */
export class BatchNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** The subnets clusters launch in (all private). */
  readonly clusterSubnets: ec2.SelectedSubnets;

  constructor(scope: Construct, id: string, props: BatchNetworkProps) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? DEFAULT_MAX_AZS;
    if (!Number.isInteger(maxAzs) || maxAzs < 1 || maxAzs > 6) {
      throw new Error(`BatchNetwork maxAzs is ${maxAzs}: give a whole number from 1 to 6`);
    }
    const nat = props.egress === 'nat';
    const clusterSubnetType = nat ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      { name: 'cluster', subnetType: clusterSubnetType, cidrMask: 20 },
    ];
    // A NAT gateway must sit in a public subnet; nothing else is placed there and it assigns no public IPs.
    if (nat)
      subnetConfiguration.push({
        name: 'nat',
        subnetType: ec2.SubnetType.PUBLIC,
        cidrMask: 24,
        mapPublicIpOnLaunch: false,
      });

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.encryptionKey,
      retention: props.flowLogRetention ?? DEFAULT_FLOW_LOG_RETENTION,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      maxAzs,
      natGateways: nat ? 1 : 0,
      subnetConfiguration,
      restrictDefaultSecurityGroup: true,
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    this.clusterSubnets = this.vpc.selectSubnets({ subnetType: clusterSubnetType });

    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    if (!nat) {
      const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'streamlake batch: HTTPS from inside the VPC to the interface endpoints',
        allowAllOutbound: false,
      });
      endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.tcp(443), 'HTTPS from the VPC');
      for (const [endpointId, service] of INTERFACE_ENDPOINTS) {
        this.vpc.addInterfaceEndpoint(endpointId, {
          service,
          subnets: { subnetType: clusterSubnetType },
          privateDnsEnabled: true,
          securityGroups: [endpointSecurityGroup],
          open: false,
        });
      }
    }
    Tags.of(this).add(EMR_MANAGED_POLICY_TAG.key, EMR_MANAGED_POLICY_TAG.value);
  }
}
