/**
 * `streamlake cost`: a monthly estimate of one deployment, per service, at a given load and month of operation.
 *
 * The model is a set of line groups (cost-stream, cost-batch, cost-views, cost-storage, cost-platform), each adding
 * lines quantity × list price with the arithmetic spelled out. Structural inputs come from the config and the
 * synthesized templates (cost-inputs, cost-inventory), prices from cli/pricing/<region>.json, modelling assumptions
 * from cost-assumptions; every deployed resource type is priced or listed with the reason it is not (cost-coverage);
 * inputs beyond a service quota give warnings (cost-quotas). docs/cost.md walks through one estimate per variant.
 */

import type { StreamlakeConfig } from '../../lib/config';
import { type Assumption, type AssumptionName, assumptionsWith } from './cost-assumptions';
import { BATCH_ENGINES, batchViewLines } from './cost-batch';
import { coverageOf, deployTimeFunctions, NOT_PRICED_USAGE } from './cost-coverage';
import { all, type CostInputs, count, inputsFromConfig } from './cost-inputs';
import type { Inventory } from './cost-inventory';
import { CostContext, type CostLoad, type CostWarning, type LineItem } from './cost-model';
import {
  athenaLines,
  cloudWatchLines,
  kmsLines,
  networkLines,
  orchestrationLines,
  servingLines,
} from './cost-platform';
import { type Price, PriceBook, type PriceTable } from './cost-prices';
import { QUOTAS } from './cost-quotas';
import { s3Lines } from './cost-storage';
import { firehoseLines, flinkLines, kinesisLines, lambdaConsumerLines } from './cost-stream';
import { viewTableLines } from './cost-views';
import { UsageError } from './errors';

export interface CostRequest extends CostLoad {
  /** Distinct contentIds with traffic (the workload assumption users most often know). */
  readonly contentIds?: number;
}

export interface InputRow {
  readonly input: string;
  readonly value: string;
  readonly from: string;
}

export interface VariantEstimate {
  readonly architecture: CostInputs['architecture'];
  readonly speedEngine: CostInputs['speedEngine'];
  readonly batchEngine: CostInputs['batchEngine'];
  readonly streamMode: CostInputs['stream']['mode'];
  readonly month: number;
  readonly items: readonly LineItem[];
  readonly byService: Readonly<Record<string, number>>;
  readonly totalUsd: number;
  /** Totals at months 1, 12, 24 (and the priced month): storage keeps growing. */
  readonly growth: readonly { readonly month: number; readonly totalUsd: number; readonly s3Usd: number }[];
  readonly derived: Readonly<Record<string, number>>;
  readonly warnings: readonly CostWarning[];
  readonly notPriced: readonly { readonly what: string; readonly reason: string }[];
  readonly inputs: readonly InputRow[];
  readonly prices: Readonly<Record<string, Price>>;
  readonly assumptions: Readonly<Record<string, Assumption<unknown>>>;
}

/** Service order in tables: the path of an event, then the layers around it. */
export const SERVICE_ORDER = [
  'Kinesis',
  'Firehose',
  'Lambda',
  'Managed Flink',
  'DynamoDB',
  'SQS',
  'EMR',
  'S3',
  'CloudWatch',
  'KMS',
  'VPC',
  'Step Functions',
  'EventBridge Scheduler',
  'API Gateway',
  'Athena',
];

export function validateRequest(r: CostRequest): void {
  if (!Number.isFinite(r.eventsPerSecond) || r.eventsPerSecond <= 0)
    throw new UsageError(`--events-per-sec must be a positive number, got ${r.eventsPerSecond}`);
  if (
    !Number.isInteger(r.eventBytes) ||
    r.eventBytes < 1 ||
    r.eventBytes > QUOTAS.kinesisRecordBytesMax.value
  )
    throw new UsageError(
      `--event-bytes must be a whole number from 1 to ${QUOTAS.kinesisRecordBytesMax.value} (Kinesis' largest record), got ${r.eventBytes}`,
    );
  if (!Number.isInteger(r.month) || r.month < 1 || r.month > 120)
    throw new UsageError(`--month must be a whole number from 1 to 120, got ${r.month}`);
  if (
    r.contentIds !== undefined &&
    (!Number.isInteger(r.contentIds) || r.contentIds < 1 || r.contentIds > 1_000_000)
  )
    throw new UsageError(`--content-ids must be a whole number from 1 to 1000000, got ${r.contentIds}`);
}

