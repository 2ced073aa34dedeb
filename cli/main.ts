/**
 * `streamlake`: the operations CLI. Commands: produce, batch, replay, query, cost, local.
 * Exit codes: 0 ok, 1 failure, 2 usage, 3 not deployed, 4 timed out waiting, 5 endpoint unreachable, 6 no credentials,
 * 130 interrupted (see cli/lib/errors.ts, docs/cli.md).
 */
import { Command, CommanderError } from 'commander';
import { batchCommand } from './commands/batch';
import { type CliContext, defaultContext } from './commands/context';
import { costCommand } from './commands/cost';
import { localCommand } from './commands/local';
import { produceCommand } from './commands/produce';
import { queryCommand } from './commands/query';
import { speedCommand } from './commands/redrive';
import { replayCommand } from './commands/replay';
import { CliError, ExitCode } from './lib/errors';
import { describeFailure } from './lib/network';

export function buildProgram(ctx: CliContext = defaultContext()): Command {
  const program = new Command('streamlake')
    .description(
      'operate a streamlake deployment: produce events, run the batch, replay, query, estimate cost',
    )
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Resources are found from the CloudFormation outputs of the Streamlake-<Stage>-* stacks (--stage, --region);
--local uses the offline runtime that npm start -- --keep-running left up (.streamlake/local.json);
--endpoint-url sends every call to one endpoint (LocalStack).

Exit codes: 0 ok, 1 failure, 2 bad usage, 3 not deployed (stage, architecture or output missing), 4 timed out
waiting, 5 endpoint unreachable (refused, not found, no answer in time), 6 no usable AWS credentials, 130 Ctrl-C.

Examples:
  $ streamlake produce --count 10000 --rate 500
  $ streamlake batch run --date 2026-11-20 --wait
  $ streamlake replay --from -24h --dry-run
  $ streamlake query --content-id match-ind-aus-final --from -30m --to -0m
  $ streamlake cost --events-per-sec 10000 --event-bytes 300 --scale
  $ streamlake produce --local --count 1000 --rate 200     (after npm start -- --keep-running)
  $ streamlake local down`,
    );
  for (const c of [
    produceCommand(ctx),
    batchCommand(ctx),
    replayCommand(ctx),
    queryCommand(ctx),
    costCommand(ctx),
    speedCommand(ctx),
    localCommand(ctx),
  ])
    program.addCommand(c);
  // Commander exits by itself on usage errors; route everything through run() for consistent exit codes.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput({ writeErr: (s) => ctx.stderr.write(s) });
    for (const sub of cmd.commands) override(sub);
  };
  override(program);
  return program;
}

/** Runs the CLI and returns the exit code (never calls process.exit itself). */
export async function run(argv: readonly string[], ctx: CliContext = defaultContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return ExitCode.ok;
      if (e.code === 'commander.executeSubCommandAsync') return ExitCode.failure;
      return ExitCode.usage;
    }
    if (e instanceof CliError) {
      ctx.err(`streamlake: ${e.message}`);
      return e.exitCode;
    }
    // Connection failures and missing credentials are the user's environment, not a bug: one line, own exit code.
    const described = describeFailure(e);
    if (described) {
      ctx.err(`streamlake: ${described.message}`);
      if (process.env['STREAMLAKE_DEBUG']) ctx.err((e as Error).stack ?? '');
      return described.exitCode;
    }
    const err = e as Error & { $metadata?: unknown };
    ctx.err(`streamlake: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`);
    if (process.env['STREAMLAKE_DEBUG']) ctx.err(err.stack ?? '');
    return ExitCode.failure;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
