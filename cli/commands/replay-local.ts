/**
 * `replay --local`: the kept-running kappa runtime replays into the next Flink view with local Flink jobs
 * (local/replay-local.ts): the same steps as on AWS (replay job, flip, hand-over), followed here until done.
 */
import { LocalRoutes } from '../../lib/contracts/local-runtime';
import { formatDuration } from '../lib/dates';
import { CliError, ExitCode, UsageError } from '../lib/errors';
import { callRuntime } from '../lib/local-runtime';
import { type CliContext, connection, type DeploymentOptions, localRuntime } from './context';

interface LocalReplay {
  readonly id: string;
  readonly status: string;
  readonly currentView: string;
  readonly nextView: string;
  readonly step: string;
  readonly handOverAt?: string;
  readonly error?: string;
}

export interface LocalReplayOptions extends DeploymentOptions {
  readonly fromMs?: number;
  readonly dryRun?: boolean;
  readonly abort?: boolean;
  readonly json?: boolean;
  readonly timeout: number;
}

export async function replayLocal(ctx: CliContext, o: LocalReplayOptions): Promise<void> {
  if (o.abort)
    throw new UsageError('--abort is for AWS; on the offline runtime a replay stops with the runtime');
  const rt = localRuntime(o);
  const network = connection(o).network;
  const body = { ...(o.fromMs !== undefined ? { fromMs: o.fromMs } : {}), dryRun: o.dryRun === true };
  if (o.dryRun) {
    const plan = await callRuntime<{ currentView: string; nextView: string }>(rt, LocalRoutes.replays, {
      method: 'POST',
      body,
      fetch: ctx.fetch,
      network,
    });
    if (o.json) return ctx.out(JSON.stringify(plan, null, 2));
    ctx.out(`replay plan (${plan.currentView} -> ${plan.nextView}, offline runtime):`);
    ctx.out(
      `  1. a replay job writes ${plan.nextView} from the stream${o.fromMs !== undefined ? ` (events from ${new Date(o.fromMs).toISOString()})` : ''}, followed until it has settled`,
    );
    ctx.out(`  2. the view-version parameter flips to ${plan.nextView}`);
    ctx.out(
      `  3. the live job restarts into ${plan.nextView} for event times from the next minute; the replay job stops`,
    );
    ctx.out('dry run: nothing changed');
    return;
  }
  const started = await callRuntime<LocalReplay>(rt, LocalRoutes.replays, {
    method: 'POST',
    body,
    fetch: ctx.fetch,
    network,
  });
  const t0 = ctx.clock.now();
  let step = '';
  for (;;) {
    const { replays } = await callRuntime<{ replays: LocalReplay[] }>(rt, LocalRoutes.replays, {
      fetch: ctx.fetch,
      network,
    });
    const r = replays.find((x) => x.id === started.id);
    if (!r) throw new CliError(`the offline runtime no longer lists ${started.id} (was it restarted?)`);
    const elapsed = ctx.clock.now() - t0;
    if (r.step !== step) ctx.err(`  ${formatDuration(elapsed)}  ${r.step}`);
    step = r.step;
    if (r.status !== 'RUNNING') {
      if (o.json) ctx.out(JSON.stringify({ ...r, elapsedMs: elapsed }, null, 2));
      else if (r.status === 'SUCCEEDED')
        ctx.out(
          `replay done in ${formatDuration(elapsed)}: serving reads ${r.nextView} (was ${r.currentView}); ` +
            `the live job writes it for event times from ${r.handOverAt}.`,
        );
      if (r.status !== 'SUCCEEDED')
        throw new CliError(`replay ${r.id} failed: ${r.error ?? r.step}`, ExitCode.failure);
      return;
    }
    if (elapsed >= o.timeout)
      throw new CliError(
        `gave up waiting after ${formatDuration(elapsed)}; ${r.id} is still at: ${r.step}`,
        ExitCode.timedOut,
      );
    await ctx.clock.sleep(2_000);
  }
}
