/**
 * `streamlake cost` as users run it: warnings instead of silently absurd totals, --explain with sources and
 * reasons, --json with the same structure, usage errors with exit code 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../cli/lib/clock';
import { EMF_METRICS } from '../../cli/lib/cost-platform';
import type { CostReport } from '../../cli/lib/cost-report';
import { ExitCode } from '../../cli/lib/errors';
import { run } from '../../cli/main';
import planning from '../../lib/contracts/batch-planning.json';
import { testContext } from './support';

const ROOT = join(__dirname, '..', '..');

/** The shared recording context (test/cli/support.ts), with `out` lines under the name these tests use. */
function context() {
  const ctx = testContext(new FakeClock(Date.parse('2026-11-29T12:00:00.000Z')));
  return { ...ctx, stdout: ctx.lines };
}

async function json(argv: string[]): Promise<CostReport> {
  const ctx = context();
  expect(await run(['cost', ...argv, '--json'], ctx)).toBe(ExitCode.ok);
  return JSON.parse(ctx.stdout.join('\n')) as CostReport;
}

describe('quota warnings', () => {
  test('a default load warns about nothing', async () => {
    expect((await json(['--events-per-sec', '1000'])).warnings).toEqual([]);
  });

  test.each([
    [
      ['--events-per-sec', '10', '--event-bytes', '2097152'],
      ['kinesis-record-size', 'firehose-record-size'],
    ],
    [['--events-per-sec', '5000', '--stream-capacity', 'provisioned'], ['kinesis-shards']],
    [['--events-per-sec', '2000000', '--architecture', 'kappa'], ['flink-kpus']],
    [
      ['--events-per-sec', '1000000', '--architecture', 'lambda'],
      ['lambda-concurrency', 'emr-step-timeout'],
    ],
    [
      [
        '--events-per-sec',
        '10000',
        '--architecture',
        'lambda',
        '--stream-capacity',
        'provisioned',
        '-c',
        'shardCount=10',
        '--content-ids',
        '100000',
      ],
      ['window-state'],
    ],
    [['--events-per-sec', '100000', '--architecture', 'lambda'], ['athena-cutoff']],
  ])('%j warns (%j) and says which limit and where it is documented', async (argv, codes) => {
    const r = await json(argv);
    for (const code of codes) expect(r.warnings.map((w) => w.code)).toContain(code);
    for (const v of r.variants)
      for (const w of v.warnings)
        expect(w.limit?.source).toMatch(/^(https:\/\/docs\.aws\.amazon\.com\/|lib\/)/);
  });

  test('the provisioned stream is priced with the shards the load needs, not the 2 configured', async () => {
    const r = await json([
      '--events-per-sec',
      '5000',
      '--stream-capacity',
      'provisioned',
      '--architecture',
      'kappa',
    ]);
    expect(r.variants[0]!.derived['shards']).toBe(5);
    expect(r.warnings[0]!.message).toMatch(/configured with 2 shard\(s\).*need 5.*-c shardCount=5/);
  });

  test('the warning line is in the text output', async () => {
    const ctx = context();
    await run(['cost', '--events-per-sec', '2000000', '--architecture', 'kappa'], ctx);
    expect(ctx.stdout.join('\n')).toMatch(
      /^warning: KPUs the load needs: 107 KPUs, over the Managed Flink KPUs per application \(default\) of 64/m,
    );
  });
});

