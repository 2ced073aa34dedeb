/**
 * What surrounds the pipeline and is easy to forget: CloudWatch (logs, EMF metrics, alarms, dashboards), KMS (keys and
 * their rotations, requests), the batch network (interface endpoints or the NAT gateway), Step Functions, EventBridge
 * Scheduler, the serving API and its function, the deadline check, Athena. Counts come from the templates.
 */
import planning from '../../lib/contracts/batch-planning.json';
import { all, count } from './cost-inputs';
import { type CostContext, DAYS_PER_MONTH, GB, HOURS_PER_MONTH, MiB, n } from './cost-model';
import { averageDaysInBand } from './cost-storage';

/**
 * The EMF metrics each kind of function emits (Powertools Metrics, one metric per name: the dimension set is the
 * service, plus function_name for ColdStart). test/cli/cost-platform.test.ts reads the handlers' sources and fails
 * when a metric is added there but not here.
 */
export const EMF_METRICS = {
  'stream-consumer': [
    'ColdStart',
    'ProcessedRecords',
    'MalformedRecords',
    'ViewWrites',
    'DuplicatesInBatch',
    'WindowStateBytes',
    'WindowEarlyFlushes',
  ],
  'api-handler': [
    'ColdStart',
    'PointsServedBatch',
    'PointsServedSpeed',
    'ViewQueries',
    'BadRequests',
    'QueryErrors',
  ],
  // The deadline check (lambda/batch-deadline) and the batch planner, the first task of either batch workflow
  // (lambda/batch-planner): names from lib/contracts/batch-planning.json.
  scheduled: [planning.metrics.deadline.daysMissing],
  'workflow-task': [
    planning.metrics.planner.plannedDays,
    planning.metrics.planner.lateDataDays,
    planning.metrics.planner.missingDays,
  ],
} as const;

/** Bytes a month each log group receives, by logical-ID prefix; the speed engines report theirs in ctx.logs. */
function logSources(ctx: CostContext): Record<string, number> {
  const requests = ctx.a('servingRequestsPerDay') * DAYS_PER_MONTH;
  const perRequest = ctx.a('servingLogBytesPerRequest');
  return {
    EventsArchiveLogs: 0, // Firehose logs delivery errors only
    NetworkFlowLogs: ctx.a('flowLogGbPerMonth') * GB,
    JobExecutionLogs: DAYS_PER_MONTH * ctx.a('stepFunctionsLogBytesPerRun'),
    DeadlineHandlerLogs: DAYS_PER_MONTH * ctx.a('consumerLogBytesPerInvocation'),
    PlannerHandlerLogs: DAYS_PER_MONTH * ctx.a('consumerLogBytesPerInvocation'),
    QueryApiAccessLogs: requests * 400,
    QueryApiHandlerLogs: requests * (perRequest - 400),
    ...Object.fromEntries(ctx.logs),
  };
}

export function cloudWatchLines(ctx: CostContext): void {
  const sources = logSources(ctx);
  const groups = all(ctx.inputs, 'logGroups').map((g) => {
    const prefix = Object.keys(sources).find((p) => g.id.startsWith(p));
    if (prefix === undefined)
      throw new Error(
        `log group ${g.id}: the cost model does not know what writes to it (cost-platform.ts logSources)`,
      );
    return {
      id: prefix,
      bytes: sources[prefix]!,
      retentionDays: g.retentionDays ?? Number.POSITIVE_INFINITY,
    };
  });
  const ingested = groups.reduce((s, g) => s + g.bytes, 0);
  ctx.add('CloudWatch', 'logs ingested', 'cloudwatchLogsIngestGb', ingested / GB, {
    how: groups
      .filter((g) => g.bytes > 0)
      .map((g) => `${g.id} ${n(g.bytes / GB)} GB`)
      .join(' + '),
    uses: [
      'consumerLogBytesPerInvocation',
      'servingLogBytesPerRequest',
      'stepFunctionsLogBytesPerRun',
      'flowLogGbPerMonth',
    ],
  });
  const month = ctx.load.month;
  const storedGb = groups.reduce(
    (s, g) =>
      s +
      (g.bytes / GB / DAYS_PER_MONTH) *
        averageDaysInBand(month, 0, g.retentionDays) *
        ctx.a('logStorageRatio'),
    0,
  );
  ctx.add(
    'CloudWatch',
    `logs stored (retention per group, month ${month})`,
    'cloudwatchLogsStorageGbMonth',
    storedGb,
    {
      how: `each group's ingestion kept for its retention (${groups.map((g) => `${g.id} ${Number.isFinite(g.retentionDays) ? `${g.retentionDays} d` : 'never expires'}`).join(', ')}) × ${ctx.a('logStorageRatio')} compressed`,
      uses: ['logStorageRatio'],
    },
  );
  const roles = new Set(all(ctx.inputs, 'functions').map((f) => f.role));
  const metrics = Object.entries(EMF_METRICS)
    .filter(([role]) => roles.has(role as keyof typeof EMF_METRICS))
    .flatMap(([, names]) => names);
  ctx.add(
    'CloudWatch',
    'custom metrics (EMF from the functions)',
    'cloudwatchCustomMetricMonth',
    metrics.length,
    {
      how: metrics.join(', '),
    },
  );
  ctx.add(
    'CloudWatch',
    `alarms (${count(ctx.inputs, 'alarms')})`,
    'cloudwatchAlarmMetricMonth',
    count(ctx.inputs, 'alarmMetrics'),
    {
      how: 'alarm metrics in the templates',
    },
  );
  ctx.add('CloudWatch', 'dashboards', 'cloudwatchDashboardMonth', count(ctx.inputs, 'dashboards'), {
    how: 'a dashboard and an alarm dashboard per layer',
  });
}

