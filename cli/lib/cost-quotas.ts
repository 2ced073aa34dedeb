/**
 * Service quotas and hard limits the cost model checks its inputs against. An input beyond one gives a warning line
 * (and an entry of `warnings` in `--json`) instead of a total that silently assumes the impossible. Each names the
 * page it is documented on (checked 2026-11-29; docs/reference.md).
 */
import type { CostWarning } from './cost-model';

export interface Quota {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly source: string;
}

const KINESIS_QUOTAS = 'https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html';

export const QUOTAS = {
  kinesisShardWriteBytes: {
    name: 'Kinesis shard write throughput',
    value: 1024 ** 2,
    unit: 'bytes/s per shard',
    source: KINESIS_QUOTAS,
  },
  kinesisShardWriteRecords: {
    name: 'Kinesis shard write records',
    value: 1000,
    unit: 'records/s per shard',
    source: KINESIS_QUOTAS,
  },
  kinesisShardReadBytes: {
    name: 'Kinesis shard read throughput (shared by polling consumers)',
    value: 2 * 1024 ** 2,
    unit: 'bytes/s per shard',
    source: KINESIS_QUOTAS,
  },
  kinesisRecordBytes: {
    name: 'Kinesis record payload (stream default; configurable up to 10 MiB)',
    value: 1024 ** 2,
    unit: 'bytes',
    source: KINESIS_QUOTAS,
  },
  kinesisRecordBytesMax: {
    name: 'Kinesis record payload, largest configurable',
    value: 10 * 1024 ** 2,
    unit: 'bytes',
    source: KINESIS_QUOTAS,
  },
  kinesisProvisionedShardsPerAccount: {
    name: 'provisioned shards per account (us-east-1, us-west-2, eu-west-1; 1,000 or 6,000 elsewhere)',
    value: 20_000,
    unit: 'shards',
    source: KINESIS_QUOTAS,
  },
  kinesisOnDemandWriteBytes: {
    name: 'on-demand stream write throughput (us-east-1, us-west-2, eu-west-1; 200 MB/s elsewhere)',
    value: 10 * 1024 ** 3,
    unit: 'bytes/s per stream',
    source: KINESIS_QUOTAS,
  },
  firehoseRecordBytes: {
    name: 'Firehose record size',
    value: 1000 * 1024,
    unit: 'bytes',
    source: 'https://docs.aws.amazon.com/firehose/latest/dev/limits.html',
  },
  lambdaPayloadBytes: {
    name: 'Lambda synchronous invocation payload (the event source mapping batch)',
    value: 6 * 1024 ** 2,
    unit: 'bytes',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  },
  lambdaConcurrency: {
    name: 'Lambda concurrent executions per account (default)',
    value: 1000,
    unit: 'executions',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  },
  lambdaWindowStateBytes: {
    name: 'tumbling-window state per shard',
    value: 1024 ** 2,
    unit: 'bytes',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html',
  },
  flinkKpusPerApplication: {
    name: 'Managed Flink KPUs per application (default)',
    value: 64,
    unit: 'KPUs',
    source: 'https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling.html',
  },
  flinkRunningStorageGbPerKpu: {
    name: 'Managed Flink running storage per KPU',
    value: 50,
    unit: 'GB',
    source: 'https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling.html',
  },
  dynamodbTableWriteUnits: {
    name: 'DynamoDB on-demand table write throughput (default)',
    value: 40_000,
    unit: 'write request units/s',
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
  },
  dynamodbItemBytes: {
    name: 'DynamoDB item size',
    value: 400 * 1024,
    unit: 'bytes',
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
  },
} satisfies Record<string, Quota>;

export type QuotaName = keyof typeof QUOTAS;

/** A warning that `actual` exceeds a quota; `what` says what in the input or the model reaches it. */
export function overQuota(
  code: string,
  quota: QuotaName,
  actual: number,
  what: string,
  remedy: string,
): CostWarning {
  const q = QUOTAS[quota];
  return {
    code,
    message: `${what}: ${fmt(actual)} ${q.unit}, over the ${q.name} of ${fmt(q.value)} ${q.unit}. ${remedy}`,
    limit: { name: q.name, value: `${fmt(q.value)} ${q.unit}`, source: q.source },
  };
}

function fmt(x: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: 0 });
}
