import { Command, Option } from 'commander';
import { ARCHITECTURES, type Architecture, parseArchitecture } from '../lib/deployment';
import { UsageError } from '../lib/errors';
import { readLocalRuntime } from '../lib/local-runtime';
import { oneOf, positiveInt, positiveNumber } from '../lib/options';
import type { CliContext } from './context';

interface CostOptions {
  eventsPerSec?: number;
  eventBytes: number;
  architecture?: Architecture;
  streamCapacity?: 'on-demand' | 'provisioned';
  context: string[];
  month: number;
  contentIds?: number;
  region: string;
  scale?: boolean;
  batchEngines?: boolean;
  explain?: boolean;
  json?: boolean;
  markdown?: boolean;
  local?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function costCommand(ctx: CliContext): Command {
  const cmd = new Command('cost')
    .description('estimate the monthly AWS bill of a deployment, per architecture and per service')
    .addOption(
      new Option(
        '--events-per-sec <n>',
        'average events per second (required, except with --batch-engines)',
      ).argParser(positiveNumber('--events-per-sec')),
    )
    .addOption(
      new Option('--event-bytes <n>', 'average event size in bytes')
        .default(300)
        .argParser(positiveInt('--event-bytes')),
    )
    .addOption(
      new Option('--architecture <arch>', `${ARCHITECTURES.join(' or ')} (default: both)`).argParser(
        parseArchitecture,
      ),
    )
    .addOption(
      new Option(
        '-c, --context <key=value>',
        'a config key, as cdk -c takes it (repeatable; cdk.json holds the rest)',
      )
        .default([])
        .argParser(collect),
    )
    .addOption(
      new Option('--stream-capacity <mode>', 'same as -c streamCapacity=<mode>').argParser(
        oneOf('--stream-capacity', ['on-demand', 'provisioned'] as const),
      ),
    )
    .addOption(
      new Option('--month <n>', 'month of operation priced: the lake and the views grow every month')
        .default(12)
        .argParser(positiveInt('--month')),
    )
    .addOption(
      new Option(
        '--content-ids <n>',
        'distinct contentIds with traffic at once (default: the reference mix, 50)',
      ).argParser(positiveInt('--content-ids')),
    )
    .addOption(
      new Option('--region <region>', 'price table region (cli/pricing/<region>.json)').default('us-east-1'),
    )
    .option('--scale', 'also show totals at 1,000 / 10,000 / 100,000 events/s')
    .option(
      '--batch-engines',
      'instead: what each batch engine (emr, mapreduce) costs a day at 1, 10, 100 and 1,000 GiB of raw events a day (--events-per-sec is not used)',
    )
    .option(
      '--explain',
      "show each line's arithmetic, the inputs, what is not priced, prices with sources, assumptions",
    )
    .option(
      '--local',
      "price the offline runtime's deployment: its architecture and speed engine (.streamlake/local.json)",
    )
    .option('--json', 'print the same structure as JSON')
    .option('--markdown', 'print the worked example as docs/cost.md shows it')
    .addHelpText(
      'after',
      `
The structure priced (instance types, batch and window settings, retention, lifecycle, endpoints, log groups,
alarms…) is the deployment's: cdk.json's context, -c overrides, and the synthesized templates. Prices come from
cli/pricing/<region>.json (each with its page and date), assumptions from cli/lib/cost-assumptions.ts (each with its
reason). An input beyond a service quota prints a warning line. See docs/cost.md.

Examples:
  $ streamlake cost --events-per-sec 1000 --explain
  $ streamlake cost --events-per-sec 5000 --architecture lambda -c speedEngine=flink -c egress=nat
  $ streamlake cost --events-per-sec 20000 --stream-capacity provisioned -c shardCount=40 --month 24 --json
  $ streamlake cost --events-per-sec 1000 -c batchEngine=mapreduce --explain
  $ streamlake cost --batch-engines`,
    );
  cmd.action((o: CostOptions) => {
    if (o.batchEngines) {
      const { batchEngineComparison, renderComparison } =
        require('../lib/cost-engines') as typeof import('../lib/cost-engines');
      const rows = batchEngineComparison({ context: o.context, eventBytes: o.eventBytes, region: o.region });
      ctx.out(o.json ? JSON.stringify(rows, null, 2) : renderComparison(rows));
      return;
    }
    if (o.eventsPerSec === undefined)
      throw new UsageError("required option '--events-per-sec <n>' not specified");
    // Loaded on use (require, not import(): the CLI runs under tsx's CommonJS hook): the model reads the config, the
    // price table and the template inventory, which the other commands never need.
    const { costReport, renderReport } = require('../lib/cost-report') as typeof import('../lib/cost-report');
    const rt = o.local ? readLocalRuntime() : undefined;
    if (rt && o.architecture && o.architecture !== rt.architecture)
      throw new UsageError(`--architecture ${o.architecture}: the offline runtime runs ${rt.architecture}`);
    const context = [
      ...o.context,
      ...(o.streamCapacity ? [`streamCapacity=${o.streamCapacity}`] : []),
      ...(rt?.speedEngine ? [`speedEngine=${rt.speedEngine}`] : []),
    ];
    const architecture = rt?.architecture ?? o.architecture;
    const report = costReport({
      request: {
        eventsPerSecond: o.eventsPerSec,
        eventBytes: o.eventBytes,
        month: o.month,
        ...(o.contentIds !== undefined ? { contentIds: o.contentIds } : {}),
      },
      architectures: architecture ? [architecture] : [...ARCHITECTURES],
      context,
      region: o.region,
      scale: o.scale === true,
    });
    ctx.out(
      o.json
        ? JSON.stringify(report, null, 2)
        : renderReport(report, { explain: o.explain, markdown: o.markdown }),
    );
  });
  return cmd;
}
