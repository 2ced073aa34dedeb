import { Command, Option } from 'commander';
import { Outputs } from '../../lib/contracts/outputs';
import { formatDuration, parseTime } from '../lib/dates';
import { duration } from '../lib/options';
import {
  DEFAULT_CAUGHT_UP_MS,
  DEFAULT_POLL_MS,
  executeReplay,
  planReplay,
  type ReplayRequest,
} from '../lib/replay';
import {
  addDeploymentOptions,
  type CliContext,
  clients,
  connection,
  type DeploymentOptions,
  deployment,
} from './context';

interface ReplayOptions extends DeploymentOptions {
  from?: string;
  to?: string;
  dryRun?: boolean;
  caughtUp: number;
  poll: number;
  timeout: number;
  json?: boolean;
}

export function replayCommand(ctx: CliContext): Command {
  const cmd = new Command('replay')
    .description('kappa reprocessing: rebuild the next Flink view from the stream, then switch serving to it')
    .option(
      '--from <time>',
      'replay from this time (AT_TIMESTAMP; ISO or -6h); default: the oldest retained record (TRIM_HORIZON)',
    )
    .option(
      '--to <time>',
      'done once the new view has read up to this time; default: once it is caught up with the tip',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'with --dry-run: print the plan as JSON')
    .addOption(
      new Option('--caught-up <time>', 'caught up = millisBehindLatest below this')
        .default(DEFAULT_CAUGHT_UP_MS, '60s')
        .argParser(duration('--caught-up')),
    )
    .addOption(
      new Option('--poll <time>', 'poll interval')
        .default(DEFAULT_POLL_MS, '30s')
        .argParser(duration('--poll')),
    )
    .addOption(
      new Option('--timeout <time>', 'give up (exit 4, serving unchanged) after this long')
        .default(2 * 3_600_000, '2h')
        .argParser(duration('--timeout')),
    )
    .addHelpText(
      'after',
      `
The SSM parameter (output ${Outputs.viewVersionParameterName}) names the view serving reads, e.g. flink-v3. A replay
writes flink-v4 from the stream's history and flips the parameter only once flink-v4 has caught up; until then
serving keeps reading flink-v3, and an aborted replay changes nothing readers see.

Examples:
  $ streamlake replay --stage dev --from 2026-11-20T00:00:00Z --dry-run
  $ streamlake replay --from -24h
  $ streamlake replay --from 2026-11-20T00:00Z --to 2026-11-21T00:00Z --timeout 3h`,
    );
  addDeploymentOptions(cmd);
  cmd.action(async (o: ReplayOptions) => {
    const now = ctx.clock.now();
    const fromMs = o.from !== undefined ? parseTime(o.from, '--from', now) : undefined;
    const toMs = o.to !== undefined ? parseTime(o.to, '--to', now) : undefined;
    const conn = connection(o);
    const d = await deployment({ ...o, architecture: o.architecture ?? 'kappa' });
    const req: ReplayRequest = {
      applicationName: d.get(Outputs.flinkApplicationName, 'replay needs the kappa architecture'),
      parameterName: d.get(Outputs.viewVersionParameterName, 'replay needs the kappa architecture'),
      ...(fromMs !== undefined ? { fromMs } : {}),
      ...(toMs !== undefined ? { toMs } : {}),
      caughtUpMs: o.caughtUp,
      pollMs: o.poll,
      timeoutMs: o.timeout,
    };
    const deps = {
      ssm: clients.ssm(conn),
      flink: clients.flink(conn),
      cloudwatch: clients.cloudwatch(conn),
      clock: ctx.clock,
      log: (l: string) => ctx.err(l),
    };
    const plan = await planReplay(deps, req);
    if (o.dryRun) {
      if (o.json) ctx.out(JSON.stringify(plan, null, 2));
      else {
        ctx.out(
          `replay plan for ${plan.applicationName} (now ${plan.applicationStatus}, version ${plan.applicationVersionId}):`,
        );
        for (const [i, s] of plan.steps.entries()) ctx.out(`  ${i + 1}. ${s}`);
        ctx.out('dry run: nothing changed');
      }
      return;
    }
    const r = await executeReplay(deps, req, plan);
    ctx.out(
      `replay done in ${formatDuration(r.elapsedMs)}: serving now reads ${plan.nextView} (was ${plan.currentView})`,
    );
  });
  return cmd;
}
