/**
 * `--local` against the runtime's own HTTP endpoint (real server on 127.0.0.1, fake handler and batch runner) and a
 * .streamlake/local.json in a temporary folder: what each command sends, and what it refuses.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { clientConfig } from '../../cli/lib/clients';
import { ExitCode } from '../../cli/lib/errors';
import { readLocalRuntime } from '../../cli/lib/local-runtime';
import { run } from '../../cli/main';
import {
  LOCAL_RUNTIME_FILE_ENV,
  type LocalBatchRun,
  type LocalRuntimeFile,
} from '../../lib/contracts/local-runtime';
import type { QueryHandler } from '../../local/compute/serving';
import { BusyError, startRuntimeServer, stopRuntimeServer } from '../../local/runtime-server';
import { testContext } from './support';

const CREDS = { accessKeyId: 'streamlake-local', secretAccessKey: 'streamlake-local' };
let dir: string;
let server: Server;
let url: string;
const events: APIGatewayProxyEventV2[] = [];
const runs: LocalBatchRun[] = [];
let stops = 0;
let busy = false;
let child: ChildProcess | undefined;

function describeRuntime(pid: number): LocalRuntimeFile {
  return {
    version: 1,
    pid,
    startedAt: new Date().toISOString(),
    architecture: 'lambda',
    batchEngine: 'emr',
    region: 'us-east-1',
    credentials: CREDS,
    endpoints: {
      kinesis: 'http://127.0.0.1:1',
      dynamodb: 'http://127.0.0.1:2',
      s3: 'http://127.0.0.1:3',
      sqs: 'http://127.0.0.1:3',
      ssm: 'http://127.0.0.1:3',
      runtime: url,
    },
    outputs: {
      StreamName: 'events',
      ViewTableName: 'views',
      RawBucketName: 'raw',
      ServingApiUrl: `${url}/serving`,
    },
    workDir: dir,
    logsDir: join(dir, 'logs'),
  };
}

function writeRuntime(pid = process.pid): void {
  writeFileSync(join(dir, 'local.json'), JSON.stringify(describeRuntime(pid)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'streamlake-local-cli-'));
  process.env[LOCAL_RUNTIME_FILE_ENV] = join(dir, 'local.json');
  const handler = (async (event: APIGatewayProxyEventV2) => {
    events.push(event);
    return {
      statusCode: 200,
      body: JSON.stringify({ contentId: 'c1', granularity: 'day', from: 'a', to: 'b', series: [] }),
    };
  }) as unknown as QueryHandler;
  ({ server, url } = await startRuntimeServer({
    serving: handler,
    key: { ...CREDS, region: 'us-east-1' },
    batch: {
      list: () => [...runs].reverse(),
      start(day) {
        if (busy) throw new BusyError('a batch run is already going');
        const r: LocalBatchRun = {
          id: `local-${day}`,
          day,
          status: 'SUCCEEDED',
          startedAt: new Date().toISOString(),
          stoppedAt: new Date().toISOString(),
          log: '/x/spark.log',
        };
        runs.push(r);
        return { ...r, status: 'RUNNING' };
      },
    },
    onStop: () => {
      stops += 1;
      child?.kill('SIGTERM');
    },
    replayUnavailable: 'not on this runtime',
  }));
  writeRuntime();
});

afterAll(async () => {
  await stopRuntimeServer(server);
  delete process.env[LOCAL_RUNTIME_FILE_ENV];
  rmSync(dir, { recursive: true, force: true });
});

test('query --local signs with the runtime credentials; the runtime verifies and hands the handler the query', async () => {
  const ctx = testContext();
  const code = await run(
    [
      'query',
      '--local',
      '--content-id',
      'c1',
      '--from',
      '2026-11-20',
      '--to',
      '2026-11-20',
      '--granularity',
      'day',
      '--json',
    ],
    ctx,
  );
  expect(ctx.errors).toEqual([]);
  expect(code).toBe(ExitCode.ok);
  expect(events.at(-1)?.rawPath).toBe('/metrics');
  expect(events.at(-1)?.queryStringParameters).toEqual({
    contentId: 'c1',
    from: '2026-11-20',
    to: '2026-11-20',
    granularity: 'day',
  });
});

test('an unsigned request to the serving route is refused with 403', async () => {
  const res = await fetch(`${url}/serving/metrics?contentId=c1`);
  expect(res.status).toBe(403);
});

test('batch run --local --wait starts the run for the day and ends with its outcome', async () => {
  const ctx = testContext();
  expect(await run(['batch', 'run', '--local', '--date', '2026-11-20', '--wait'], ctx)).toBe(ExitCode.ok);
  expect(ctx.lines).toEqual([
    'started local-2026-11-20 for 2026-11-20 (offline runtime, log /x/spark.log)',
    expect.stringMatching(/^2026-11-20: SUCCEEDED after /),
  ]);
});

test('a second run while one is going is refused with the runtime message (exit 1)', async () => {
  busy = true;
  const ctx = testContext();
  expect(await run(['batch', 'run', '--local', '--date', '2026-11-21'], ctx)).toBe(ExitCode.failure);
  expect(ctx.errors.join('\n')).toMatch(/answered 409 .*already going/);
  busy = false;
});

test('batch status --local lists the runtime runs and each day from the completion items and the raw listing', async () => {
  const doc = mockClient(DynamoDBDocumentClient);
  const s3 = mockClient(S3Client);
  doc.on(QueryCommand).resolves({
    Items: [
      {
        pk: 'meta#batch',
        sk: 'day#2026-11-22',
        day: '2026-11-22',
        completedAt: '2026-11-23T00:10:00.000Z',
        engine: 'emr',
        inputObjects: 1,
        inputBytes: 10,
        inputLastModified: '2026-11-22T23:00:00.000Z',
        eventCount: 5,
      },
      {
        pk: 'meta#batch',
        sk: 'day#2026-11-20',
        day: '2026-11-20',
        completedAt: '2026-11-21T00:10:00.000Z',
        engine: 'emr',
        inputObjects: 1,
        inputBytes: 10,
        inputLastModified: '2026-11-20T23:00:00.000Z',
        eventCount: 5,
      },
    ],
  });
  const late = {
    Key: 'raw/events/dt=2026-11-20/b.gz',
    Size: 7,
    LastModified: new Date('2026-11-21T09:00:00Z'),
  };
  s3.on(ListObjectsV2Command).callsFake((i: { Prefix: string }) =>
    i.Prefix.includes('2026-11-20')
      ? {
          Contents: [
            { Key: `${i.Prefix}a.gz`, Size: 10, LastModified: new Date('2026-11-20T23:00:00Z') },
            late,
          ],
        }
      : i.Prefix.includes('2026-11-22') || i.Prefix.includes('2026-11-23')
        ? { Contents: [{ Key: `${i.Prefix}a.gz`, Size: 10, LastModified: new Date('2026-11-22T23:00:00Z') }] }
        : {},
  );
  try {
    const ctx = testContext();
    expect(await run(['batch', 'status', '--local', '--days', '4', '--json'], ctx)).toBe(ExitCode.ok);
    const out = JSON.parse(ctx.lines.join('\n')) as {
      runs: { id: string }[];
      days: { day: string; state: string }[];
    };
    expect(out.runs.map((r) => r.id)).toContain('local-2026-11-20');
    expect(out.days.map((d) => [d.day, d.state])).toEqual([
      ['2026-11-23', 'missing'],
      ['2026-11-22', 'complete'],
      ['2026-11-21', 'no_data'],
      ['2026-11-20', 'late_data'],
    ]);
    expect(out.days[3]).toMatchObject({ newObjects: 1, newBytes: 7, events: 5 });
  } finally {
    doc.restore();
    s3.restore();
  }
});

test('replay --local on a lambda runtime is "not deployed" (exit 3): replays need kappa', async () => {
  const ctx = testContext();
  expect(await run(['replay', '--local', '--dry-run'], ctx)).toBe(ExitCode.notDeployed);
  expect(ctx.errors.join('\n')).toMatch(/runs the lambda architecture, not kappa/);
});

test('--local with no runtime file, or a stale one, is "not deployed" with how to start it', async () => {
  const ctx = testContext();
  const env = { [LOCAL_RUNTIME_FILE_ENV]: join(dir, 'absent.json') };
  expect(() => readLocalRuntime(env)).toThrow(/no offline runtime is running .*npm start -- --keep-running/);
  expect(() => readLocalRuntime(process.env, process.cwd(), () => false)).toThrow(
    /pid \d+ has exited; the file is stale/,
  );
  writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...describeRuntime(process.pid), version: 0 }));
  expect(() => readLocalRuntime({ [LOCAL_RUNTIME_FILE_ENV]: join(dir, 'old.json') })).toThrow(/version 0/);
  process.env[LOCAL_RUNTIME_FILE_ENV] = join(dir, 'absent.json');
  try {
    expect(await run(['produce', '--local', '--count', '1'], ctx)).toBe(ExitCode.notDeployed);
  } finally {
    process.env[LOCAL_RUNTIME_FILE_ENV] = join(dir, 'local.json');
  }
});

test('each service goes to its own emulator; one the runtime does not run is refused', () => {
  const conn = {
    region: 'us-east-1',
    endpoints: { kinesis: 'http://127.0.0.1:1', dynamodb: 'http://127.0.0.1:2' },
  };
  expect(clientConfig(conn, { service: 'kinesis' }).endpoint).toBe('http://127.0.0.1:1');
  expect(clientConfig(conn, { service: 'dynamodb' }).endpoint).toBe('http://127.0.0.1:2');
  expect(() => clientConfig(conn, { service: 'sfn' })).toThrow(/sfn is not part of the offline runtime/);
});

test('local down asks the runtime to stop and returns once its process has exited', async () => {
  child = spawn('sleep', ['30'], { stdio: 'ignore' });
  writeRuntime(child.pid);
  const ctx = testContext({ now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  try {
    expect(await run(['local', 'down'], ctx)).toBe(ExitCode.ok);
    expect(stops).toBe(1);
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
    expect(ctx.lines.at(-1)).toMatch(new RegExp(`stopped the offline runtime \\(pid ${child.pid}\\)`));
  } finally {
    writeRuntime();
  }
});

test('replay --local on a kappa runtime: the plan, then the run followed to its outcome; a second is refused', async () => {
  let step = 0;
  const replay = {
    id: 'replay-1',
    currentView: 'flink-v1',
    nextView: 'flink-v2',
    startedAt: new Date().toISOString(),
  };
  const starts: (number | undefined)[] = [];
  const kappa = await startRuntimeServer({
    key: { ...CREDS, region: 'us-east-1' },
    onStop: () => undefined,
    replayUnavailable: '',
    replays: {
      plan: async () => ({ currentView: 'flink-v1', nextView: 'flink-v2' }),
      start: async (fromMs) => {
        starts.push(fromMs);
        return starts.length > 1 ? null : { ...replay, status: 'RUNNING', step: 'replay job' };
      },
      list: () => {
        step += 1;
        return step < 2
          ? [{ ...replay, status: 'RUNNING', step: 'replay job' }]
          : [{ ...replay, status: 'SUCCEEDED', step: 'done', handOverAt: '2026-11-23T12:01:00.000Z' }];
      },
    },
  });
  const file = join(dir, 'kappa.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...describeRuntime(process.pid),
      architecture: 'kappa',
      endpoints: { ...describeRuntime(process.pid).endpoints, runtime: kappa.url },
    }),
  );
  process.env[LOCAL_RUNTIME_FILE_ENV] = file;
  try {
    const plan = testContext({ now: () => Date.now(), sleep: async () => undefined });
    expect(await run(['replay', '--local', '--dry-run'], plan)).toBe(ExitCode.ok);
    expect(plan.lines[0]).toBe('replay plan (flink-v1 -> flink-v2, offline runtime):');
    expect(starts).toEqual([]);
    const ctx = testContext({ now: () => Date.now(), sleep: async () => undefined });
    expect(await run(['replay', '--local', '--from', '2026-11-23T11:00:00Z'], ctx)).toBe(ExitCode.ok);
    expect(starts).toEqual([Date.parse('2026-11-23T11:00:00Z')]);
    expect(ctx.lines.at(-1)).toMatch(
      /^replay done in .*: serving reads flink-v2 \(was flink-v1\); the live job writes it for event times from 2026-11-23T12:01:00.000Z\.$/,
    );
    const again = testContext();
    expect(await run(['replay', '--local'], again)).toBe(ExitCode.failure);
    expect(again.errors.join('\n')).toMatch(/409 .*a replay is already going/);
  } finally {
    process.env[LOCAL_RUNTIME_FILE_ENV] = join(dir, 'local.json');
    await stopRuntimeServer(kappa.server);
  }
});
