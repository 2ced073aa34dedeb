/** What every command needs from the outside world, injectable for tests. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EMRClient } from '@aws-sdk/client-emr';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { type Command, Option } from 'commander';
import { type ConnectionOptions, clientConfig, DEFAULT_REGION, parseRegion } from '../lib/clients';
import { type Clock, systemClock } from '../lib/clock';
import {
  ARCHITECTURES,
  type Architecture,
  type Deployment,
  parseArchitecture,
  parseStage,
  resolveDeployment,
  STAGES,
  type Stage,
} from '../lib/deployment';
import { NotDeployedError, UsageError } from '../lib/errors';
import { type LocalRuntime, localDeployment, readLocalRuntime } from '../lib/local-runtime';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type FetchLike,
  tagEndpoint,
} from '../lib/network';
import { duration } from '../lib/options';

export interface CliContext {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stderr: NodeJS.WriteStream;
  readonly clock: Clock;
  readonly fetch: FetchLike;
  /** Where `--out -` writes records. @default process.stdout */
  readonly recordsOut?: NodeJS.WritableStream;
  /**
   * Calls `handler` on the first Ctrl-C (SIGINT) until the returned function is called; a second Ctrl-C kills.
   * @default - process SIGINT
   */
  readonly onInterrupt?: (handler: () => void) => () => void;
}

export function onProcessInterrupt(handler: () => void): () => void {
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/** Set once a reader has closed the pipe (EPIPE): nothing more is written to that stream. */
const closed = { stdout: false, stderr: false };

/**
 * Standard streams, with a closed pipe (`streamlake … | head`) ending output quietly: after EPIPE nothing more is
 * written and no stack trace is printed; the exit code stays the command's.
 */
export function defaultContext(): CliContext {
  for (const [name, stream] of [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      closed[name] = true;
    });
  }
  return {
    out: (t) => {
      if (!closed.stdout && !process.stdout.destroyed) process.stdout.write(`${t}\n`);
    },
    err: (t) => {
      if (!closed.stderr && !process.stderr.destroyed) process.stderr.write(`${t}\n`);
    },
    stderr: process.stderr,
    recordsOut: process.stdout,
    clock: systemClock,
    fetch,
    onInterrupt: onProcessInterrupt,
  };
}

export interface DeploymentOptions {
  readonly stage: Stage;
  readonly architecture?: Architecture;
  readonly region: string;
  readonly endpointUrl?: string;
  readonly local?: boolean;
  readonly connectTimeout: number;
  readonly requestTimeout: number;
}

/**
 * --stage, --architecture, --region, --endpoint-url, --local: how a command finds a deployment;
 * --connect-timeout, --request-timeout: how long any one call may take.
 */
export function addDeploymentOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--stage <stage>',
        `deployment stage (${STAGES.join('|')}); stacks are Streamlake-<Stage>-<Layer>`,
      )
        .default('dev')
        .argParser(parseStage),
    )
    .addOption(
      new Option(
        '--architecture <arch>',
        `expected architecture (${ARCHITECTURES.join('|')}); checked against the stacks' tag`,
      ).argParser(parseArchitecture),
    )
    .addOption(
      new Option('--region <region>', 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)')
        .default(process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? DEFAULT_REGION)
        .argParser(parseRegion),
    )
    .addOption(
      new Option(
        '--endpoint-url <url>',
        'send every AWS call to this endpoint (LocalStack, e.g. http://127.0.0.1:4566)',
      ).argParser(endpoint),
    )
    .addOption(
      new Option(
        '--local',
        'use the offline runtime that npm start -- --keep-running left up (.streamlake/local.json)',
      ).conflicts(['endpointUrl', 'stage']),
    )
    .addOption(
      new Option('--connect-timeout <time>', 'give up connecting to an endpoint after this long (exit 5)')
        .default(DEFAULT_CONNECT_TIMEOUT_MS, `${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s`)
        .argParser(duration('--connect-timeout')),
    )
    .addOption(
      new Option(
        '--request-timeout <time>',
        `give up on a request without an answer after this long; ${DEFAULT_MAX_ATTEMPTS} attempts (exit 5)`,
      )
        .default(DEFAULT_REQUEST_TIMEOUT_MS, `${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s`)
        .argParser(duration('--request-timeout')),
    );
}