function run(inputs: CostInputs, load: CostLoad, pricing: PriceTable, contentIds?: number): CostContext {
  const ctx = new CostContext(load, inputs, new PriceBook(pricing), assumptionsWith({ contentIds }));
  kinesisLines(ctx);
  firehoseLines(ctx);
  if (inputs.speedEngine === 'lambda') lambdaConsumerLines(ctx);
  else flinkLines(ctx);
  if (inputs.batchEngine !== null) {
    BATCH_ENGINES[inputs.batchEngine].lines(ctx);
    batchViewLines(ctx);
  }
  viewTableLines(ctx);
  s3Lines(ctx);
  cloudWatchLines(ctx);
  kmsLines(ctx);
  networkLines(ctx);
  orchestrationLines(ctx);
  servingLines(ctx);
  athenaLines(ctx);
  return ctx;
}

const sum = (items: readonly LineItem[]) => items.reduce((s, i) => s + i.monthlyUsd, 0);

/** The estimate of one deployment (config) at one load, for month `request.month` of operation. */
export function estimate(
  config: StreamlakeConfig,
  request: CostRequest,
  deps: { readonly pricing: PriceTable; readonly inventory: Inventory },
): VariantEstimate {
  validateRequest(request);
  const inputs = inputsFromConfig(config, deps.inventory);
  const ctx = run(inputs, request, deps.pricing, request.contentIds);
  const order = (s: string) => SERVICE_ORDER.indexOf(s) + 1 || SERVICE_ORDER.length + 1;
  const items = [...ctx.items].sort((a, b) => order(a.service) - order(b.service));
  const byService: Record<string, number> = {};
  for (const i of items) byService[i.service] = (byService[i.service] ?? 0) + i.monthlyUsd;
  const months = [...new Set([1, 12, 24, request.month])].sort((a, b) => a - b);
  const growth = months.map((month) => {
    const c =
      month === request.month ? ctx : run(inputs, { ...request, month }, deps.pricing, request.contentIds);
    return { month, totalUsd: sum(c.items), s3Usd: sum(c.items.filter((i) => i.service === 'S3')) };
  });
  const notPriced = [
    ...coverageOf(inputs).flatMap(({ type, coverage }) => {
      if (!coverage)
        throw new Error(`resource type ${type} is neither priced nor listed (cli/lib/cost-coverage.ts)`);
      return 'notPriced' in coverage ? [{ what: type, reason: coverage.notPriced }] : [];
    }),
    ...deployTimeFunctions(inputs).map((id) => ({
      what: `Lambda function ${id}`,
      reason: 'invoked at deployment only',
    })),
    ...NOT_PRICED_USAGE,
  ];
  const used = new Set<AssumptionName>([...ctx.assumptionsUsed(), ...items.flatMap((i) => i.assumptions)]);
  return {
    architecture: inputs.architecture,
    speedEngine: inputs.speedEngine,
    batchEngine: inputs.batchEngine,
    streamMode: inputs.stream.mode,
    month: request.month,
    items,
    byService,
    totalUsd: sum(items),
    growth,
    derived: { ...ctx.derived },
    warnings: [...ctx.warnings],
    notPriced,
    inputs: describeInputs(inputs),
    prices: ctx.prices.usedPrices(),
    assumptions: Object.fromEntries([...used].sort().map((name) => [name, ctx.assumption(name)])),
  };
}

