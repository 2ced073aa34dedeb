/**
 * Starts the three emulators on random free ports of 127.0.0.1, each with its data in the run's temp folder:
 * kinesis-local (Kinesis), dynalite (DynamoDB, LevelDB store) and moto's server (S3, SQS, SSM).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { freePort, type ProcessRegistry, portOpen, waitFor } from './proc';

export const REGION = 'us-east-1';
/** Emulators accept any credentials; fixed dummy values keep the SDK from searching the machine for real ones. */
export const CREDENTIALS = { accessKeyId: 'streamlake-local', secretAccessKey: 'streamlake-local' } as const;

export interface Endpoints {
  readonly kinesis: string;
  readonly dynamodb: string;
  /** moto: S3, SQS and SSM on one port. */
  readonly moto: string;
}

export interface Clients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly ssm: SSMClient;
}

export const REPO_ROOT = resolve(__dirname, '..');

/** SDK clients for the emulators. HTTP/1.1 handler: kinesis-local fails on the Kinesis client's default HTTP/2. */
export function makeClients(ep: Endpoints): Clients {
  const common = { region: REGION, credentials: CREDENTIALS, maxAttempts: 3 };
  return {
    kinesis: new KinesisClient({ ...common, endpoint: ep.kinesis, requestHandler: new NodeHttpHandler() }),
    dynamodb: new DynamoDBClient({ ...common, endpoint: ep.dynamodb }),
    s3: new S3Client({ ...common, endpoint: ep.moto, forcePathStyle: true }),
    sqs: new SQSClient({ ...common, endpoint: ep.moto }),
    ssm: new SSMClient({ ...common, endpoint: ep.moto }),
  };
}

export function destroyClients(c: Clients): void {
  for (const client of Object.values(c) as { destroy(): void }[]) client.destroy();
}

/** Environment that points AWS SDKs (JS, Java v2, boto3) at the emulators. */
export function sdkEnv(ep: Endpoints): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_KINESIS: ep.kinesis,
    AWS_ENDPOINT_URL_DYNAMODB: ep.dynamodb,
    AWS_ENDPOINT_URL_S3: ep.moto,
    AWS_ENDPOINT_URL_SQS: ep.moto,
    AWS_ENDPOINT_URL_SSM: ep.moto,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`, { paths: [REPO_ROOT] }));
}

export function venvBin(tool: string): string {
  return join(REPO_ROOT, '.venv', 'bin', tool);
}

/** Starts kinesis-local on free ports and waits until it answers ListStreams; returns its plain-HTTP endpoint. */
export async function startKinesisLocal(reg: ProcessRegistry, workDir: string): Promise<string> {
  const logs = join(workDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const [plain, tls] = [await freePort(), await freePort()];
  // kinesis-local reads server.json (its TLS key) from the working directory, so it must run from its package folder.
  const dataDir = join(workDir, 'kinesis');
  mkdirSync(dataDir, { recursive: true });
  reg.start({
    name: 'kinesis-local',
    command: process.execPath,
    args: ['main.js'],
    cwd: packageDir('kinesis-local'),
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plain),
      KINESIS_MOCK_TLS_PORT: String(tls),
      AWS_REGION: REGION,
      SHOULD_PERSIST_DATA: 'true',
      PERSIST_PATH: dataDir,
      LOAD_DATA_IF_EXISTS: 'false',
      LOG_LEVEL: 'WARN',
      CREATE_STREAM_DURATION: '0ms',
    },
    logFile: join(logs, 'kinesis-local.log'),
  });
  const endpoint = `http://127.0.0.1:${plain}`;
  const client = new KinesisClient({
    region: REGION,
    credentials: CREDENTIALS,
    endpoint,
    requestHandler: new NodeHttpHandler(),
  });
  try {
    await waitFor(
      'kinesis-local',
      async () => (await portOpen(plain)) && !!(await client.send(new ListStreamsCommand({}))),
      60_000,
    );
  } finally {
    client.destroy();
  }
  return endpoint;
}

/** Starts dynalite (LevelDB store in the work folder). */
export async function startDynalite(reg: ProcessRegistry, workDir: string): Promise<string> {
  const port = await freePort();
  const dataDir = join(workDir, 'dynamodb');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  reg.start({
    name: 'dynalite',
    command: process.execPath,
    args: [
      join(packageDir('dynalite'), 'cli.js'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--path',
      dataDir,
      '--createTableMs',
      '0',
    ],
    logFile: join(workDir, 'logs', 'dynalite.log'),
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ region: REGION, credentials: CREDENTIALS, endpoint });
  try {
    await waitFor(
      'dynalite',
      async () => (await portOpen(port)) && !!(await client.send(new ListTablesCommand({}))),
      30_000,
    );
  } finally {
    client.destroy();
  }
  return endpoint;
}

/** Starts moto's server (S3, SQS, SSM) from the project venv. */
export async function startMoto(reg: ProcessRegistry, workDir: string): Promise<string> {
  const motoServer = venvBin('moto_server');
  if (!existsSync(motoServer)) {
    throw new Error(`${motoServer} not found: create the project venv with \`bash scripts/python-env.sh\``);
  }
  const port = await freePort();
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  reg.start({
    name: 'moto',
    command: motoServer,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true', TMPDIR: workDir },
    logFile: join(workDir, 'logs', 'moto.log'),
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(
    'moto server',
    async () => (await portOpen(port)) && (await fetch(`${endpoint}/moto-api/`)).ok,
    60_000,
  );
  return endpoint;
}

/** Starts all three emulators in parallel and waits until each answers an API call. */
export async function startEmulators(reg: ProcessRegistry, workDir: string): Promise<Endpoints> {
  const [kinesis, dynamodb, moto] = await Promise.all([
    startKinesisLocal(reg, workDir),
    startDynalite(reg, workDir),
    startMoto(reg, workDir),
  ]);
  return { kinesis, dynamodb, moto };
}
