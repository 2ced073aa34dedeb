import { Command, Option } from 'commander';
import {
  type CostInput,
  estimate,
  loadPricing,
  type PriceTable,
  SCALE_POINTS,
  type StreamCapacity,
  usd,
  type VariantEstimate,
} from '../lib/cost';
import { ARCHITECTURES, type Architecture, parseArchitecture } from '../lib/deployment';
import { oneOf, positiveInt, positiveNumber } from '../lib/options';
import { formatTable } from '../lib/query';
import type { CliContext } from './context';

interface CostOptions {
  eventsPerSec: number;
  eventBytes: number;
  architecture?: Architecture;
  region: string;
  streamCapacity: StreamCapacity;
  retentionDays?: number;
  scale?: boolean;
  json?: boolean;
}

function qty(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 })}M`;
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 0 });
}

function price(n: number): string {
  return `$${n < 0.01 ? n.toPrecision(3) : n.toFixed(n < 1 ? 3 : 2)}`;
}

function renderVariant(e: VariantEstimate): string {
  const rows = e.items.map((i) => [
    i.service,
    i.item,
    qty(i.quantity),
    `${price(i.unitUsd)} / ${i.unit.split(/ \(|, /)[0]!.trim()}`,
    usd(i.monthlyUsd),
  ]);
  const services = Object.entries(e.byService)
    .map(([s, v]) => `${s} ${usd(v)}`)
    .join(', ');
  const growth = e.storageGrowth
    .map((g) => `month ${g.month}: ${qty(g.storedGb)} GB ${usd(g.monthlyUsd)}`)
    .join('; ');
  return [
    `${e.architecture} architecture (${e.streamCapacity} stream): ${usd(e.totalUsd)} / month`,
    formatTable(['service', 'item', 'quantity', 'unit price', 'monthly'], rows),
    `by service: ${services}`,
    `S3 as the lake fills: ${growth}`,
  ].join('\n');
}

export function costCommand(ctx: CliContext): Command {
  const cmd = new Command('cost')
    .description('estimate the monthly AWS bill per architecture, per service')
    .addOption(
      new Option('--events-per-sec <n>', 'average events per second')
        .makeOptionMandatory()
        .argParser(positiveNumber('--events-per-sec')),
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
      new Option('--region <region>', 'price table region (cli/pricing/<region>.json)').default('us-east-1'),
    )
    .addOption(
      new Option('--stream-capacity <mode>', 'Kinesis capacity mode')
        .default('on-demand')
        .argParser(oneOf('--stream-capacity', ['on-demand', 'provisioned'] as const)),
    )
    .addOption(
      new Option(
        '--retention-days <n>',
        'days the lake keeps raw/curated data (default from the table)',
      ).argParser(positiveInt('--retention-days')),
    )
    .option(
      '--scale',
      `also show totals at ${SCALE_POINTS.map((n) => n.toLocaleString('en-US')).join(' / ')} events/s`,
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Every price comes from cli/pricing/<region>.json, which names each price's source page and date and each
modelling assumption (per-KPU throughput, Lambda per-record time, compression ratios…). Not included:
serving API, Step Functions, CloudWatch, KMS, NAT/endpoints, data transfer, S3 requests.

Examples:
  $ streamlake cost --events-per-sec 5000 --event-bytes 300
  $ streamlake cost --events-per-sec 5000 --architecture kappa --stream-capacity provisioned
  $ streamlake cost --events-per-sec 1000 --scale --json`,
    );
  cmd.action((o: CostOptions) => {
    const pricing: PriceTable = loadPricing(o.region);
    const input: CostInput = {
      eventsPerSecond: o.eventsPerSec,
      eventBytes: o.eventBytes,
      streamCapacity: o.streamCapacity,
      ...(o.retentionDays !== undefined ? { retentionDays: o.retentionDays } : {}),
    };
    const architectures = o.architecture ? [o.architecture] : [...ARCHITECTURES];
    const variants = architectures.map((a) => estimate(a, input, pricing));
    const scale = o.scale
      ? SCALE_POINTS.map((eps) => ({
          eventsPerSecond: eps,
          totals: Object.fromEntries(
            architectures.map((a) => [a, estimate(a, { ...input, eventsPerSecond: eps }, pricing).totalUsd]),
          ),
          byService: Object.fromEntries(
            architectures.map((a) => [a, estimate(a, { ...input, eventsPerSecond: eps }, pricing).byService]),
          ),
        }))
      : undefined;
    if (o.json) {
      ctx.out(
        JSON.stringify(
          {
            region: pricing.region,
            currency: pricing.currency,
            pricesAsOf: pricing.asOf,
            input,
            variants,
            ...(scale ? { scale } : {}),
          },
          null,
          2,
        ),
      );
      return;
    }
    ctx.out(
      `monthly estimate for ${o.eventsPerSec.toLocaleString('en-US')} events/s × ${o.eventBytes} B, ${pricing.region} list prices as of ${pricing.asOf} (${pricing.hoursPerMonth} h/month)\n`,
    );
    ctx.out(variants.map(renderVariant).join('\n\n'));
    if (scale) {
      const services = Array.from(
        new Set(scale.flatMap((s) => architectures.flatMap((a) => Object.keys(s.byService[a] ?? {})))),
      );
      const rows = scale.flatMap((s) =>
        architectures.map((a) => [
          s.eventsPerSecond.toLocaleString('en-US'),
          a,
          ...services.map((svc) => (s.byService[a]?.[svc] === undefined ? '-' : usd(s.byService[a]![svc]!))),
          usd(s.totals[a]!),
        ]),
      );
      ctx.out(`\nhow cost grows with load (${o.eventBytes} B events):`);
      ctx.out(formatTable(['events/s', 'arch', ...services, 'total'], rows));
    }
  });
  return cmd;
}
