/**
 * CloudFormation output names shared by the stacks (which export them) and the CLI
 * (which finds a deployment's resources from them, so nobody pastes ARNs).
 */
export const Outputs = {
  rawBucketName: 'RawBucketName',
  curatedBucketName: 'CuratedBucketName',
  analyticsBucketName: 'AnalyticsBucketName',
  lakeKeyArn: 'LakeKeyArn',
  glueDatabaseName: 'GlueDatabaseName',
  athenaWorkGroupName: 'AthenaWorkGroupName',
  streamName: 'StreamName',
  streamArn: 'StreamArn',
  viewTableName: 'ViewTableName',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  failedBatchQueueUrl: 'FailedBatchQueueUrl',
  batchStateMachineArn: 'BatchStateMachineArn',
  flinkApplicationName: 'FlinkApplicationName',
  servingApiUrl: 'ServingApiUrl',
  viewVersionParameterName: 'ViewVersionParameterName',
} as const;

export type OutputName = (typeof Outputs)[keyof typeof Outputs];