/** The structural inputs of an estimate and where each comes from, for `--explain`. */
export function describeInputs(inputs: CostInputs): InputRow[] {
  const cfg = (key: string) => `config ${key}`;
  const tpl = (what: string) => `template: ${what}`;
  const rows: InputRow[] = [
    {
      input: 'stream capacity',
      value: inputs.stream.mode + (inputs.stream.shardCount ? `, ${inputs.stream.shardCount} shards` : ''),
      from: cfg('streamCapacity, shardCount'),
    },
    {
      input: 'stream retention',
      value: `${inputs.stream.retentionHours} h`,
      from: cfg('streamRetentionHours, else the architecture default'),
    },
    {
      input: 'Firehose buffering',
      value: `${inputs.firehose.bufferSeconds} s / ${inputs.firehose.bufferMiB} MiB`,
      from: cfg('firehoseBufferSeconds, firehoseBufferMiB'),
    },
  ];
  if (inputs.speedEngine === 'lambda') {
    const c = inputs.consumer;
    rows.push(
      {
        input: 'consumer batch',
        value: `${c.batchSize} records, ${c.batchingWindowSeconds} s window, parallelization ${c.parallelizationFactor}`,
        from: cfg('consumerBatchSize, consumerBatchingWindowSeconds, consumerParallelizationFactor'),
      },
      {
        input: 'consumer tumbling window',
        value: `${c.tumblingWindowSeconds} s`,
        from: cfg('consumerTumblingWindowSeconds'),
      },
      { input: 'consumer memory', value: `${c.memoryMiB} MiB arm64`, from: cfg('consumerMemoryMiB') },
      { input: 'speed rows kept', value: `${c.speedRowTtlDays} days`, from: cfg('speedRowTtlDays') },
    );
  } else {
    const f = inputs.flink;
    rows.push(
      {
        input: 'Flink parallelism',
        value: `${f.parallelism}, ${f.parallelismPerKpu} per KPU (autoscaling on)`,
        from: cfg('flinkParallelism, flinkParallelismPerKpu'),
      },
      {
        input: 'Flink lateness',
        value: `${f.outOfOrdernessSeconds} s out of order, ${f.allowedLatenessSeconds / 60} min allowed`,
        from: cfg('flinkOutOfOrdernessSeconds, flinkAllowedLatenessMinutes'),
      },
    );
  }
  const emr = all(inputs, 'stateMachines').find((m) => m.emr)?.emr;
  if (inputs.batchEngine === 'emr' && emr)
    rows.push(
      {
        input: 'EMR core / Spot task units',
        value: `${inputs.emr.coreInstances} / up to ${inputs.emr.taskSpotMaxUnits}`,
        from: cfg('emrCoreInstances, emrTaskSpotMaxUnits'),
      },
      {
        input: 'EMR instance types',
        value: `primary ${emr.primary.instanceTypes.join('|')}; core ${emr.core.instanceTypes.join('|')}; task ${emr.task?.instanceTypes.join('|') ?? '-'}`,
        from: tpl(`${emr.releaseLabel} fleets in the batch state machine`),
      },
    );
  const lc = inputs.lifecycle;
  const endpoints = all(inputs, 'interfaceEndpoints');
  rows.push(
    {
      input: 'raw lifecycle',
      value: `Standard → IA ${lc.rawInfrequentAccessDays} d → Glacier IR ${lc.rawGlacierInstantRetrievalDays} d → Deep Archive ${lc.rawDeepArchiveDays} d, never expired`,
      from: cfg('rawInfrequentAccessDays, rawGlacierInstantRetrievalDays, rawDeepArchiveDays'),
    },
    {
      input: 'curated / analytics lifecycle',
      value: `IA at ${lc.curatedInfrequentAccessDays} d / ${lc.analyticsInfrequentAccessDays} d, never expired`,
      from: cfg('curatedInfrequentAccessDays, analyticsInfrequentAccessDays'),
    },
    {
      input: 'access logs kept',
      value: `${lc.accessLogExpirationDays} days`,
      from: cfg('accessLogExpirationDays'),
    },
  );
  if (inputs.batchEngine !== null)
    rows.push({
      input: 'batch network',
      value:
        endpoints.length > 0
          ? `${endpoints.length} interface endpoints in ${endpoints[0]!.subnets} AZs`
          : `${count(inputs, 'natGateways')} NAT gateway`,
      from: `${cfg('egress')} = ${inputs.egress}; ${tpl('Batch stack')}`,
    });
  rows.push(
    {
      input: 'log groups (retention)',
      value: all(inputs, 'logGroups')
        .map((g) => `${g.id.replace(/[0-9A-F]{8}$/, '')} ${g.retentionDays ?? '∞'} d`)
        .join(', '),
      from: tpl('AWS::Logs::LogGroup'),
    },
    {
      input: 'alarms / dashboards',
      value: `${count(inputs, 'alarms')} / ${count(inputs, 'dashboards')}`,
      from: tpl('cdk-monitoring-constructs per layer'),
    },
    {
      input: 'KMS keys',
      value: `${count(inputs, 'kmsKeys')} (${count(inputs, 'kmsKeysRotated')} rotated yearly)`,
      from: tpl('AWS::KMS::Key'),
    },
  );
  return rows;
}