function endpoint(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new UsageError(`--endpoint-url must be an http(s) URL, got '${value}'`);
  }
  return value;
}

/** The offline runtime of `--local`, read once per command. */
const runtimes = new WeakMap<DeploymentOptions, LocalRuntime>();
export function localRuntime(o: DeploymentOptions): LocalRuntime {
  let rt = runtimes.get(o);
  if (!rt) {
    rt = readLocalRuntime();
    runtimes.set(o, rt);
  }
  return rt;
}

/**
 * Region, endpoints, credentials and timeouts of every client a command makes: AWS (the region is checked here too:
 * it may come from the environment), one `--endpoint-url` for every service, or `--local`'s runtime.
 */
export function connection(o: DeploymentOptions): ConnectionOptions {
  const rt = o.local ? localRuntime(o) : undefined;
  return {
    region: rt ? rt.region : parseRegion(o.region),
    ...(o.endpointUrl ? { endpoint: o.endpointUrl } : {}),
    ...(rt ? { endpoints: rt.endpoints, credentials: rt.credentials } : {}),
    network: {
      connectTimeoutMs: o.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: o.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
    },
  };
}

/** Clients as the commands use them: timeouts, bounded attempts, and errors that name their endpoint. */
export const clients = {
  cloudformation: (c: ConnectionOptions) =>
    tagEndpoint(new CloudFormationClient(clientConfig(c, { service: 'cloudformation' }))),
  kinesis: (c: ConnectionOptions) => tagEndpoint(new KinesisClient(clientConfig(c, { service: 'kinesis' }))),
  /** The producer does its own backoff with full jitter: the SDK's retries would multiply attempts. */
  kinesisProducer: (c: ConnectionOptions) =>
    tagEndpoint(new KinesisClient(clientConfig(c, { maxAttempts: 1, service: 'kinesis' }))),
  dynamodb: (c: ConnectionOptions) =>
    DynamoDBDocumentClient.from(tagEndpoint(new DynamoDBClient(clientConfig(c, { service: 'dynamodb' })))),
  s3: (c: ConnectionOptions) =>
    tagEndpoint(
      new S3Client({ ...clientConfig(c, { service: 's3' }), forcePathStyle: !!(c.endpoint || c.endpoints) }),
    ),
  sfn: (c: ConnectionOptions) => tagEndpoint(new SFNClient(clientConfig(c, { service: 'sfn' }))),
  emr: (c: ConnectionOptions) => tagEndpoint(new EMRClient(clientConfig(c, { service: 'emr' }))),
  ssm: (c: ConnectionOptions) => tagEndpoint(new SSMClient(clientConfig(c, { service: 'ssm' }))),
  flink: (c: ConnectionOptions) =>
    tagEndpoint(new KinesisAnalyticsV2Client(clientConfig(c, { service: 'kinesisanalytics' }))),
  cloudwatch: (c: ConnectionOptions) =>
    tagEndpoint(new CloudWatchClient(clientConfig(c, { service: 'cloudwatch' }))),
  credentials: (c: ConnectionOptions): AwsCredentialIdentity | Provider<AwsCredentialIdentity> => {
    if (c.credentials) return { ...c.credentials };
    const cfg = clientConfig(c);
    return cfg.credentials ?? fromNodeProviderChain();
  },
};

/** The deployment's resources: from the stacks' outputs, or (`--local`) from the runtime's file. */
export async function deployment(o: DeploymentOptions): Promise<Deployment> {
  if (o.local) {
    const d = localDeployment(localRuntime(o));
    if (o.architecture && d.architecture !== o.architecture)
      throw new NotDeployedError(
        `the offline runtime runs the ${d.architecture} architecture, not ${o.architecture} ` +
          `(start it with npm start -- --keep-running --architecture ${o.architecture})`,
      );
    return d;
  }
  const conn = connection(o);
  return resolveDeployment(clients.cloudformation(conn), o.stage, o.architecture);
}
