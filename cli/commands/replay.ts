import { Command, Option } from 'commander';
import { LakePrefixes } from '../../lib/contracts/lake-layout';
import { Outputs } from '../../lib/contracts/outputs';
import { formatDuration, parseTime } from '../lib/dates';
import { duration } from '../lib/options';
import { DEFAULT_CAUGHT_UP_MS, DEFAULT_POLL_MS, planReplay, type ReplayRequest } from '../lib/replay';
import { abortReplay, executeReplay } from '../lib/replay-run';
import {
  addDeploymentOptions,
  type CliContext,
  clients,
  connection,
  type DeploymentOptions,
  deployment,
} from './context';
import { replayLocal } from './replay-local';

interface ReplayOptions extends DeploymentOptions {
  from?: string;
  dryRun?: boolean;
  abort?: boolean;
  caughtUp: number;
  poll: number;
  timeout: number;
  json?: boolean;
}

export function replayCommand(ctx: CliContext): Command {
  const cmd = new Command('replay')
    .description(
      'kappa reprocessing: rebuild the next Flink view in a temporary second application (raw archive + stream), ' +
        'switch serving to it once caught up, then hand the live application over to it',
    )
    .option(
      '--from <time>',
      'first event time to rebuild (ISO or -6h); older than the stream retention = read from the raw archive; ' +
        'default: the whole retained stream (TRIM_HORIZON)',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print the plan (--dry-run), the outcome or what --abort did as JSON')
    .option(
      '--abort',
      'stop and delete the replay application (serving and the live application are not touched)',
    )
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
      new Option('--timeout <time>', 'give up waiting for any one step after this long (exit 4)')
        .default(2 * 3_600_000, '2h')
        .argParser(duration('--timeout')),
    )
    .addHelpText(
      'after',
      `
The SSM parameter (output ${Outputs.viewVersionParameterName}) names the view serving reads, e.g. flink-v3. A replay
creates <application>-replay, which writes flink-v4 from the raw archive (times older than the stream's retention)
and then the stream, and flips the parameter once flink-v4 has caught up. The live application keeps writing
flink-v3 until then, so an aborted replay changes nothing readers see. It then moves the live application to
flink-v4 and deletes the replay application. Runbook: docs/runbook.md.

Examples:
  $ streamlake replay --stage dev --from 2026-11-01T00:00:00Z --dry-run
  $ streamlake replay --from -24h
  $ streamlake replay --abort`,
    );
  addDeploymentOptions(cmd);
  cmd.action(async (o: ReplayOptions) => {
    const now = ctx.clock.now();
    const fromMs = o.from !== undefined ? parseTime(o.from, '--from', now) : undefined;
    const conn = connection(o);
    const d = await deployment({ ...o, architecture: o.architecture ?? 'kappa' });
    if (o.local) return replayLocal(ctx, { ...o, ...(fromMs !== undefined ? { fromMs } : {}) });
    const applicationName = d.get(Outputs.flinkApplicationName, 'replay needs the kappa architecture');
    const deps = {
      ssm: clients.ssm(conn),
      flink: clients.flink(conn),
      kinesis: clients.kinesis(conn),
      cloudwatch: clients.cloudwatch(conn),
      clock: ctx.clock,
      log: (l: string) => ctx.err(l),
    };
    if (o.abort) {
      const deleted = await abortReplay(deps, applicationName);
      ctx.out(
        o.json
          ? JSON.stringify({ application: `${applicationName}-replay`, deleted }, null, 2)
          : deleted
            ? `deleted ${applicationName}-replay`
            : `no replay application (${applicationName}-replay)`,
      );
      return;
    }
    const req: ReplayRequest = {
      applicationName,
      parameterName: d.get(Outputs.viewVersionParameterName, 'replay needs the kappa architecture'),
      rawBucketName: d.get(Outputs.rawBucketName, 'the storage stack exports it'),
      rawEventsPrefix: LakePrefixes.rawEvents,
      ...(fromMs !== undefined ? { fromMs } : {}),
      caughtUpMs: o.caughtUp,
      pollMs: o.poll,
      timeoutMs: o.timeout,
    };
    const plan = await planReplay(deps, req);
    if (o.dryRun) {
      if (o.json) ctx.out(JSON.stringify(plan, null, 2));
      else {
        ctx.out(
          `replay plan (${plan.currentView} -> ${plan.nextView}, stream retention ${plan.retentionHours} h):`,
        );
        for (const [i, s] of plan.steps.entries()) ctx.out(`  ${i + 1}. ${s}`);
        ctx.out('dry run: nothing changed');
      }
      return;
    }
    const r = await executeReplay(deps, req, plan);
    if (o.json) {
      ctx.out(JSON.stringify({ ...r, currentView: plan.currentView, nextView: plan.nextView }, null, 2));
      return;
    }
    ctx.out(
      `replay done in ${formatDuration(r.elapsedMs)}: serving reads ${plan.nextView} (was ${plan.currentView}); ` +
        `${plan.applicationName} writes it for event times from ${r.handOverAt}. ` +
        `Deploy with -c flinkViewVersion=${plan.nextView.replace(/\D+/, '')} next (docs/runbook.md).`,
    );
  });
  return cmd;
}