export function kmsLines(ctx: CostContext): void {
  const keys = count(ctx.inputs, 'kmsKeys');
  const rotated = count(ctx.inputs, 'kmsKeysRotated');
  // Yearly rotation: the first two rotations add $1/month each, later ones nothing.
  const rotations = Math.min(2, Math.floor((ctx.load.month - 1) / 12));
  ctx.add(
    'KMS',
    `customer-managed keys (${keys}, ${rotated} rotated yearly)`,
    'kmsKeyMonth',
    keys + rotated * rotations,
    {
      how: `${keys} keys + ${rotated} × ${rotations} rotation(s) by month ${ctx.load.month}`,
    },
  );
  const shards = ctx.derived['shards'] ?? 0;
  const kinesisClients = shards * (1 + (ctx.derived['streamReaders'] ?? 0));
  const clients = kinesisClients + ctx.a('kmsOtherClients');
  const requests = clients * ((HOURS_PER_MONTH * 3600) / ctx.a('kmsCacheSeconds'));
  ctx.add('KMS', 'requests (data keys cached ~5 min)', 'kmsRequestsTenThousand', requests, {
    per: 10_000,
    how: `(${shards} shards × (producer + ${ctx.derived['streamReaders']} readers) + ${ctx.a('kmsOtherClients')} other clients) × one per ${ctx.a('kmsCacheSeconds')} s`,
    uses: ['kmsCacheSeconds', 'kmsOtherClients'],
  });
}

/** The batch network: interface endpoints per AZ (egress=endpoints) or a NAT gateway and its address (egress=nat). */
export function networkLines(ctx: CostContext): void {
  const endpoints = all(ctx.inputs, 'interfaceEndpoints');
  const gb = ctx.a('batchNetworkGbPerMonth');
  if (endpoints.length > 0) {
    const azHours = endpoints.reduce((s, e) => s + e.subnets, 0) * HOURS_PER_MONTH;
    ctx.add(
      'VPC',
      `${endpoints.length} interface endpoints × ${endpoints[0]!.subnets} AZ`,
      'vpcInterfaceEndpointHour',
      azHours,
      {
        how: `${endpoints.map((e) => e.id.replace(/^NetworkVpc|[0-9A-F]{8}$/g, '')).join(', ')}: ${endpoints.reduce((s, e) => s + e.subnets, 0)} endpoint-AZs × ${HOURS_PER_MONTH} h`,
      },
    );
    ctx.add('VPC', 'interface endpoint data', 'vpcInterfaceEndpointGb', gb, {
      uses: ['batchNetworkGbPerMonth'],
    });
  }
  const nat = count(ctx.inputs, 'natGateways');
  if (nat > 0) {
    ctx.add('VPC', `${nat} NAT gateway`, 'natGatewayHour', nat * HOURS_PER_MONTH);
    ctx.add('VPC', 'NAT gateway public IPv4 address', 'publicIpv4Hour', nat * HOURS_PER_MONTH);
    ctx.add('VPC', 'NAT gateway data', 'natGatewayGb', gb, { uses: ['batchNetworkGbPerMonth'] });
  }
}

