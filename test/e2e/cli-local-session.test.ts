/**
 * The offline session of docs/cli.md: `npm start -- --keep-running` (smallest workload, 5 s window, no scenario batch),
 * then every command with `--local` against it, then `streamlake local down`. The reference is the truth file
 * `produce --truth` writes (what the generator meant each record to be), never what a view holds; the waits are on the
 * runtime's reader positions against the stream's tips (GET /health), not on any count.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { WorkloadGenerator } from '../../cli/lib/generator';
import { readLocalRuntime } from '../../cli/lib/local-runtime';
import { run } from '../../cli/main';
import { LOCAL_RUNTIME_FILE_ENV, LOCAL_RUNTIME_UP_LINE } from '../../lib/contracts/local-runtime';
import { readStream } from '../../local/observe';
import { portOpen } from '../../local/proc';
import { aggregate } from '../../local/reference';
import { testContext } from '../cli/support';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'streamlake-session-'));
const file = join(dir, 'local.json');
let runtime: ChildProcess | undefined;
let output = '';
let exited: Promise<number | null>;
const realClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};

function ctx() {
  return testContext(realClock);
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = ctx();
  const code = await run(args, c);
  return { code, out: c.lines.join('\n'), err: c.errors.join('\n') };
}

/** Whether something still listens at a runtime endpoint (all are on 127.0.0.1). */
const endpointOpen = (url: string): Promise<boolean> => portOpen(Number(new URL(url).port));

