import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodeFunction, type NodeFunctionProps } from '../../lib/constructs/common/node-function';
import { CDK_JSON_CONTEXT } from '../support/app';

function build(overrides: Partial<NodeFunctionProps> = {}) {
  const stack = new Stack(new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } }), 'T');
  const key = new kms.Key(stack, 'LakeKey');
  const fn = new NodeFunction(stack, 'Check', {
    handlerDir: 'batch-deadline',
    description: 'test function',
    timeout: Duration.seconds(30),
    encryptionKey: key,
    environment: { TABLE: 'views' },
    ...overrides,
  });
  return { stack, fn, template: Template.fromStack(stack) };
}

const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^LakeKey'), 'Arn'] };

describe('NodeFunction', () => {
  test('Node.js 22 on arm64, JSON logs into its own log group', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^CheckLogs') } },
    });
  });

  test('the log group is encrypted with the key and has a retention', () => {
    const { template } = build({ logRetention: logs.RetentionDays.ONE_MONTH });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn, RetentionInDays: 30 });
  });

  test('the environment is encrypted with the key', () => {
    build().template.hasResourceProperties('AWS::Lambda::Function', {
      KmsKeyArn: keyArn,
      Environment: { Variables: { TABLE: 'views' } },
    });
  });

  test('an empty environment carries no key', () => {
    const fn = Object.values(build({ environment: {} }).template.findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties.KmsKeyArn).toBeUndefined();
  });

  test('the role has no managed policy and may only write its own log group', () => {
    const { template } = build();
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(1);
    expect(roles[0].Properties.ManagedPolicyArns).toBeUndefined();
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string[]; Resource: unknown }[],
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CheckLogs/), 'Arn'] },
      },
    ]);
  });

  test('reserves the concurrency it is given', () => {
    build({ reservedConcurrency: 5 }).template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 5,
    });
  });

  test('without asyncInvocation it has no async config and no on-failure queue', () => {
    const { template, fn } = build();
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 0);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(fn.onFailureQueue).toBeUndefined();
  });

  test('with asyncInvocation, failed events go to an encrypted on-failure queue after bounded retries', () => {
    const { template } = build({ asyncInvocation: {} });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: keyArn,
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CheckOnFailure'), 'Arn'] } },
      },
    });
  });

  test('fails when reserved concurrency is 0 (it would stop the function)', () => {
    expect(() => build({ reservedConcurrency: 0 })).toThrow(/reservedConcurrency is 0/);
  });

  test('fails when async retries are outside 0-2', () => {
    expect(() => build({ asyncInvocation: { retryAttempts: 3 } })).toThrow(
      /retryAttempts is 3; Lambda allows 0 to 2/,
    );
  });

  test('fails when the maximum event age is above 6 hours', () => {
    expect(() => build({ asyncInvocation: { maxEventAge: Duration.hours(7) } })).toThrow(
      /maxEventAge is 7 hours; Lambda allows 60 s to 6 hours/,
    );
  });

  test('fails when the handler folder has no index.ts', () => {
    expect(() => build({ handlerDir: 'no-such-handler' })).toThrow(
      /no handler at lambda\/no-such-handler\/index.ts/,
    );
  });
});