/** Daily schedules and state machines: one run a day each (their cron expressions fire once a day). */
export function orchestrationLines(ctx: CostContext): void {
  const schedules = all(ctx.inputs, 'schedules');
  for (const s of schedules)
    if (!/^cron\(\d+ \d+ \* \* \? \*\)$/.test(s.expression))
      throw new Error(`schedule ${s.id} (${s.expression}) is not daily: the cost model prices one run a day`);
  const machines = all(ctx.inputs, 'stateMachines');
  if (machines.length > 0) {
    const transitions = machines.reduce((s, m) => s + m.successTransitions, 0);
    ctx.add(
      'Step Functions',
      'state transitions (daily run)',
      'sfnStandardTransitionsThousand',
      transitions * DAYS_PER_MONTH,
      {
        per: 1000,
        how: `${transitions} states on the success path × ${n(DAYS_PER_MONTH)} runs`,
      },
    );
  }
  if (schedules.length > 0)
    ctx.add(
      'EventBridge Scheduler',
      `${schedules.length} daily schedules`,
      'schedulerInvocationsMillion',
      schedules.length * DAYS_PER_MONTH,
      {
        per: 1e6,
      },
    );
  const deadline = all(ctx.inputs, 'functions').filter((f) => f.role === 'scheduled');
  for (const f of deadline) {
    ctx.add('Lambda', 'deadline check, requests', 'lambdaRequestsMillion', DAYS_PER_MONTH, { per: 1e6 });
    ctx.add(
      'Lambda',
      `deadline check, compute (${f.memoryMiB} MiB)`,
      'lambdaArmGbSecond',
      (DAYS_PER_MONTH * ctx.a('deadlineCheckMs') * f.memoryMiB) / 1000 / 1024,
      {
        how: `${n(DAYS_PER_MONTH)} runs × ${ctx.a('deadlineCheckMs')} ms`,
        uses: ['deadlineCheckMs'],
      },
    );
    // Scheduled functions are invoked asynchronously; their on-failure queue receives a message only when a run
    // fails after its retries, so it costs nothing in steady state (priced so the queue is not left unaccounted).
    ctx.add('SQS', 'deadline check, on-failure queue', 'sqsRequestsMillion', 0, {
      per: 1e6,
      how: 'a message only when a run fails after its retries: none in steady state',
    });
  }
  // The batch planner: the first task of every batch execution (either engine), once a day.
  for (const f of all(ctx.inputs, 'functions').filter((x) => x.id.startsWith('PlannerHandlerFunction'))) {
    ctx.add('Lambda', 'batch planner, requests', 'lambdaRequestsMillion', DAYS_PER_MONTH, { per: 1e6 });
    ctx.add(
      'Lambda',
      `batch planner, compute (${f.memoryMiB} MiB)`,
      'lambdaArmGbSecond',
      (DAYS_PER_MONTH * ctx.a('batchPlannerMs') * f.memoryMiB) / 1000 / 1024,
      {
        how: `${n(DAYS_PER_MONTH)} runs × ${ctx.a('batchPlannerMs')} ms`,
        uses: ['batchPlannerMs'],
      },
    );
  }
}

export function servingLines(ctx: CostContext): void {
  const requests = ctx.a('servingRequestsPerDay') * DAYS_PER_MONTH;
  const uses = ['servingRequestsPerDay'] as const;
  ctx.add('API Gateway', 'HTTP API requests', 'httpApiRequestsMillion', requests, { per: 1e6, uses });
  for (const f of all(ctx.inputs, 'functions').filter((x) => x.role === 'api-handler')) {
    ctx.add('Lambda', 'query handler, requests', 'lambdaRequestsMillion', requests, { per: 1e6, uses });
    const ms = ctx.a('servingHandlerMs');
    ctx.add(
      'Lambda',
      `query handler, compute (${f.memoryMiB} MiB)`,
      'lambdaArmGbSecond',
      (requests * ms * f.memoryMiB) / 1000 / 1024,
      {
        how: `${n(requests)} × ${ms} ms × ${f.memoryMiB / 1024} GB`,
        uses: [...uses, 'servingHandlerMs'],
      },
    );
  }
  for (const f of all(ctx.inputs, 'functions'))
    if (f.role === null)
      throw new Error(
        `function ${f.id}: the cost model does not know what invokes it (cost-inventory.ts roles)`,
      );
}

/** Athena over the lake: a day's partition per query (curated Parquet in the lambda architecture, raw JSON in kappa). */
export function athenaLines(ctx: CostContext): void {
  const queries = ctx.a('athenaQueriesPerDay') * DAYS_PER_MONTH;
  const jsonPerDay = ctx.R * ctx.B * 86_400;
  const batch = ctx.inputs.batchEngine !== null;
  const scanned = batch
    ? jsonPerDay * ctx.a('curatedParquetRatio') * ctx.a('athenaScanShare')
    : jsonPerDay * ctx.a('rawGzipRatio');
  const billed = Math.max(10 * MiB, Math.ceil(scanned / MiB) * MiB);
  ctx.add(
    'Athena',
    `queries over one day of the ${batch ? 'curated' : 'raw'} zone`,
    'athenaTbScanned',
    (queries * billed) / 1024 ** 4,
    {
      how: `${n(queries)} queries × ${n(billed / GB)} GB (10 MB minimum)`,
      uses: [
        'athenaQueriesPerDay',
        ...(batch ? (['athenaScanShare', 'curatedParquetRatio'] as const) : (['rawGzipRatio'] as const)),
      ],
    },
  );
  const cutoff = all(ctx.inputs, 'workGroups')[0]?.bytesScannedCutoffPerQuery;
  if (cutoff && scanned > cutoff)
    ctx.warn({
      code: 'athena-cutoff',
      message: `a query over one day scans ~${n(scanned / GB)} GB, over the workgroup's ${n(cutoff / GB)} GB cutoff: Athena cancels it; query fewer columns or hours`,
      limit: {
        name: 'Athena workgroup BytesScannedCutoffPerQuery (template)',
        value: `${n(cutoff / GB)} GB`,
        source: 'lib/constructs/storage/data-lake.ts',
      },
    });
}
