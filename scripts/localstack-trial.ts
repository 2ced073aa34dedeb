/**
 * `npm run localstack:trial`: deploys the unmodified `target=localstack` variant into community LocalStack and checks
 * that events put into the stream reach the raw bucket, then destroys the stacks and stops everything it started
 * (also on failure and Ctrl-C). No Docker, no auth token, no network beyond the package registries.
 *
 * - LocalStack 2026.3.0 runs in host mode from its own virtualenv (Python 3.13), installed from
 *   scripts/localstack-constraints.txt; the venv and LocalStack's libraries are cached outside the repository
 *   (STREAMLAKE_LOCALSTACK_CACHE, default ~/.cache/streamlake/localstack); each run's state lives in a temp dir.
 * - LocalStack's DynamoDB and Firehose (its Kinesis source runs a KCL consumer) would download a JDK and DynamoDB Local
 *   at first use. The trial gives LocalStack's package directory what it looks for instead: its Java 11 and 21 slots
 *   point at the machine's JDK (17 or later), and DynamoDB Local comes from Maven Central
 *   (scripts/localstack-dynamodb-local.pom.xml). LocalStack's own code is not patched.
 * Usage: tsx scripts/localstack-trial.ts [--events N] [--prepare]   (--prepare: install and fetch only, then exit)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Outputs } from '../lib/contracts/outputs';
import { freePort, type ManagedProcess, ProcessRegistry, sleep, waitFor } from '../local/proc';
import { checkArchive } from './localstack-archive-check';
import {
  descendants,
  ensureDynamoDbLocal,
  ensureVenv,
  forceLink,
  javaHome,
  killLeftovers,
  LOCALSTACK_VERSION,
} from './localstack-setup';

const ROOT = join(__dirname, '..');
const CACHE =
  process.env.STREAMLAKE_LOCALSTACK_CACHE ?? join(homedir(), '.cache', 'streamlake', 'localstack');
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** After the first archive object appears, the bucket must stay unchanged this long before it is checked. */
const QUIET_MS = 10_000;
const ARCHIVE_TIMEOUT_MS = 180_000;
/** LocalStack shuts its services and their processes down on SIGTERM; SIGKILL only after this. */
const LOCALSTACK_GRACE_MS = 30_000;
const FIXTURES = join(ROOT, 'test', 'fixtures', 'events.jsonl');

