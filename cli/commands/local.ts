/**
 * `streamlake local status|down`: the offline runtime that `npm start -- --keep-running` left up. `down` asks it to
 * stop (POST /stop: the archive writer delivers its buffers, every child process is stopped, the file is removed)
 * and waits until its process has exited, so that every port it held is free when the command returns.
 */
import { Command, Option } from 'commander';
import { LocalRoutes } from '../../lib/contracts/local-runtime';
import { formatDuration } from '../lib/dates';
import { CliError, ExitCode } from '../lib/errors';
import { callRuntime, type LocalRuntime, readLocalRuntime } from '../lib/local-runtime';
import { DEFAULT_NETWORK } from '../lib/network';
import { duration } from '../lib/options';
import { formatTable } from '../lib/query';
import type { CliContext } from './context';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(rt: LocalRuntime, now: number): string {
  const rows: [string, string][] = [
    ['file', rt.file],
    ['pid', `${rt.pid} (up ${formatDuration(now - Date.parse(rt.startedAt))})`],
    ['architecture', `${rt.architecture}${rt.speedEngine ? ` (speed engine ${rt.speedEngine})` : ''}`],
    ['batch engine', rt.batchEngine],
    ['region', rt.region],
    ...Object.entries(rt.endpoints).map(([k, v]): [string, string] => [`endpoint ${k}`, v]),
    ...Object.entries(rt.outputs).map(([k, v]): [string, string] => [k, String(v)]),
    ['logs', rt.logsDir],
  ];
  return formatTable(['', ''], rows).split('\n').slice(2).join('\n');
}

export function localCommand(ctx: CliContext): Command {
  const local = new Command('local').description(
    'the offline runtime left up by npm start -- --keep-running (what --local uses)',
  );
  local
    .command('status')
    .description('where the offline runtime listens and what it runs')
    .option('--json', 'print .streamlake/local.json as read')
    .action(async (o: { json?: boolean }) => {
      const rt = readLocalRuntime();
      await callRuntime(rt, LocalRoutes.health, { fetch: ctx.fetch });
      ctx.out(o.json ? JSON.stringify(rt, null, 2) : describe(rt, ctx.clock.now()));
    });
  local
    .command('down')
    .description('stop the offline runtime and wait until its process (and every port) is gone')
    .addOption(
      new Option('--timeout <time>', 'give up waiting (exit 4) after this long')
        .default(60_000, '60s')
        .argParser(duration('--timeout')),
    )
    .option('--json', 'print {pid, elapsedMs} as JSON')
    .action(async (o: { timeout: number; json?: boolean }) => {
      const rt = readLocalRuntime();
      try {
        await callRuntime(rt, LocalRoutes.stop, {
          method: 'POST',
          fetch: ctx.fetch,
          network: { ...DEFAULT_NETWORK, requestTimeoutMs: 5_000 },
        });
      } catch (e) {
        // The endpoint does not answer but the process lives: it gets what Ctrl-C sends it.
        ctx.err(`streamlake: ${(e as Error).message}; sending SIGINT to pid ${rt.pid}`);
        process.kill(rt.pid, 'SIGINT');
      }
      const t0 = ctx.clock.now();
      while (alive(rt.pid)) {
        if (ctx.clock.now() - t0 > o.timeout)
          throw new CliError(
            `the offline runtime (pid ${rt.pid}) is still stopping after ${formatDuration(o.timeout)}`,
            ExitCode.timedOut,
          );
        await ctx.clock.sleep(250);
      }
      const elapsedMs = ctx.clock.now() - t0;
      ctx.out(
        o.json
          ? JSON.stringify({ stopped: true, pid: rt.pid, elapsedMs }, null, 2)
          : `stopped the offline runtime (pid ${rt.pid}) after ${formatDuration(elapsedMs)}`,
      );
    });
  return local;
}
