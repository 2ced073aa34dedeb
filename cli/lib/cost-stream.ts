/**
 * The streaming path: the Kinesis stream, the Firehose archive, and the speed engine that reads the stream (the Lambda
 * consumer with its tumbling window, or the Managed Flink job), with the view writes each makes.
 */

import { DEFAULT_WRITE_CONCURRENCY } from '../../lambda/stream-consumer/process-batch';
import { DEFAULT_STATE_BUDGET_BYTES } from '../../lambda/stream-consumer/window';
import flinkProperties from '../../lib/contracts/flink-properties.json';
import { all } from './cost-inputs';
import { expectedDistinct, expectedMinuteKeys, flinkLateShares, keyProbabilities } from './cost-keys';
import { type CostContext, GB, HOURS_PER_MONTH, KB, n, SECONDS_PER_MONTH } from './cost-model';
import { overQuota, QUOTAS } from './cost-quotas';
import { rawObjects } from './cost-storage';

const keySets = new Map<string, number[]>();

/** Probabilities of the (contentId, type) keys of the workload (computed once per workload). */
export function workloadKeys(ctx: CostContext): number[] {
  const args = [ctx.a('contentIds'), ctx.a('zipfExponent'), ctx.a('typeWeights')] as const;
  const id = JSON.stringify(args);
  const found = keySets.get(id) ?? keyProbabilities(...args);
  keySets.set(id, found);
  return found;
}

/** Shards: what the load needs (writes, and reads shared by the polling readers), then what the mode provides. */
export function sizeStream(ctx: CostContext): number {
  const { R, B } = ctx;
  const readers =
    all(ctx.inputs, 'deliveryStreams').length +
    all(ctx.inputs, 'eventSourceMappings').length +
    all(ctx.inputs, 'flinkApps').length;
  const needed = Math.max(
    1,
    Math.ceil(R / QUOTAS.kinesisShardWriteRecords.value),
    Math.ceil((R * B) / QUOTAS.kinesisShardWriteBytes.value),
    Math.ceil((readers * R * B) / QUOTAS.kinesisShardReadBytes.value),
  );
  let shards: number;
  if (ctx.inputs.stream.mode === 'on-demand') {
    shards = Math.max(ctx.a('onDemandMinShards'), Math.ceil(ctx.a('onDemandHeadroom') * needed));
    if (R * B > QUOTAS.kinesisOnDemandWriteBytes.value)
      ctx.warn(
        overQuota(
          'kinesis-on-demand-throughput',
          'kinesisOnDemandWriteBytes',
          R * B,
          'write throughput',
          'Split the events over several streams or ask AWS for more.',
        ),
      );
  } else {
    const configured = ctx.inputs.stream.shardCount ?? 1;
    shards = Math.max(configured, needed);
    if (needed > configured)
      ctx.warn({
        code: 'kinesis-shards',
        message: `the stream is configured with ${configured} shard(s) (shardCount) but ${n(R)} events/s of ${B} B need ${needed} (1,000 records/s and 1 MiB/s written, 2 MiB/s read by ${readers} readers per shard); priced at ${needed}: deploy with -c shardCount=${needed}`,
        limit: {
          name: QUOTAS.kinesisShardWriteRecords.name,
          value: '1,000 records/s, 1 MiB/s',
          source: QUOTAS.kinesisShardWriteRecords.source,
        },
      });
    if (shards > QUOTAS.kinesisProvisionedShardsPerAccount.value)
      ctx.warn(
        overQuota(
          'kinesis-account-shards',
          'kinesisProvisionedShardsPerAccount',
          shards,
          'shards',
          'Ask AWS for a higher shard quota.',
        ),
      );
  }
  ctx.derived['shardsNeeded'] = needed;
  ctx.derived['shards'] = shards;
  ctx.derived['streamReaders'] = readers;
  return shards;
}