/** Since the process started (tsx start-up included), so the printed total is the wall time of the run. */
const started = Date.now() - process.uptime() * 1000;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[localstack-trial +${seconds(Date.now() - started)}] ${line}`);

async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = Date.now();
  log(`${name} …`);
  const result = await fn();
  log(`${name}: done in ${seconds(Date.now() - t0)}`);
  return result;
}

interface Run {
  readonly dir: string;
  readonly registry: ProcessRegistry;
  readonly env: NodeJS.ProcessEnv;
}

/** Runs a command to completion in its own process group (so Ctrl-C stops it too); fails with the log's tail. */
async function run(r: Run, name: string, command: string, args: readonly string[]): Promise<void> {
  const logFile = join(r.dir, `${name}.log`);
  const p = r.registry.start({ name, command, args, cwd: ROOT, env: r.env, logFile });
  const code = await p.exit;
  if (code !== 0) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(`${name} exited with ${code}; last lines of ${logFile}:\n${tail}`);
  }
}

function fixtureEvents(count: number): { id: string; line: string }[] {
  const lines = readFileSync(FIXTURES, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .slice(0, count);
  return lines.map((line) => ({ id: String((JSON.parse(line) as { eventId: string }).eventId), line }));
}

async function stackOutputs(cfn: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries(
    (Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
}

/** Polls the raw bucket until it has objects and has not changed for QUIET_MS (or ARCHIVE_TIMEOUT_MS passes). */
async function archiveObjects(
  s3: S3Client,
  bucket: string,
): Promise<{ keys: string[]; bodies: Uint8Array[] }> {
  const deadline = Date.now() + ARCHIVE_TIMEOUT_MS;
  let last = '';
  let quietSince = Date.now();
  let keys: string[] = [];
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    keys = (listed.Contents ?? []).map((o) => `${o.Key}\t${o.Size}`).sort();
    const signature = keys.join('\n');
    if (signature !== last) {
      last = signature;
      quietSince = Date.now();
    } else if (keys.length > 0 && Date.now() - quietSince >= QUIET_MS) break;
    if (Date.now() > deadline) break;
    await sleep(2000);
  }
  const names = keys.map((k) => k.split('\t')[0]);
  const bodies = await Promise.all(
    names.map(async (Key) => {
      const o = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      return (await o.Body?.transformToByteArray()) ?? new Uint8Array();
    }),
  );
  return { keys: names, bodies };
}

async function main(): Promise<void> {
  const countArg = process.argv.indexOf('--events');
  const eventCount = countArg > 0 ? Number(process.argv[countArg + 1]) : 50;
  if (!Number.isInteger(eventCount) || eventCount < 1 || eventCount > 500) {
    throw new Error(
      `--events must be a whole number from 1 to 500 (one PutRecords call), got ${process.argv[countArg + 1]}`,
    );
  }
  mkdirSync(CACHE, { recursive: true });
  const venv = await step(`install LocalStack ${LOCALSTACK_VERSION} into ${join(CACHE, 'venv')}`, () =>
    ensureVenv(CACHE),
  );
  const home = javaHome();
  const libDir = join(CACHE, 'lib');
  await step('DynamoDB Local from Maven Central', () => ensureDynamoDbLocal(libDir, home));
  for (const slot of ['11', '21']) forceLink(home, join(libDir, 'java', slot));
  if (process.argv.includes('--prepare')) {
    log(`prepared ${CACHE}`);
    return;
  }

  const dir = mkdtempSync(join(tmpdir(), 'streamlake-localstack-'));
  runDir = dir;
  const registry = new ProcessRegistry();
  let localstack: ManagedProcess | undefined;
  let stopping: Promise<void> | undefined;
  // LocalStack stops its own children on SIGTERM: give it time, then kill whatever of its tree is left.
  const shutdown = () => {
    stopping ??= (async () => {
      const tree = localstack?.child.pid ? descendants(localstack.child.pid) : [];
      await localstack?.stop(LOCALSTACK_GRACE_MS);
      await registry.stopAll();
      const killed = killLeftovers(tree);
      if (killed > 0) log(`killed ${killed} process(es) LocalStack left behind`);
    })();
    return stopping;
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping every process the trial started`);
      void shutdown().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
  const fsRoot = join(dir, 'filesystem');
  forceLink(libDir, join(fsRoot, 'var', 'lib', 'localstack', 'lib'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // LocalStack's Firehose starts a KCL consumer script with `#!/usr/bin/env python`: the venv must come first.
    PATH: `${join(venv, 'bin')}:${process.env.PATH}`,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    CDK_DEFAULT_ACCOUNT: ACCOUNT,
    CDK_DEFAULT_REGION: REGION,
  };
  const r: Run = { dir, registry, env };
  try {
    await step(`start LocalStack (host mode) on ${endpoint}`, async () => {
      const ls = registry.start({
        name: 'localstack',
        command: join(venv, 'bin', 'python'),
        args: ['-m', 'localstack.runtime.main'],
        cwd: dir,
        logFile: join(dir, 'localstack.log'),
        env: {
          ...env,
          // This machine may itself be a container: say LocalStack runs on the host, so every path is under fsRoot.
          OVERRIDE_IN_DOCKER: '0',
          FILESYSTEM_ROOT: fsRoot,
          GATEWAY_LISTEN: `127.0.0.1:${port}`,
          LOCALSTACK_HOST: `127.0.0.1:${port}`,
          DNS_ADDRESS: '0',
          SKIP_SSL_CERT_DOWNLOAD: '1',
          DISABLE_EVENTS: '1',
        },
      });
      localstack = ls;
      await waitFor(
        'LocalStack to report Ready',
        async () => {
          if (!ls.running) throw new Error('LocalStack exited');
          return readFileSync(join(dir, 'localstack.log'), 'utf8').includes('Ready.');
        },
        120_000,
        500,
      ).catch((e: Error) => {
        const tail = readFileSync(join(dir, 'localstack.log'), 'utf8').split('\n').slice(-30).join('\n');
        throw new Error(`${e.message}\n${tail}`);
      });
    });
    const cdklocal = join(ROOT, 'node_modules', '.bin', 'cdklocal');
    const cdkOut = join(dir, 'cdk.out');
    await step('cdklocal bootstrap', () =>
      run(r, 'bootstrap', cdklocal, ['bootstrap', `aws://${ACCOUNT}/${REGION}`, '--output', cdkOut]),
    );
    await step('cdklocal deploy --all -c target=localstack', () =>
      run(r, 'deploy', cdklocal, [
        'deploy',
        '--all',
        '-c',
        'target=localstack',
        '--require-approval',
        'never',
        '--output',
        cdkOut,
      ]),
    );

    const clientConfig = {
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler(),
    };
    const cfn = new CloudFormationClient(clientConfig);
    const stacks = await cfn.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }));
    const names = (stacks.StackSummaries ?? [])
      .map((s) => s.StackName ?? '')
      .filter((n) => n.startsWith('Streamlake-'));
    log(`deployed: ${names.sort().join(', ')}`);
    const ingestion = names.find((n) => n.endsWith('-Ingestion'));
    const storage = names.find((n) => n.endsWith('-Storage'));
    if (!ingestion || !storage) throw new Error(`no Ingestion or Storage stack among ${names.join(', ')}`);
    const streamName = (await stackOutputs(cfn, ingestion))[Outputs.streamName];
    const bucket = (await stackOutputs(cfn, storage))[Outputs.rawBucketName];
    if (!streamName || !bucket)
      throw new Error('the stacks do not export the stream name and the raw bucket name');

    const events = fixtureEvents(eventCount);
    await step(`put ${events.length} events into ${streamName}`, async () => {
      const kinesis = new KinesisClient(clientConfig);
      const out = await kinesis.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: events.map((e) => ({ Data: Buffer.from(e.line), PartitionKey: e.id })),
        }),
      );
      if (out.FailedRecordCount)
        throw new Error(`${out.FailedRecordCount} records were rejected by the stream`);
    });
    const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
    const archive = await step(`wait for the raw bucket ${bucket} to settle`, () =>
      archiveObjects(s3, bucket),
    );
    for (const key of archive.keys) log(`  object ${key}`);
    const check = checkArchive(
      events.map((e) => e.id),
      archive.bodies,
    );
    log(
      `archive check: ${check.put} records put (${new Set(events.map((e) => e.id)).size} distinct eventIds), ${check.archived} archived, ${check.missing.length} missing, ${check.unexpected.length} unexpected, ${check.duplicated.length} delivered more than once`,
    );
    if (!check.ok) {
      throw new Error(
        `the raw bucket does not hold exactly the events put: missing ${check.missing.slice(0, 5).join(', ')}; unexpected ${check.unexpected.slice(0, 5).join(', ')}`,
      );
    }

    await step('cdklocal destroy --all', () =>
      // The cloud assembly deploy just synthesized: destroying it needs no second synthesis.
      run(r, 'destroy', cdklocal, ['destroy', '--all', '--force', '--app', cdkOut]),
    );
    const left = await cfn.send(new ListStacksCommand({}));
    const remaining = (left.StackSummaries ?? [])
      .filter((s) => s.StackName?.startsWith('Streamlake-') && s.StackStatus !== 'DELETE_COMPLETE')
      .map((s) => `${s.StackName} ${s.StackStatus}`);
    if (remaining.length > 0) throw new Error(`stacks left after destroy: ${remaining.join(', ')}`);
    log('destroyed: no Streamlake stack left (retained key, buckets, table and stream go with LocalStack)');
  } finally {
    await step('stop every process the trial started', shutdown);
  }
  log(`trial passed in ${seconds(Date.now() - started)}`);
}

let runDir: string | undefined;
let keepRunDir = false;
process.on('exit', () => {
  if (runDir && !keepRunDir) rmSync(runDir, { recursive: true, force: true });
});

main().then(
  // Every child is stopped; exit now instead of waiting for the SDK clients' idle keep-alive sockets to close.
  () => process.exit(0),
  (error: Error) => {
    keepRunDir = true;
    console.error(`[localstack-trial] FAILED: ${error.message}`);
    if (runDir) console.error(`[localstack-trial] logs kept in ${runDir}`);
    process.exit(1);
  },
);