describe('--explain and --json', () => {
  test('--explain prints each line arithmetic, each price with its page and date, each assumption with its reason', async () => {
    const ctx = context();
    expect(await run(['cost', '--events-per-sec', '1000', '--explain'], ctx)).toBe(ExitCode.ok);
    const text = ctx.stdout.join('\n');
    expect(text).toMatch(
      /Kinesis · data in \(1 KB per record\): 2,628,000,000 records × 1 KB = 2,506 GB × \$0\.08 per GB = \$200\.50/,
    );
    expect(text).toMatch(
      /kinesisOnDemandDataInGb: \$0\.08 per GB.* — https:\/\/aws\.amazon\.com\/kinesis\/data-streams\/pricing\/, checked 2026-11-29, price-list/,
    );
    expect(text).toMatch(
      /consumerRecordsPerCpuSecond = 49,101 records per CPU-second: .*\[npm run bench:consumer/,
    );
    expect(text).toMatch(/consumer tumbling window: 120 s \(config consumerTumblingWindowSeconds\)/);
    expect(text).toMatch(/AWS::IAM::Role: IAM has no charge/);
    const pricing = JSON.parse(readFileSync(join(ROOT, 'cli/pricing/us-east-1.json'), 'utf8')) as {
      prices: Record<string, unknown>;
    };
    for (const name of text.matchAll(/^ {2}(\S+): \$/gm))
      expect(Object.keys(pricing.prices)).toContain(name[1]);
  });

  test('--json has the same structure: lines with their formula and price, prices with sources, assumptions', async () => {
    const r = await json(['--events-per-sec', '1000', '--architecture', 'lambda']);
    expect(r.variants).toHaveLength(1);
    const v = r.variants[0]!;
    expect(v.items.reduce((s, i) => s + i.monthlyUsd, 0)).toBeCloseTo(v.totalUsd, 6);
    for (const i of v.items)
      expect(r.prices[i.price]).toEqual(
        expect.objectContaining({ source: expect.stringMatching(/^https:\/\//), checked: '2026-11-29' }),
      );
    expect(r.assumptions['contentIds']).toEqual(
      expect.objectContaining({ value: 50, why: expect.any(String) }),
    );
    expect(v.growth.map((g) => g.month)).toEqual([1, 12, 24]);
    expect(v.notPriced.map((n) => n.what)).toContain('AWS::IAM::Role');
  });

  test('-c overrides reach the model: the Flink speed engine in the lambda architecture, and egress=nat', async () => {
    const r = await json([
      '--events-per-sec',
      '1000',
      '--architecture',
      'lambda',
      '-c',
      'speedEngine=flink',
      '-c',
      'egress=nat',
    ]);
    const v = r.variants[0]!;
    expect([v.speedEngine, v.batchEngine]).toEqual(['flink', 'emr']);
    expect(Object.keys(v.byService)).toEqual(expect.arrayContaining(['Managed Flink', 'EMR', 'VPC']));
    expect(v.items.some((i) => i.item.includes('NAT gateway'))).toBe(true);
  });
});

test('--batch-engines needs no --events-per-sec (it prices volumes per day)', async () => {
  const ctx = context();
  expect(await run(['cost', '--batch-engines', '--json'], ctx)).toBe(ExitCode.ok);
  const rows = JSON.parse(ctx.stdout.join('\n')) as unknown[];
  expect(rows).toHaveLength(4);
});

describe('usage errors (exit 2)', () => {
  test.each([
    [['--events-per-sec', '1000', '--month', '0'], /--month must be a positive whole number/],
    [['--events-per-sec', '1000', '--month', '121'], /--month must be a whole number from 1 to 120/],
    [
      ['--events-per-sec', '1000', '--event-bytes', '20000000'],
      /--event-bytes must be a whole number from 1 to 10485760/,
    ],
    [
      ['--events-per-sec', '1000', '-c', 'consumerBatchSize=0'],
      /consumerBatchSize: '0' is not a whole number from 1 to 10000/,
    ],
    [['--events-per-sec', '1000', '-c', 'nope'], /--context nope: give key=value/],
    [['--events-per-sec', '1000', '-c', 'target=localstack'], /cost prices an AWS deployment/],
    [['--month', '12'], /required option '--events-per-sec <n>' not specified/],
  ])('%j', async (argv, message) => {
    const ctx = context();
    expect(await run(['cost', ...argv], ctx)).toBe(ExitCode.usage);
    expect(ctx.errors.join('')).toMatch(message);
  });
});

test('the EMF metrics the model prices are the ones the handlers emit', () => {
  // A handler's metrics are emitted by its entry point or by the factory it builds the handler with.
  const emitted = (dir: string) => {
    const src = ['index.ts', 'handler.ts']
      .map((f) => join(ROOT, dir, f))
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const names = [...src.matchAll(/addMetric\('(\w+)'/g)].map((m) => m[1]!);
    return [...(src.includes('captureColdStartMetric') ? ['ColdStart'] : []), ...new Set(names)].sort();
  };
  expect(emitted('lambda/stream-consumer')).toEqual([...EMF_METRICS['stream-consumer']].sort());
  expect(emitted('lambda/query-api')).toEqual([...EMF_METRICS['api-handler']].sort());
  // The batch functions name their metrics from the contract: addMetric(names.<key>, …).
  const contractNames = (file: string, group: Record<string, string>) => {
    const src = readFileSync(join(ROOT, file), 'utf8');
    return [...src.matchAll(/addMetric\(names\.(\w+)/g)].map((m) => group[m[1]!]).sort();
  };
  const { deadline, planner } = planning.metrics;
  expect(contractNames('lambda/batch-deadline/index.ts', deadline)).toEqual(
    [...EMF_METRICS.scheduled].sort(),
  );
  expect(contractNames('lambda/batch-planner/index.ts', planner)).toEqual(
    [...EMF_METRICS['workflow-task']].sort(),
  );
});