export function kinesisLines(ctx: CostContext): void {
  const shards = sizeStream(ctx);
  const { B } = ctx;
  const records = ctx.events;
  const readers = ctx.derived['streamReaders']!;
  const retention = ctx.inputs.stream.retentionHours;
  const extendedHours = Math.max(0, Math.min(retention, 168) - 24);
  const longTermHours = Math.max(0, retention - 168);
  if (B > QUOTAS.kinesisRecordBytes.value)
    ctx.warn(
      overQuota(
        'kinesis-record-size',
        'kinesisRecordBytes',
        B,
        'event size',
        'The deployed stream rejects such records: raise its maximum record size (up to 10 MiB) or split the events.',
      ),
    );
  if (ctx.inputs.stream.mode === 'provisioned') {
    ctx.add('Kinesis', `${shards} shard(s), provisioned`, 'kinesisShardHour', shards * HOURS_PER_MONTH, {
      how: `${shards} × ${HOURS_PER_MONTH} h`,
    });
    const units = Math.ceil(B / (25 * KB));
    ctx.add('Kinesis', 'PUT payload units (25 KB)', 'kinesisPutPayloadUnitsMillion', records * units, {
      per: 1e6,
      how: `${n(records)} records × ${units} unit(s)`,
    });
    if (extendedHours > 0)
      ctx.add(
        'Kinesis',
        `retention ${retention} h (extended)`,
        'kinesisExtendedRetentionShardHour',
        shards * HOURS_PER_MONTH,
        {
          how: `${shards} × ${HOURS_PER_MONTH} h`,
        },
      );
  } else {
    ctx.add('Kinesis', 'on-demand stream', 'kinesisOnDemandStreamHour', HOURS_PER_MONTH);
    const kb = Math.ceil(B / KB);
    ctx.add('Kinesis', 'data in (1 KB per record)', 'kinesisOnDemandDataInGb', (records * kb * KB) / GB, {
      how: `${n(records)} records × ${kb} KB`,
    });
    ctx.add(
      'Kinesis',
      `data out (${readers} readers)`,
      'kinesisOnDemandDataOutGb',
      (readers * records * B) / GB,
      {
        how: `${readers} × ${n(records)} records × ${B} B`,
      },
    );
    if (extendedHours > 0)
      ctx.add(
        'Kinesis',
        `retention ${retention} h (24 h–7 d)`,
        'kinesisOnDemandExtendedRetentionGbMonth',
        (ctx.R * kb * KB * extendedHours * 3600) / GB,
        {
          how: `${n(ctx.R)}/s × ${kb} KB × ${extendedHours} h`,
        },
      );
  }
  if (longTermHours > 0)
    ctx.add(
      'Kinesis',
      `retention beyond 7 d (${retention} h)`,
      'kinesisLongTermRetentionGbMonth',
      (ctx.R * B * longTermHours * 3600) / GB,
      {
        how: `${n(ctx.R)}/s × ${B} B × ${longTermHours} h`,
      },
    );
}

export function firehoseLines(ctx: CostContext): void {
  const { B } = ctx;
  const records = ctx.events;
  if (B > QUOTAS.firehoseRecordBytes.value)
    ctx.warn(
      overQuota(
        'firehose-record-size',
        'firehoseRecordBytes',
        B,
        'event size',
        'Firehose cannot archive these records: the raw zone would miss them.',
      ),
    );
  const billed = Math.ceil(B / (5 * KB)) * 5 * KB;
  ctx.add('Firehose', 'ingested (5 KB per record)', 'firehoseIngestGb', (records * billed) / GB, {
    how: `${n(records)} records × ${billed / KB} KB`,
  });
  ctx.add('Firehose', 'dynamic partitioning, data', 'firehoseDynamicPartitioningGb', (records * B) / GB, {
    how: `${n(records)} records × ${B} B`,
  });
  const raw = rawObjects(ctx);
  ctx.add(
    'Firehose',
    'dynamic partitioning, objects',
    'firehoseDynamicPartitioningObjectsThousand',
    raw.perDay * (HOURS_PER_MONTH / 24),
    {
      per: 1000,
      how: `${n(raw.perDay)} objects a day (a flush every ${n(raw.flushSeconds)} s per open hour partition) × ${n(HOURS_PER_MONTH / 24)} days`,
      uses: ['lateness'],
    },
  );
  const jqHours = (records * ctx.a('firehoseJqMicrosPerRecord')) / 1e6 / 3600;
  ctx.add('Firehose', 'JQ partition-key extraction', 'firehoseJqHour', jqHours, {
    how: `${n(records)} records × ${ctx.a('firehoseJqMicrosPerRecord')} µs`,
    uses: ['firehoseJqMicrosPerRecord'],
  });
}

