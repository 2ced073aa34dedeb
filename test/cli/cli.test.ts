import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeClock } from '../../cli/lib/clock';
import { ExitCode } from '../../cli/lib/errors';
import { parseEvent } from '../../cli/lib/event';
import { run } from '../../cli/main';
import { testContext } from './support';

const ROOT = join(__dirname, '..', '..');
const cfn = mockClient(CloudFormationClient);
beforeEach(() => cfn.reset());

/** The shared recording context (test/cli/support.ts), with `out` lines under the name these tests use. */
function context() {
  const ctx = testContext(new FakeClock(Date.parse('2026-11-23T12:00:00.000Z')));
  return { ...ctx, stdout: ctx.lines };
}

test('npx streamlake --help lists the five commands and exits 0', () => {
  const r = spawnSync('npx', ['--no-install', 'streamlake', '--help'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status).toBe(0);
  for (const c of ['produce', 'batch', 'replay', 'query', 'cost'])
    expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  expect(r.stdout).toContain('Exit codes: 0 ok, 1 failure, 2 bad usage, 3 not deployed');
});

test.each([
  [['produce', '--rate', '-5'], /--rate must be a positive number, got '-5'/],
  [['produce', '--rate', 'fast'], /--rate must be a positive number/],
  [['produce', '--stage', 'staging'], /unknown stage 'staging': use one of dev, prod/],
  [
    ['batch', 'run', '--date', '2026-02-30'],
    /--date '2026-02-30' is not a calendar day: 2026-02 has days 01 to 28/,
  ],
  [
    ['cost', '--events-per-sec', '1000', '--region', 'mars-north-1'],
    /no price table for region 'mars-north-1'/,
  ],
  [['cost', '--events-per-sec', '0'], /--events-per-sec must be a positive number/],
  [
    ['query', '--content-id', 'x', '--from', 'yesterday', '--to', '-0m', '--url', 'https://x.example/'],
    /--from must be an ISO time/,
  ],
  [['replay', '--architecture', 'sigma'], /unknown architecture 'sigma'/],
])('exits 2 with a clear message for bad arguments: %j', async (argv, message) => {
  const ctx = context();
  expect(await run(argv, ctx)).toBe(ExitCode.usage);
  expect(ctx.errors.join('')).toMatch(message);
});

test('an unknown command or option exits 2', async () => {
  expect(await run(['deploy'], context())).toBe(ExitCode.usage);
  expect(await run(['cost', '--events-per-sec', '5', '--frobnicate'], context())).toBe(ExitCode.usage);
});

test('a missing deployment exits 3 naming the stage', async () => {
  cfn.on(ListStacksCommand).resolves({ StackSummaries: [] });
  const ctx = context();
  expect(await run(['batch', 'status', '--stage', 'prod'], ctx)).toBe(ExitCode.notDeployed);
  expect(ctx.errors.join('')).toMatch(/stage prod is not deployed/);
});

test('replay on a lambda deployment exits 3', async () => {
  cfn.on(ListStacksCommand).resolves({
    StackSummaries: [
      { StackName: 'Streamlake-Dev-Storage', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE' },
    ],
  });
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'Streamlake-Dev-Storage',
        CreationTime: new Date(0),
        StackStatus: 'CREATE_COMPLETE',
        Tags: [{ Key: 'streamlake:architecture', Value: 'lambda' }],
      },
    ],
  });
  const ctx = context();
  expect(await run(['replay', '--dry-run'], ctx)).toBe(ExitCode.notDeployed);
  expect(ctx.errors.join('')).toMatch(/deployed with the lambda architecture, not kappa/);
});

test('cost prints both variants when --architecture is omitted, and JSON with --json', async () => {
  const ctx = context();
  expect(await run(['cost', '--events-per-sec', '1000', '--event-bytes', '300', '--scale'], ctx)).toBe(0);
  const text = ctx.stdout.join('\n');
  expect(text).toMatch(/lambda architecture \(.*on-demand stream\), month 12: \$[\d,.]+ \/ month/);
  expect(text).toMatch(/kappa architecture \(.*on-demand stream\), month 12: \$[\d,.]+ \/ month/);
  expect(text).toMatch(/^100,000 +kappa/m);
  const json = context();
  expect(await run(['cost', '--events-per-sec', '1000', '--architecture', 'kappa', '--json'], json)).toBe(0);
  const parsed = JSON.parse(json.stdout.join('\n')) as {
    variants: { architecture: string; totalUsd: number }[];
  };
  expect(parsed.variants.map((v) => v.architecture)).toEqual(['kappa']);
  expect(parsed.variants[0]!.totalUsd).toBeGreaterThan(0);
});

test('produce --out writes the seeded workload as JSON lines, with its ground truth', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sl-cli-'));
  const out = join(dir, 'events.jsonl');
  const truth = join(dir, 'truth.jsonl');
  const ctx = context();
  const argv = [
    'produce',
    '--count',
    '500',
    '--seed',
    '9',
    '--start',
    '2026-11-20T23:40:00Z',
    '--out',
    out,
    '--truth',
    truth,
  ];
  expect(await run(argv, ctx)).toBe(0);
  const lines = readFileSync(out).toString('latin1').split('\n').slice(0, -1);
  const truths = readFileSync(truth, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; sequence: number });
  expect(lines).toHaveLength(500);
  expect(truths).toHaveLength(500);
  expect(truths.map((t) => t.sequence)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  const valid = lines.filter((l) => parseEvent(Buffer.from(l, 'latin1')).ok).length;
  expect(valid).toBe(truths.filter((t) => t.kind !== 'malformed').length);
  expect(ctx.stdout.join('')).toMatch(/wrote 500 records to .*events\.jsonl \(seed 9: /);
  // Same seed, same bytes.
  const again = join(dir, 'again.jsonl');
  await run(
    ['produce', '--count', '500', '--seed', '9', '--start', '2026-11-20T23:40:00Z', '--out', again],
    context(),
  );
  expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
});