beforeAll(async () => {
  process.env[LOCAL_RUNTIME_FILE_ENV] = file;
  runtime = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      'local/main.ts',
      '--keep-running',
      '--records',
      '100',
      '--window-seconds',
      '5',
      '--skip-batch',
    ],
    { cwd: ROOT, env: { ...process.env, [LOCAL_RUNTIME_FILE_ENV]: file }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  exited = new Promise((resolve) => runtime?.once('exit', (code) => resolve(code)));
  const up = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes(LOCAL_RUNTIME_UP_LINE)) resolve();
    };
    runtime?.stdout?.on('data', onData);
    runtime?.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was up:\n${output}`)));
  });
  await up;
}, 900_000);

afterAll(async () => {
  if (runtime && runtime.exitCode === null && runtime.signalCode === null) {
    runtime.kill('SIGINT');
    await exited;
  }
  delete process.env[LOCAL_RUNTIME_FILE_ENV];
  rmSync(dir, { recursive: true, force: true });
});

test('produce, query, batch run, batch status, cost, replay and local down, all with --local', async () => {
  const rt = readLocalRuntime();
  expect(rt.architecture).toBe('lambda');

  // produce: into the runtime's stream, found by itself; the truth file is the reference.
  const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000).toISOString();
  const truthFile = join(dir, 'truth.jsonl');
  const produced = await cli([
    'produce',
    '--local',
    '--count',
    '400',
    '--rate',
    '200',
    '--seed',
    '5',
    '--start',
    start,
    '--truth',
    truthFile,
    '--json',
  ]);
  expect(produced.err).toBe('');
  expect(produced.code).toBe(0);
  expect(JSON.parse(produced.out)).toMatchObject({ sent: 400, failed: 0 });

  // The records produce sent, generated again from the same seed, start and rate; the truth file proves they match.
  const gen = new WorkloadGenerator({ seed: 5, startTimeMs: Date.parse(start), ratePerSecond: 200 });
  const records = Array.from({ length: 400 }, () => gen.next());
  const truthIds = readFileSync(truthFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { eventId?: string }).eventId ?? null);
  expect(records.map((r) => r.truth.eventId ?? null)).toEqual(truthIds);
  const events = records.flatMap((r) =>
    r.truth.kind !== 'malformed' && r.truth.event ? [r.truth.event] : [],
  );
  const days = aggregate(events, 'day');
  const top = [...days.values()].sort((a, b) => b.count - a.count)[0];
  if (!top) throw new Error('the truth file has no event');

  // Settle: the runtime's mapping has settled every record up to each shard's tip and no window is open.
  const kinesis = new KinesisClient({
    region: rt.region,
    credentials: rt.credentials,
    endpoint: rt.endpoints.kinesis,
    requestHandler: new NodeHttpHandler(),
  });
  const stream = await readStream(kinesis, rt.outputs.StreamName as string);
  kinesis.destroy();
  const tips: Record<string, string> = {};
  for (const r of stream) tips[r.shardId] = r.sequenceNumber;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const h = (await (await fetch(`${rt.endpoints.runtime}/health`)).json()) as {
      speed: { settled: Record<string, string | undefined>; openWindows: number };
    };
    const settled = Object.entries(tips).every(
      ([s, tip]) => BigInt(h.speed.settled[s] ?? '0') >= BigInt(tip),
    );
    if (settled && h.speed.openWindows === 0) break;
    if (Date.now() > deadline) throw new Error(`the speed layer did not settle: ${JSON.stringify(h)}`);
    await realClock.sleep(500);
  }

  // query: the speed view over HTTP, SigV4-signed, equals the truth for the most watched content and type.
  const q = await cli([
    'query',
    '--local',
    '--content-id',
    top.contentId,
    '--type',
    top.type,
    '--from',
    top.bucket,
    '--to',
    top.bucket,
    '--granularity',
    'day',
    '--json',
  ]);
  expect(q.err).toBe('');
  const served = JSON.parse(q.out) as {
    series: { type: string; points: { count: number; watchSeconds: number }[] }[];
  };
  const sum = (f: 'count' | 'watchSeconds') =>
    served.series.flatMap((s) => s.points).reduce((t, p) => t + p[f], 0);
  expect({ count: sum('count'), watchSeconds: sum('watchSeconds') }).toEqual({
    count: top.count,
    watchSeconds: top.watchSeconds,
  });

  // batch run: the runtime runs the Spark job for the day; batch status shows the run and the day complete.
  const b = await cli(['batch', 'run', '--local', '--date', top.bucket, '--wait', '--timeout', '10m']);
  expect(b.out).toMatch(new RegExp(`${top.bucket}: SUCCEEDED after`));
  expect(b.code).toBe(0);
  const s = await cli(['batch', 'status', '--local', '--days', '2', '--json']);
  expect(s.code).toBe(0);
  const status = JSON.parse(s.out) as {
    runs: { day: string; status: string }[];
    days: { day: string; state: string; rawObjects: number; events?: number }[];
  };
  expect(status.runs[0]).toMatchObject({ day: top.bucket, status: 'SUCCEEDED' });
  // The day is complete: its completion item (meta#batch / day#D) counts the day's valid events after dedupe.
  const dayEvents = [...days.values()]
    .filter((x) => x.bucket === top.bucket)
    .reduce((t, x) => t + x.count, 0);
  const day = status.days.find((x) => x.day === top.bucket);
  expect(day).toMatchObject({ state: 'complete', events: dayEvents });
  expect(day?.rawObjects).toBeGreaterThan(0);

  // query again: the day now comes from the batch view, with the same numbers.
  const q2 = JSON.parse(
    (
      await cli([
        'query',
        '--local',
        '--content-id',
        top.contentId,
        '--type',
        top.type,
        '--from',
        top.bucket,
        '--to',
        top.bucket,
        '--granularity',
        'day',
        '--json',
      ])
    ).out,
  ) as { series: { points: { count: number; layer?: string }[] }[] };
  expect(q2.series.flatMap((x) => x.points).map((p) => [p.count, p.layer])).toEqual([[top.count, 'batch']]);

  // cost: the runtime's architecture only.
  const c = await cli(['cost', '--local', '--events-per-sec', '100', '--event-bytes', '300', '--json']);
  expect(c.code).toBe(0);
  expect(c.out).toMatch(/"lambda"/);
  expect(c.out).not.toMatch(/"architecture": "kappa"/);

  // replay: kappa only; this runtime is lambda.
  const r = await cli(['replay', '--local', '--dry-run']);
  expect(r.code).toBe(3);
  expect(r.err).toMatch(/runs the lambda architecture, not kappa/);

  // local down: the process exits, every port it held is free, the file is gone.
  const down = await cli(['local', 'down']);
  expect(down.code).toBe(0);
  // npm start's exit code is its scenario's: with --skip-batch its batch checks are NOT RUN, which is 2.
  expect(await exited).toBe(2);
  expect(output).toMatch(/offline runtime stopped/);
  for (const url of Object.values(rt.endpoints)) expect(await endpointOpen(url)).toBe(false);
  expect(existsSync(file)).toBe(false);
}, 900_000);