/**
 * The Lambda consumer: the event source mapping invokes per shard when the batch is full or the batching window
 * ends, and once more at the end of each tumbling window, when the function writes each key of the window once.
 */
export function lambdaConsumerLines(ctx: CostContext): void {
  const c = ctx.inputs.consumer;
  const shards = ctx.derived['shards']!;
  const perShard = ctx.R / shards;
  const window = c.tumblingWindowSeconds;
  const payloadPerRecord = Math.ceil((ctx.B * 4) / 3) + ctx.a('eventEnvelopeBytes');
  const payloadCap = Math.max(1, Math.floor(QUOTAS.lambdaPayloadBytes.value / payloadPerRecord));
  if (payloadPerRecord > QUOTAS.lambdaPayloadBytes.value)
    ctx.warn(
      overQuota(
        'lambda-payload',
        'lambdaPayloadBytes',
        payloadPerRecord,
        'one record in an invocation',
        'The consumer cannot be invoked with such a record.',
      ),
    );
  const perInvocation = Math.max(
    1,
    Math.min(c.batchSize, payloadCap, perShard * Math.max(1, c.batchingWindowSeconds)),
  );
  const batchInvocations = ctx.events / perInvocation;
  const finals = window > 0 ? (shards * SECONDS_PER_MONTH) / window : 0;
  const keyP = workloadKeys(ctx);
  const bands = ctx.a('lateness');

  // Keys per write: a window's keys (per shard), or a batch's when there is no window.
  const span = window > 0 ? window : perInvocation / perShard;
  const eventsPerSpan = perShard * span;
  let keys = expectedMinuteKeys(eventsPerSpan, span, keyP, bands);
  const stateBytes = keys * ctx.a('stateBytesPerKey');
  let flushes = 1;
  if (window > 0 && stateBytes > DEFAULT_STATE_BUDGET_BYTES) {
    flushes = Math.ceil(stateBytes / DEFAULT_STATE_BUDGET_BYTES);
    keys = flushes * expectedMinuteKeys(eventsPerSpan / flushes, span / flushes, keyP, bands);
    ctx.warn({
      code: 'window-state',
      message: `a ${window} s window of a shard holds ~${n(stateBytes / 1024)} KB of state (${n(keys)} keys), over the consumer's ${n(DEFAULT_STATE_BUDGET_BYTES / 1024)} KB budget under Lambda's 1 MB limit: it writes early ${flushes}× a window, so writes are ~${flushes}× higher; shorten consumerTumblingWindowSeconds or add shards`,
      limit: {
        name: QUOTAS.lambdaWindowStateBytes.name,
        value: '1 MB',
        source: QUOTAS.lambdaWindowStateBytes.source,
      },
    });
  }
  const writes = (ctx.events / eventsPerSpan) * keys;

  const vcpu = Math.min(1, c.memoryMiB / ctx.a('lambdaMiBPerVcpu'));
  const recordMs = 1000 / (ctx.a('consumerRecordsPerCpuSecond') * vcpu);
  const pMalformed = 1 - (1 - ctx.a('malformedShare')) ** perInvocation;
  const writeMs = (keys / flushes / DEFAULT_WRITE_CONCURRENCY) * ctx.a('dynamodbWriteMs');
  const batchMs = Math.ceil(
    ctx.a('invocationOverheadMs') +
      perInvocation * recordMs +
      pMalformed * ctx.a('sqsSendMs') +
      (window > 0 ? 0 : writeMs),
  );
  const finalMs = Math.ceil(ctx.a('invocationOverheadMs') + writeMs);
  const gbSeconds = ((batchInvocations * batchMs + finals * finalMs) / 1000) * (c.memoryMiB / 1024);
  const uses = [
    'consumerRecordsPerCpuSecond',
    'lambdaMiBPerVcpu',
    'invocationOverheadMs',
    'dynamodbWriteMs',
    'sqsSendMs',
    'eventEnvelopeBytes',
  ] as const;
  ctx.add('Lambda', 'stream consumer, requests', 'lambdaRequestsMillion', batchInvocations + finals, {
    per: 1e6,
    how: `${n(ctx.events)} records ÷ ${n(perInvocation)} per batch + ${n(finals)} window-end invocations`,
  });
  ctx.add('Lambda', `stream consumer, compute (${c.memoryMiB} MiB arm64)`, 'lambdaArmGbSecond', gbSeconds, {
    how: `(${n(batchInvocations)} × ${batchMs} ms + ${n(finals)} × ${finalMs} ms) × ${c.memoryMiB / 1024} GB`,
    uses,
  });
  ctx.add(
    'DynamoDB',
    `speed view writes (per key per ${window > 0 ? `${window} s window` : 'batch'} per shard)`,
    'dynamodbWriteRequestUnitsMillion',
    writes,
    {
      per: 1e6,
      how: `${n(ctx.events / eventsPerSpan)} ${window > 0 ? 'windows' : 'batches'} × ${n(keys)} keys (${n(eventsPerSpan)} events of a shard over ${n(span)} s)`,
      uses: ['contentIds', 'zipfExponent', 'typeWeights', 'lateness', 'stateBytesPerKey'],
    },
  );
  const malformedPerInvocation = perInvocation * ctx.a('malformedShare');
  const sqsRequests = batchInvocations * pMalformed * Math.max(1, Math.ceil(malformedPerInvocation / 10));
  ctx.add('SQS', 'dead letters (SendMessageBatch)', 'sqsRequestsMillion', sqsRequests, {
    per: 1e6,
    how: `${n(batchInvocations)} invocations × ${n(pMalformed * 100)} % with a malformed record`,
    uses: ['malformedShare'],
  });
  const concurrency = shards * c.parallelizationFactor;
  if (concurrency > QUOTAS.lambdaConcurrency.value)
    ctx.warn(
      overQuota(
        'lambda-concurrency',
        'lambdaConcurrency',
        concurrency,
        'concurrent consumer invocations (shards × parallelization factor)',
        'Ask AWS for more concurrency or the stream lags.',
      ),
    );
  ctx.logs.set('ConsumerFunctionLogs', (batchInvocations + finals) * ctx.a('consumerLogBytesPerInvocation'));
  Object.assign(ctx.derived, {
    consumerRecordsPerInvocation: perInvocation,
    consumerBatchMs: batchMs,
    consumerKeysPerWindow: keys,
    speedWritesPerThousandEvents: (1000 * writes) / ctx.events,
    speedWritesPerSecond: writes / SECONDS_PER_MONTH,
    speedRowsPerDay: 1440 * expectedDistinct(ctx.R * 60, keyP),
  });
}

