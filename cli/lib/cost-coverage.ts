/**
 * Every resource type the templates deploy is either priced (by the services named) or listed as not priced with the
 * reason. test/cli/cost-drift.test.ts fails when a synthesized variant holds a type missing here, so a new kind of
 * resource cannot slip into the stacks without a price or a reason.
 */
import { all } from './cost-inputs';

export type Coverage = { readonly priced: readonly string[] } | { readonly notPriced: string };

const IAM = 'IAM has no charge';
const VPC_PART = 'a VPC building block: no charge';
const POLICY = 'a resource policy: no charge';
const CONFIG = 'configuration of a priced resource: no charge of its own';

export const RESOURCE_COVERAGE: Readonly<Record<string, Coverage>> = {
  'AWS::ApiGatewayV2::Api': { priced: ['API Gateway'] },
  'AWS::ApiGatewayV2::Integration': { notPriced: `${CONFIG} (the API's requests are priced)` },
  'AWS::ApiGatewayV2::Route': { notPriced: `${CONFIG} (the API's requests are priced)` },
  'AWS::ApiGatewayV2::Stage': { notPriced: `${CONFIG}; its access logs are priced under CloudWatch` },
  'AWS::Athena::NamedQuery': { notPriced: 'saved query text; running queries is priced under Athena' },
  'AWS::Athena::WorkGroup': { priced: ['Athena'] },
  'AWS::CloudWatch::Alarm': { priced: ['CloudWatch'] },
  'AWS::CloudWatch::Dashboard': { priced: ['CloudWatch'] },
  'AWS::DynamoDB::Table': { priced: ['DynamoDB'] },
  'AWS::EC2::EIP': { priced: ['VPC'] },
  'AWS::EC2::FlowLog': { priced: ['CloudWatch'] },
  'AWS::EC2::InternetGateway': { notPriced: VPC_PART },
  'AWS::EC2::NatGateway': { priced: ['VPC'] },
  'AWS::EC2::Route': { notPriced: VPC_PART },
  'AWS::EC2::RouteTable': { notPriced: VPC_PART },
  'AWS::EC2::SecurityGroup': { notPriced: VPC_PART },
  'AWS::EC2::SecurityGroupIngress': { notPriced: VPC_PART },
  'AWS::EC2::Subnet': { notPriced: VPC_PART },
  'AWS::EC2::SubnetRouteTableAssociation': { notPriced: VPC_PART },
  'AWS::EC2::VPC': { notPriced: VPC_PART },
  'AWS::EC2::VPCEndpoint': { priced: ['VPC'] },
  'AWS::EC2::VPCGatewayAttachment': { notPriced: VPC_PART },
  'AWS::EMR::SecurityConfiguration': {
    notPriced: `${CONFIG}; the clusters the state machine creates are priced under EMR`,
  },
  'AWS::Glue::Database': {
    notPriced:
      'Data Catalog: 7 objects and a few requests per query stay within the free first million objects and requests a month',
  },
  'AWS::Glue::Table': {
    notPriced:
      'Data Catalog: 7 objects and a few requests per query stay within the free first million objects and requests a month',
  },
  'AWS::IAM::InstanceProfile': { notPriced: IAM },
  'AWS::IAM::Policy': { notPriced: IAM },
  'AWS::IAM::Role': { notPriced: IAM },
  'AWS::KMS::Key': { priced: ['KMS'] },
  'AWS::Kinesis::Stream': { priced: ['Kinesis'] },
  'AWS::KinesisAnalyticsV2::Application': { priced: ['Managed Flink'] },
  'AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption': {
    notPriced: `${CONFIG}; the log group is priced under CloudWatch`,
  },
  'AWS::KinesisFirehose::DeliveryStream': { priced: ['Firehose'] },
  'AWS::Lambda::EventInvokeConfig': {
    notPriced: `${CONFIG}: the retry and on-failure settings of asynchronous invocations (the on-failure queue is priced under SQS)`,
  },
  'AWS::Lambda::EventSourceMapping': {
    notPriced: 'polling the stream has no charge of its own; the invocations are priced under Lambda',
  },
  'AWS::Lambda::Function': { priced: ['Lambda'] },
  'AWS::Lambda::Permission': { notPriced: POLICY },
  'AWS::Logs::LogGroup': { priced: ['CloudWatch'] },
  'AWS::Logs::LogStream': { notPriced: 'what a stream holds is priced with its log group' },
  'AWS::S3::Bucket': { priced: ['S3'] },
  'AWS::S3::BucketPolicy': { notPriced: POLICY },
  'AWS::SNS::Subscription': { notPriced: 'alarm e-mails only: the first 1,000 a month are free' },
  'AWS::SNS::Topic': {
    notPriced:
      'alarm notifications only: publishes happen when an alarm fires, the first million a month are free',
  },
  'AWS::SNS::TopicPolicy': { notPriced: POLICY },
  'AWS::SQS::Queue': { priced: ['SQS'] },
  'AWS::SQS::QueuePolicy': { notPriced: POLICY },
  'AWS::SSM::Parameter': { notPriced: 'a standard parameter read at standard throughput: no charge' },
  'AWS::Scheduler::Schedule': { priced: ['EventBridge Scheduler'] },
  'AWS::StepFunctions::StateMachine': { priced: ['Step Functions', 'EMR'] },
  'Custom::S3AutoDeleteObjects': { notPriced: 'runs at deployment and deletion only' },
  'Custom::VpcRestrictDefaultSG': { notPriced: 'runs at deployment only' },
};

/** What the model leaves out beyond resource types, and why. */
export const NOT_PRICED_USAGE: readonly { readonly what: string; readonly reason: string }[] = [
  {
    what: 'data transfer',
    reason:
      'everything stays in the region (S3 and DynamoDB through gateway endpoints); only the query API answers leave AWS, a few KB each',
  },
  {
    what: 'Managed Flink snapshots',
    reason:
      'taken when the application is updated or stopped ($0.023/GB-month while kept), not in steady state',
  },
  {
    what: 'Managed Flink metrics at TASK level',
    reason:
      'how many metric streams the service publishes is its decision; check the CloudWatch bill after a month',
  },
  { what: 'CloudWatch GetMetricData', reason: 'dashboards call it only while someone looks at them' },
  {
    what: 'noncurrent versions in the raw zone',
    reason:
      'Firehose writes every object once under a new key, so none becomes noncurrent in steady state; a rewritten object would be kept noncurrentVersionExpirationDays',
  },
  {
    what: 'replays and re-runs',
    reason:
      'kappa replays (Kinesis and S3 reads, a second Flink application) and batch re-runs of old days (Glacier IR retrievals) happen on demand',
  },
  {
    what: 'free tiers',
    reason: 'not deducted: other workloads of the account usually use them',
  },
];

/** The deployed resource types with how each is covered. */
export function coverageOf(
  inputs: Parameters<typeof all>[0],
): { type: string; coverage: Coverage | undefined }[] {
  const types = new Set(Object.values(inputs.stacks).flatMap((s) => Object.keys(s.resourceTypes)));
  return [...types].sort().map((type) => ({ type, coverage: RESOURCE_COVERAGE[type] }));
}

/** The functions deployed but not priced (deploy-time custom resources). */
export function deployTimeFunctions(inputs: Parameters<typeof all>[0]): string[] {
  return all(inputs, 'functions')
    .filter((f) => f.role === 'deploy-time')
    .map((f) => f.id);
}
