import { Command, Option } from 'commander';
import { Outputs } from '../../lib/contracts/outputs';
import { parseTime } from '../lib/dates';
import { UsageError } from '../lib/errors';
import { EVENT_TYPES } from '../lib/event';
import { oneOf } from '../lib/options';
import { queryMetrics, renderMetrics } from '../lib/query';
import {
  addDeploymentOptions,
  type CliContext,
  clients,
  connection,
  type DeploymentOptions,
  deployment,
} from './context';

interface QueryOptions extends DeploymentOptions {
  contentId: string;
  type?: string;
  from: string;
  to: string;
  granularity: 'minute' | 'day';
  json?: boolean;
  url?: string;
}

/** The API takes `yyyy-MM-dd` (whole day) or `yyyy-MM-ddTHH:mm:ss.SSSZ`; relative times are resolved here. */
function apiTime(value: string, option: string, now: number): string {
  const ms = parseTime(value, option, now);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(ms).toISOString();
}

const DAY_MS = 86_400_000;

/** `--from` after `--to` is a usage error (a date `--to` covers its whole day). */
function checkRange(fromValue: string, toValue: string, now: number): void {
  const from = parseTime(fromValue, '--from', now);
  const to = parseTime(toValue, '--to', now);
  const isDay = /^\d{4}-\d{2}-\d{2}$/.test(toValue);
  if (isDay ? from >= to + DAY_MS : from > to)
    throw new UsageError(
      `--from ${fromValue} (${new Date(from).toISOString()}) is after --to ${toValue} ` +
        `(${isDay ? `the day ending ${new Date(to + DAY_MS).toISOString()}` : new Date(to).toISOString()})`,
    );
}

export function queryCommand(ctx: CliContext): Command {
  const cmd = new Command('query')
    .description('read counts and watch time from the serving API (SigV4-signed)')
    .requiredOption('--content-id <id>', 'content id, e.g. match-ind-aus-final')
    .addOption(
      new Option('--type <type>', 'one event type (default: all)').argParser(oneOf('--type', EVENT_TYPES)),
    )
    .requiredOption('--from <time>', 'first bucket (ISO, a date, or -1h)')
    .requiredOption('--to <time>', 'last bucket (ISO, a date = the whole day, or -0m)')
    .addOption(
      new Option('--granularity <g>', 'minute or day')
        .default('minute')
        .argParser(oneOf('--granularity', ['minute', 'day'] as const)),
    )
    .option('--json', 'print the API response as JSON')
    .option('--url <url>', `serving API base URL (default: the ${Outputs.servingApiUrl} output)`)
    .addHelpText(
      'after',
      `
Examples:
  $ streamlake query --content-id match-ind-aus-final --from -30m --to -0m
  $ streamlake query --content-id match-ind-aus-final --type heartbeat --from 2026-11-20 --to 2026-11-21 --granularity day --json`,
    );
  addDeploymentOptions(cmd);
  cmd.action(async (o: QueryOptions) => {
    const now = ctx.clock.now();
    const from = apiTime(o.from, '--from', now);
    const to = apiTime(o.to, '--to', now);
    checkRange(o.from, o.to, now);
    const conn = connection(o);
    const base = o.url ?? (await deployment(o)).get(Outputs.servingApiUrl);
    const response = await queryMetrics(
      base,
      { contentId: o.contentId, ...(o.type ? { type: o.type } : {}), from, to, granularity: o.granularity },
      conn.region,
      clients.credentials(conn),
      ctx.fetch,
      conn.network,
    );
    ctx.out(o.json ? JSON.stringify(response, null, 2) : renderMetrics(response));
  });
  return cmd;
}