/** Managed Flink: KPUs for the load (autoscaling is on) or the configured parallelism, plus the orchestration KPU. */
export function flinkLines(ctx: CostContext): void {
  const f = ctx.inputs.flink;
  const configured = Math.ceil(f.parallelism / f.parallelismPerKpu);
  const needed = Math.ceil(ctx.R / (ctx.a('flinkEventsPerKpuSecond') * ctx.a('flinkTargetUtilization')));
  const kpus = Math.max(configured, needed);
  if (kpus > QUOTAS.flinkKpusPerApplication.value)
    ctx.warn(
      overQuota(
        'flink-kpus',
        'flinkKpusPerApplication',
        kpus,
        'KPUs the load needs',
        'Autoscaling stops there and the job lags: ask AWS for more KPUs.',
      ),
    );
  const uses = ['flinkEventsPerKpuSecond', 'flinkTargetUtilization'] as const;
  ctx.add(
    'Managed Flink',
    `${kpus} KPU + 1 orchestration KPU`,
    'flinkKpuHour',
    (kpus + 1) * HOURS_PER_MONTH,
    {
      how: `(max(${configured} configured, ⌈${n(ctx.R)} ÷ (${n(ctx.a('flinkEventsPerKpuSecond'))} × ${ctx.a('flinkTargetUtilization')})⌉ = ${needed}) + 1) × ${HOURS_PER_MONTH} h`,
      uses,
    },
  );
  ctx.add(
    'Managed Flink',
    'running application storage',
    'flinkRunningStorageGbMonth',
    kpus * QUOTAS.flinkRunningStorageGbPerKpu.value,
    {
      how: `${kpus} KPU × 50 GB`,
    },
  );
  const stateGb = (ctx.R * f.dedupeHorizonMinutes * 60 * ctx.a('flinkStateBytesPerEvent')) / GB;
  if (stateGb > kpus * QUOTAS.flinkRunningStorageGbPerKpu.value)
    ctx.warn({
      code: 'flink-state',
      message: `the ${f.dedupeHorizonMinutes}-minute dedupe state (~${n(stateGb)} GB) exceeds the running storage of ${kpus} KPUs (${kpus * 50} GB): raise flinkParallelism or shorten flinkDedupeHorizonMinutes`,
      limit: {
        name: QUOTAS.flinkRunningStorageGbPerKpu.name,
        value: '50 GB per KPU',
        source: QUOTAS.flinkRunningStorageGbPerKpu.source,
      },
    });
  const keyP = workloadKeys(ctx);
  const perMinute = expectedDistinct(ctx.R * 60, keyP);
  const { late, tooLate } = flinkLateShares(
    ctx.a('lateness'),
    f.outOfOrdernessSeconds,
    f.allowedLatenessSeconds,
  );
  const windows = (perMinute * SECONDS_PER_MONTH) / 60;
  ctx.add(
    'DynamoDB',
    'flink view writes (per key per minute + at most one per late event)',
    'dynamodbWriteRequestUnitsMillion',
    windows + late * ctx.events,
    {
      per: 1e6,
      how: `${n(perMinute)} keys a minute × ${n(SECONDS_PER_MONTH / 60)} minutes + ${n(late * 100)} % late × ${n(ctx.events)} events`,
      uses: ['contentIds', 'zipfExponent', 'typeWeights', 'lateness'],
    },
  );
  const deadLetters = (ctx.a('malformedShare') + tooLate) * ctx.events;
  ctx.add(
    'DynamoDB',
    'flink dead letters (items in the views table)',
    'dynamodbWriteRequestUnitsMillion',
    deadLetters * ctx.a('deadLetterItemWriteUnits'),
    {
      per: 1e6,
      how: `${n(ctx.a('malformedShare') * 100)} % malformed × ${n(ctx.events)} events`,
      uses: ['malformedShare', 'deadLetterItemWriteUnits'],
    },
  );
  ctx.logs.set('FlinkLogs', kpus * ctx.a('flinkLogGbPerKpuMonth') * GB);
  const deadLetterTtlDays = Number(flinkProperties.groups.DeadLetter.ttlDays.default);
  Object.assign(ctx.derived, {
    kpus,
    flinkLateShare: late,
    flinkRowsPerDay: 1440 * perMinute,
    flinkDeadLettersPerDay: deadLetters / (HOURS_PER_MONTH / 24),
    flinkDeadLetterTtlDays: deadLetterTtlDays,
    flinkWritesPerSecond: (windows + late * ctx.events) / SECONDS_PER_MONTH,
  });
}
