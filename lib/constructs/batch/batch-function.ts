import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { LakePrefixes } from '../../contracts/lake-layout';
import viewTable from '../../contracts/view-table.json';
import { acknowledge } from '../nag';

const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
const ROOT = path.join(__dirname, '..', '..', '..');

export interface BatchFunctionProps {
  /** Folder under `lambda/` whose `index.ts` exports `handler`. */
  readonly code: string;
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface BatchFunction {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
}

/**
 * A small Node.js function of the batch layer (the planner, the deadline check), created in `scope` as `Logs`, `Role`
 * and `Handler`: arm64, Node.js 22, JSON logs to its own log group, and its own role without
 * AWSLambdaBasicExecutionRole (it writes only to that log group). Grants are added by the caller.
 */
export function batchFunction(scope: Construct, props: BatchFunctionProps): BatchFunction {
  const functionLogs = new logs.LogGroup(scope, 'Logs', {
    retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
  });
  functionLogs.grantWrite(role);
  const fn = new nodejs.NodejsFunction(scope, 'Handler', {
    role,
    entry: path.join(ROOT, 'lambda', props.code, 'index.ts'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.seconds(60),
    logGroup: functionLogs,
    loggingFormat: lambda.LoggingFormat.JSON,
    description: props.description,
    environment: { ...props.environment },
    bundling: { minify: true, sourceMap: true, target: 'node22' },
  });
  acknowledge(fn, [
    {
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the project pins (REFERENCE.md) and the esbuild target; moving to a newer runtime is a deliberate, tested change, not a drift.',
    },
  ]);
  return { function: fn, role };
}

/**
 * Query on the views table restricted to the `meta#batch` partition (the completion items), plus decrypt with the
 * table's key: all the planner and the deadline check read there.
 */
export function grantReadCompletions(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [viewTable.batchCompletion.pk] } },
    }),
  );
  table.encryptionKey?.grantDecrypt(grantee);
}

/** ListBucket on the raw bucket for keys under the raw events prefix only; no object is read. */
export function grantListRawEvents(grantee: iam.IGrantable, rawBucket: s3.IBucket): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [rawBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${LakePrefixes.rawEvents}*`] } },
    }),
  );
}
