import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/** The handlers' source folders: `lambda/<handlerDir>/index.ts`. */
const LAMBDA_ROOT = join(__dirname, '..', '..', '..', 'lambda');

/** Node.js 22 on Graviton: the runtime the handlers are built (esbuild target) and tested for; arm64 costs ~20% less per GB-s. */
export const NODE_FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;
export const NODE_FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;
export const DEFAULT_FUNCTION_MEMORY_MIB = 256;
export const DEFAULT_FUNCTION_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
/** Lambda's own defaults for asynchronous invocation, written out so a template shows what happens on failure. */
export const DEFAULT_ASYNC_RETRY_ATTEMPTS = 2;
export const DEFAULT_ASYNC_MAX_EVENT_AGE = Duration.hours(6);
/** How long a failed asynchronous event waits in the on-failure queue (the SQS maximum). */
const ON_FAILURE_RETENTION = Duration.days(14);

/** How a function that is invoked asynchronously (EventBridge, S3, SNS, `InvocationType: Event`) handles failures. */
export interface AsyncInvocationOptions {
  /**
   * Retries Lambda makes after a failed asynchronous invocation (0 to 2).
   * @default DEFAULT_ASYNC_RETRY_ATTEMPTS
   */
  readonly retryAttempts?: number;
  /**
   * Events older than this are sent to the on-failure queue instead of being retried (60 s to 6 h).
   * @default DEFAULT_ASYNC_MAX_EVENT_AGE
   */
  readonly maxEventAge?: Duration;
}

export interface NodeFunctionProps {
  /** Folder of the handler under `lambda/` (its `index.ts` exports `handler`), e.g. `query-api`. */
  readonly handlerDir: string;
  readonly description: string;
  readonly timeout: Duration;
  /**
   * The customer-managed key (the lake key) that encrypts the function's log group, its environment variables and
   * its on-failure queue. Its key policy must let CloudWatch Logs use it (the data lake's key does).
   */
  readonly encryptionKey: kms.IKey;
  /**
   * Memory, MiB.
   * @default DEFAULT_FUNCTION_MEMORY_MIB
   */
  readonly memorySize?: number;
  /**
   * Environment variables; encrypted at rest with `encryptionKey`.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Retention of the function's log group.
   * @default DEFAULT_FUNCTION_LOG_RETENTION
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group (and the on-failure queue) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Concurrent executions reserved for (and capping) the function. Bounds what a flood of invocations can cost and
   * keeps it from starving the account's other functions; the account must keep 100 unreserved.
   * @default - none: the function draws on the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Set when something invokes the function asynchronously: failed events then go, after Lambda's retries, to an
   * on-failure queue (a Lambda destination, which records the error and the event).
   * @default - invoked synchronously or by an event source mapping (which has its own on-failure destination)
   */
  readonly asyncInvocation?: AsyncInvocationOptions;
}

/**
 * One streamlake Lambda function, set up once: Node.js 22 on arm64 bundled by esbuild, JSON logs into a log group of
 * its own (encrypted with the lake key, with a retention), a role that may write only to that log group (no
 * AWSLambdaBasicExecutionRole), environment encrypted with the lake key, optional reserved concurrency, and an
 * encrypted on-failure queue when it is invoked asynchronously. Grant the function what it reads and writes.
 */
export class NodeFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Where failed asynchronous invocations end up; undefined unless `asyncInvocation` is set. */
  readonly onFailureQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const entry = join(LAMBDA_ROOT, props.handlerDir, 'index.ts');
    if (!existsSync(entry)) {
      throw new Error(`NodeFunction ${id}: no handler at lambda/${props.handlerDir}/index.ts`);
    }
    validate(id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? DEFAULT_FUNCTION_LOG_RETENTION,
      removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `streamlake ${props.handlerDir}: writes its own log group; every other permission is granted by name`,
    });
    this.logGroup.grantWrite(this.role);

    const async = props.asyncInvocation;
    if (async) {
      this.onFailureQueue = new sqs.Queue(this, 'OnFailure', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.encryptionKey,
        enforceSSL: true,
        retentionPeriod: ON_FAILURE_RETENTION,
        removalPolicy,
      });
      acknowledge(this.onFailureQueue, [
        {
          id: 'AwsSolutions-SQS3',
          reason:
            'This queue is itself the on-failure destination of the function; it has no consumer to fail.',
        },
      ]);
    }

    const environment = props.environment ?? {};
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      description: props.description,
      runtime: NODE_FUNCTION_RUNTIME,
      architecture: NODE_FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize ?? DEFAULT_FUNCTION_MEMORY_MIB,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...environment },
      // Encrypting an empty environment would only add a key reference.
      environmentEncryption: Object.keys(environment).length > 0 ? props.encryptionKey : undefined,
      reservedConcurrentExecutions: props.reservedConcurrency,
      onFailure: this.onFailureQueue ? new SqsDestination(this.onFailureQueue) : undefined,
      retryAttempts: async ? (async.retryAttempts ?? DEFAULT_ASYNC_RETRY_ATTEMPTS) : undefined,
      maxEventAge: async ? (async.maxEventAge ?? DEFAULT_ASYNC_MAX_EVENT_AGE) : undefined,
      bundling: { minify: true, sourceMap: true, target: 'node22' },
    });

    acknowledge(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime the project pins and the esbuild target; moving to a newer runtime is a deliberate, tested change, not a drift.',
      },
    ]);
    if (this.onFailureQueue) {
      acknowledge(this.role, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Queue.grantSendMessages on the KMS-encrypted on-failure queue: SQS needs GenerateDataKey*/ReEncrypt* on the queue key (the lake key only).',
          appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
        },
      ]);
    }
  }
}

function validate(id: string, props: NodeFunctionProps): void {
  const rc = props.reservedConcurrency;
  if (rc !== undefined && !Token.isUnresolved(rc) && (!Number.isInteger(rc) || rc < 1)) {
    throw new Error(
      `NodeFunction ${id}: reservedConcurrency is ${rc}; give a whole number ≥ 1 (0 would stop the function)`,
    );
  }
  const retries = props.asyncInvocation?.retryAttempts;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 2)) {
    throw new Error(`NodeFunction ${id}: asyncInvocation.retryAttempts is ${retries}; Lambda allows 0 to 2`);
  }
  const age = props.asyncInvocation?.maxEventAge;
  if (age && !Token.isUnresolved(age.toSeconds()) && (age.toSeconds() < 60 || age.toSeconds() > 21600)) {
    throw new Error(
      `NodeFunction ${id}: asyncInvocation.maxEventAge is ${age.toHumanString()}; Lambda allows 60 s to 6 hours`,
    );
  }
}
