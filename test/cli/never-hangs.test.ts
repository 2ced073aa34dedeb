/**
 * The CLI as a user runs it (child processes) against endpoints that misbehave: one that accepts connections and
 * never answers, and a port where nothing listens. Timeouts are configured short; the tests assert what is said and
 * the exit code, never how long anything took.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../cli/lib/errors';
import {
  cleanEnv,
  closedPort,
  finished,
  noStackTrace,
  runCli,
  type SilentServer,
  silentServer,
  start,
} from './process';

const FAST = ['--connect-timeout', '200ms', '--request-timeout', '300ms'];
const KEYS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
let server: SilentServer;

beforeEach(async () => {
  server = await silentServer();
});
afterEach(async () => {
  await server.close();
});

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

test('batch status against an endpoint that never answers: exit 5 after 3 attempts, naming it', async () => {
  const r = await runCli(['batch', 'status', '--endpoint-url', server.url, ...FAST], cleanEnv());
  expect(r.code).toBe(ExitCode.unreachable);
  expect(r.stderr.trim()).toBe(
    `streamlake: cannot reach ${server.url}: connected, but no answer within 300 ms (3 attempts). ` +
      'Check that it is the endpoint you meant (--endpoint-url, --local, --url) and that it is healthy, or raise --request-timeout.',
  );
  expect(server.connections()).toBe(3);
});

test('produce into an endpoint that never answers: exit 5, records written to the unsent file, not "throttled"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sl-unsent-'));
  const unsent = join(dir, 'unsent.jsonl');
  const args = ['produce', '--endpoint-url', server.url, '--stream-name', 's', '--count', '10'];
  const r = await runCli([...args, '--unsent-file', unsent, ...FAST], cleanEnv());
  expect(r.code).toBe(ExitCode.unreachable);
  expect(r.stdout).toMatch(/sent 0, retried \d+, failed 10 .* 0 throttled, 3 without answer\)/);
  expect(r.stderr).toContain(
    `streamlake: cannot reach ${server.url}: connected, but no answer within 300 ms.`,
  );
  expect(r.stderr).toContain(`10 record(s) not sent; written to ${unsent}`);
  expect(lines(unsent)).toHaveLength(10);
  expect(server.connections()).toBe(3);
  noStackTrace(r.stderr);
});

test('query against a serving API that never answers: exit 5, naming it', async () => {
  const args = ['query', '--content-id', 'match-1', '--from', '2026-11-20', '--to', '2026-11-20'];
  const r = await runCli([...args, '--url', `${server.url}/prod`, ...FAST], cleanEnv(KEYS));
  expect(r.code).toBe(ExitCode.unreachable);
  expect(r.stderr).toMatch(
    new RegExp(`^streamlake: cannot reach ${server.url}: no answer within 500 ms \\(3 attempts\\)\\.`),
  );
});

test('a port where nothing listens: exit 5, connection refused', async () => {
  const url = await closedPort();
  const r = await runCli(['batch', 'status', '--endpoint-url', url, ...FAST], cleanEnv());
  expect(r.code).toBe(ExitCode.unreachable);
  expect(r.stderr).toMatch(
    new RegExp(`^streamlake: cannot reach ${url}: connection refused \\(3 attempts\\)\\.`),
  );
});

test('no AWS credentials: one line that says how to provide them, exit 6', async () => {
  const r = await runCli(
    ['batch', 'status', ...FAST],
    cleanEnv({ HOME: mkdtempSync(join(tmpdir(), 'sl-home-')) }),
  );
  expect(r.code).toBe(ExitCode.credentials);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^streamlake: no usable AWS credentials \(CredentialsProviderError: /);
  expect(r.stderr).toContain('AWS_PROFILE');
  expect(r.stderr).toContain('--local');
  noStackTrace(r.stderr);
});

test('Ctrl-C during produce prints the summary and writes the records not confirmed sent, exit 130', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'sl-ctrlc-'));
  const child = start(
    [
      'produce',
      '--endpoint-url',
      server.url,
      '--stream-name',
      's',
      '--count',
      '100000',
      '--rate',
      '100000',
      '--json',
      '--request-timeout',
      '10m',
    ],
    cleanEnv(),
    cwd,
  );
  const done = finished(child);
  // A PutRecords call is in flight (the server holds it): interrupt now.
  await server.connected(1);
  child.kill('SIGINT');
  const r = await done;
  expect(r.code).toBe(ExitCode.interrupted);
  const summary = JSON.parse(r.stdout) as Record<string, number | string | boolean>;
  expect(summary).toMatchObject({ sent: 0, interrupted: true });
  expect(summary.failed).toBeGreaterThan(0);
  // Every record generated was either sent or written: none is lost.
  expect(summary.failed).toBe(
    (summary.events as number) + (summary.duplicates as number) + (summary.malformed as number),
  );
  const unsent = join(cwd, summary.unsentFile as string);
  expect(summary.unsentFile).toMatch(/^\.streamlake\/unsent\/streamlake-unsent-.*\.jsonl$/);
  expect(lines(unsent)).toHaveLength(summary.failed as number);
  expect(r.stderr.trim()).toBe(
    `streamlake: interrupted: ${summary.failed} record(s) not sent; written to ${summary.unsentFile}`,
  );
});

test('a closed pipe (| head) ends produce --out - quietly', async () => {
  const child = start(['produce', '--count', '1000000', '--out', '-'], cleanEnv());
  const done = finished(child);
  // Read the first chunk, then go away like `head -n 1` does.
  await new Promise<void>((r) => child.stdout!.once('data', () => r()));
  child.stdout!.destroy();
  const r = await done;
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
});

test('a closed pipe ends a command that prints a result quietly', async () => {
  const child = start(['cost', '--events-per-sec', '1000', '--scale'], cleanEnv());
  // The reader is gone before the command writes anything.
  child.stdout!.destroy();
  const r = await finished(child);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
});

test('nothing is written into the working directory when every record is sent or written elsewhere', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'sl-cwd-'));
  const r = await runCli(['produce', '--count', '10', '--out', join(cwd, 'events.jsonl')], cleanEnv(), cwd);
  expect(r.code).toBe(0);
  expect(existsSync(join(cwd, '.streamlake'))).toBe(false);
});
