/** What every command needs from the outside world, injectable for tests. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EMRClient } from '@aws-sdk/client-emr';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { type Command, Option } from 'commander';
import { type ConnectionOptions, clientConfig, DEFAULT_LOCAL_ENDPOINT, DEFAULT_REGION } from '../lib/clients';
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
import { UsageError } from '../lib/errors';

export interface CliContext {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stderr: NodeJS.WriteStream;
  readonly clock: Clock;
  readonly fetch: typeof fetch;
}

export function defaultContext(): CliContext {
  return {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    stderr: process.stderr,
    clock: systemClock,
    fetch,
  };
}

export interface DeploymentOptions {
  readonly stage: Stage;
  readonly architecture?: Architecture;
  readonly region: string;
  readonly endpointUrl?: string;
  readonly local?: boolean;
}

/** --stage, --architecture, --region, --endpoint-url, --local: how a command finds a deployment. */
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
      new Option('--region <region>', 'AWS region').default(
        process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? DEFAULT_REGION,
      ),
    )
    .addOption(
      new Option(
        '--endpoint-url <url>',
        'send every AWS call to this endpoint (offline emulators)',
      ).argParser(endpoint),
    )
    .addOption(
      new Option('--local', `same as --endpoint-url ${DEFAULT_LOCAL_ENDPOINT}`).conflicts('endpointUrl'),
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

export function connection(o: DeploymentOptions): ConnectionOptions {
  const endpointUrl = o.endpointUrl ?? (o.local ? DEFAULT_LOCAL_ENDPOINT : undefined);
  return { region: o.region, ...(endpointUrl ? { endpoint: endpointUrl } : {}) };
}

export const clients = {
  cloudformation: (c: ConnectionOptions) => new CloudFormationClient(clientConfig(c)),
  /** The producer does its own backoff with full jitter: the SDK's retries would multiply attempts. */
  kinesis: (c: ConnectionOptions) => new KinesisClient(clientConfig(c, { maxAttempts: 1 })),
  sfn: (c: ConnectionOptions) => new SFNClient(clientConfig(c)),
  emr: (c: ConnectionOptions) => new EMRClient(clientConfig(c)),
  ssm: (c: ConnectionOptions) => new SSMClient(clientConfig(c)),
  flink: (c: ConnectionOptions) => new KinesisAnalyticsV2Client(clientConfig(c)),
  cloudwatch: (c: ConnectionOptions) => new CloudWatchClient(clientConfig(c)),
  credentials: (c: ConnectionOptions): AwsCredentialIdentity | Provider<AwsCredentialIdentity> => {
    const cfg = clientConfig(c);
    return cfg.credentials ?? fromNodeProviderChain();
  },
};

export async function deployment(o: DeploymentOptions): Promise<Deployment> {
  const conn = connection(o);
  return resolveDeployment(clients.cloudformation(conn), o.stage, o.architecture);
}
