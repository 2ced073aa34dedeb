/** Bad input is refused before anything is sent, with the documented exit codes; every result can be JSON. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { Command } from 'commander';
import { ExitCode } from '../../cli/lib/errors';
import { buildProgram, run } from '../../cli/main';
import { Outputs } from '../../lib/contracts/outputs';
import { testContext } from './support';

const cfn = mockClient(CloudFormationClient);
const kinesis = mockClient(KinesisClient);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  cfn.reset();
  kinesis.reset();
  sfn.reset();
});

const tmp = () => mkdtempSync(join(tmpdir(), 'sl-edges-'));
const LOCAL = ['--endpoint-url', 'http://127.0.0.1:9'];

async function fails(argv: string[], code: number, message: RegExp) {
  const ctx = testContext();
  expect(await run(argv, ctx)).toBe(code);
  expect(ctx.errors.join('\n')).toMatch(message);
  return ctx;
}

describe('bad --out / --truth / --unsent-file paths are refused before anything is sent', () => {
  const file = () => {
    const f = join(tmp(), 'a-file');
    writeFileSync(f, '');
    return f;
  };

  test.each([
    [
      '--out in a missing folder',
      ['--out', '/no-such-folder/events.jsonl'],
      /--out \/no-such-folder\/events\.jsonl: cannot write it \(ENOENT\)/,
    ],
    [
      '--out under a file',
      () => ['--out', join(file(), 'events.jsonl')],
      /--out .*: cannot write it \(ENOTDIR\)/,
    ],
    [
      '--truth in a missing folder',
      ['--truth', '/no-such-folder/truth.jsonl'],
      /--truth .*: cannot write it \(ENOENT\)/,
    ],
    [
      '--unsent-file under a file',
      () => ['--unsent-file', join(file(), 'u.jsonl')],
      /--unsent-file .*: cannot write there \(.*ENOTDIR\)/,
    ],
  ])('%s: exit 2, no call made', async (_name, paths, message) => {
    const extra = typeof paths === 'function' ? paths() : paths;
    await fails(
      ['produce', ...LOCAL, '--stream-name', 's', '--count', '5', ...extra],
      ExitCode.usage,
      message,
    );
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
    expect(cfn.calls()).toHaveLength(0);
  });
});

test('unsent records go to .streamlake/unsent/ in the working directory by default', async () => {
  kinesis
    .on(PutRecordsCommand)
    .rejects(Object.assign(new Error('no stream'), { name: 'ResourceNotFoundException' }));
  const cwd = tmp();
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const ctx = await fails(
      ['produce', ...LOCAL, '--stream-name', 's', '--count', '7'],
      ExitCode.failure,
      /7 record\(s\) not sent \(ResourceNotFoundException: no stream\); written to \.streamlake\/unsent\/streamlake-unsent-/,
    );
    expect(ctx.lines.join('')).toMatch(/0 throttled, 0 without answer/);
  } finally {
    process.chdir(before);
  }
  const files = readdirSync(join(cwd, '.streamlake', 'unsent'));
  expect(files).toHaveLength(1);
  expect(
    readFileSync(join(cwd, '.streamlake', 'unsent', files[0]!), 'utf8')
      .trim()
      .split('\n'),
  ).toHaveLength(7);
});

describe('dates, ranges and regions', () => {
  const query = ['query', '--content-id', 'match-1', '--url', 'https://x.example/prod'];

  test.each([
    [
      [...query, '--from', '2026-11-22', '--to', '2026-11-21'],
      /--from 2026-11-22 \(2026-11-22T00:00:00\.000Z\) is after --to 2026-11-21/,
    ],
    [
      [...query, '--from', '2026-11-21T12:00Z', '--to', '2026-11-21T11:59Z'],
      /--from .* is after --to 2026-11-21T11:59Z/,
    ],
    [[...query, '--from', '-1h', '--to', '-2h'], /--from -1h .* is after --to -2h/],
  ])('query %j: exit 2', async (argv, message) => {
    await fails(argv, ExitCode.usage, message);
  });

  test('a --to date covers its whole day: --from later the same day is fine', async () => {
    const ctx = testContext();
    const body = { contentId: 'match-1', granularity: 'minute', from: 'a', to: 'b', series: [] };
    const seen: string[] = [];
    const fetchFn = async (url: string) => {
      seen.push(url);
      return { status: 200, text: async () => JSON.stringify(body) };
    };
    const argv = [...query, '--from', '2026-11-21T12:00Z', '--to', '2026-11-21', '--json'];
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], key: process.env['AWS_SECRET_ACCESS_KEY'] };
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIDEXAMPLE';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'secret';
    try {
      expect(await run(argv, { ...ctx, fetch: fetchFn })).toBe(0);
    } finally {
      process.env['AWS_ACCESS_KEY_ID'] = saved.id;
      process.env['AWS_SECRET_ACCESS_KEY'] = saved.key;
      if (saved.id === undefined) delete process.env['AWS_ACCESS_KEY_ID'];
      if (saved.key === undefined) delete process.env['AWS_SECRET_ACCESS_KEY'];
    }
    expect(seen).toHaveLength(1);
    expect(JSON.parse(ctx.lines.join('\n'))).toEqual(body);
  });

  test.each([
    [
      [...query, '--from', '2026-13-45', '--to', '2026-11-21'],
      "--from '2026-13-45' is not a calendar day: there is no month 13",
    ],
    [
      ['batch', 'run', '--date', '2026-13-45'],
      "--date '2026-13-45' is not a calendar day: there is no month 13",
    ],
    [
      ['batch', 'run', '--date', '2026-02-29'],
      "--date '2026-02-29' is not a calendar day: 2026-02 has days 01 to 28, not 29",
    ],
    [
      ['produce', '--count', '1', '--out', '-', '--start', '2026-13-45T00:00Z'],
      "--start '2026-13-45' is not a calendar day",
    ],
    [
      ['replay', '--from', '2026-04-31', '--dry-run'],
      "--from '2026-04-31' is not a calendar day: 2026-04 has days 01 to 30, not 31",
    ],
  ])('%j: an impossible calendar date is exit 2', async (argv, message) => {
    const ctx = await fails(argv, ExitCode.usage, new RegExp(message.replace(/[()]/g, '\\$&')));
    expect(cfn.calls()).toHaveLength(0);
    expect(ctx.errors).toHaveLength(1);
  });

  test.each([
    [
      ['batch', 'status', '--region', 'mars-north-1'],
      /unknown region 'mars-north-1': use an AWS region such as us-east-1/,
    ],
    [['batch', 'status', '--region', 'useast1'], /unknown region 'useast1' \(did you mean us-east-1\?\)/],
    [['produce', '--region', 'eu-west-9', '--stream-name', 's'], /unknown region 'eu-west-9'/],
  ])('%j: an unknown region is exit 2', async (argv, message) => {
    await fails(argv, ExitCode.usage, message);
    expect(cfn.calls()).toHaveLength(0);
  });

  test('an unknown region from AWS_REGION is exit 2 too', async () => {
    const saved = process.env['AWS_REGION'];
    process.env['AWS_REGION'] = 'moon-1';
    try {
      await fails(['batch', 'status'], ExitCode.usage, /unknown region 'moon-1'.*AWS_REGION/);
    } finally {
      if (saved === undefined) delete process.env['AWS_REGION'];
      else process.env['AWS_REGION'] = saved;
    }
  });
});

describe('--json', () => {
  const leaves = (cmd: Command): Command[] =>
    cmd.commands.length === 0 ? [cmd] : cmd.commands.flatMap((c) => leaves(c));

  test('every command that prints a result has --json', () => {
    const names = leaves(buildProgram(testContext())).map((c) => {
      const path = [];
      for (let x: Command | null = c; x?.parent; x = x.parent) path.unshift(x.name());
      return [path.join(' '), c.options.some((o) => o.long === '--json')] as const;
    });
    expect(names.map(([n]) => n).sort()).toEqual([
      'batch run',
      'batch status',
      'cost',
      'local down',
      'local status',
      'produce',
      'query',
      'replay',
      'speed redrive',
    ]);
    expect(names.filter(([, has]) => !has)).toEqual([]);
  });

  test('produce --out --json prints the summary as JSON', async () => {
    const ctx = testContext();
    const out = join(tmp(), 'e.jsonl');
    expect(await run(['produce', '--count', '20', '--seed', '3', '--out', out, '--json'], ctx)).toBe(0);
    const summary = JSON.parse(ctx.lines.join('\n')) as Record<string, unknown>;
    expect(summary).toMatchObject({ out, records: 20, seed: 3, interrupted: false });
    expect((summary.events as number) + (summary.duplicates as number) + (summary.malformed as number)).toBe(
      20,
    );
  });

  test('produce --out - writes records to stdout and the summary to stderr', async () => {
    const ctx = testContext();
    expect(await run(['produce', '--count', '4', '--out', '-'], ctx)).toBe(0);
    expect(ctx.stdoutText().trim().split('\n')).toHaveLength(4);
    expect(ctx.lines).toEqual([]);
    expect(ctx.errors.join('')).toMatch(/^wrote 4 records to stdout/);
  });

  test('batch run --json prints the execution', async () => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: 'Streamlake-Dev-Batch', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE' },
      ],
    });
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Streamlake-Dev-Batch',
          CreationTime: new Date(0),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            {
              OutputKey: Outputs.batchStateMachineArn,
              OutputValue: 'arn:aws:states:us-east-1:1:stateMachine:b',
            },
          ],
        },
      ],
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    const ctx = testContext();
    expect(await run(['batch', 'run', '--date', '2026-11-20', ...LOCAL, '--json'], ctx)).toBe(0);
    expect(JSON.parse(ctx.lines.join('\n'))).toEqual({ date: '2026-11-20', executionArn: 'arn:x' });
  });
});

test('the default unsent folder is git-ignored in this repository', () => {
  const ignore = readFileSync(join(__dirname, '..', '..', '.gitignore'), 'utf8').split('\n');
  expect(ignore).toContain('.streamlake/');
  expect(existsSync(join(__dirname, '..', '..', '.gitignore'))).toBe(true);
});
