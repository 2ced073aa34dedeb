/**
 * Every modelling assumption of `streamlake cost`: what is neither a price (cli/pricing/<region>.json) nor something
 * the config or the templates decide (cost-inputs.ts). Each carries its reason and, where a figure was measured, the
 * command that measured it. `--explain` prints the ones an estimate used.
 */

export interface Assumption<T = number> {
  readonly value: T;
  readonly unit: string;
  readonly why: string;
  /** Where a measured figure comes from (a command of this repository, or an AWS page). */
  readonly source?: string;
}

export interface LatenessBand {
  /** Share of events in this band. */
  readonly share: number;
  /** Seconds between occurredAt and arrival on the stream, uniform in [fromSeconds, toSeconds]. */
  readonly fromSeconds: number;
  readonly toSeconds: number;
}

const BENCH_CONSUMER =
  'npm run bench:consumer (reference workload, lambda/stream-consumer/README.md, 2026-11-23)';

export const ASSUMPTIONS = {
  // --- The workload (the reference mix of bench/consumer.ts, so the model can be checked against the real code) ---
  contentIds: {
    value: 50,
    unit: 'contentIds with traffic',
    why: 'distinct contents watched at the same time; view writes grow with it (set it with --content-ids)',
    source: BENCH_CONSUMER,
  },
  zipfExponent: {
    value: 1.1,
    unit: '',
    why: 'content popularity is Zipf-like: the live match takes ~25 %, the long tail the rest',
    source: BENCH_CONSUMER,
  },
  typeWeights: {
    value: { heartbeat: 55, like: 15, view_start: 10, view_end: 8, comment: 6, share: 6 },
    unit: 'relative weight',
    why: 'event types of the reference mix; a view row is per (contentId, type, minute)',
    source: BENCH_CONSUMER,
  } as Assumption<Readonly<Record<string, number>>>,
  lateness: {
    value: [
      { share: 0.9, fromSeconds: 0, toSeconds: 2 },
      { share: 0.095, fromSeconds: 0, toSeconds: 30 },
      { share: 0.005, fromSeconds: 60, toSeconds: 300 },
    ],
    unit: 'seconds between occurredAt and arrival',
    why: 'late events add minute rows to a window and re-fire closed Flink windows',
    source: BENCH_CONSUMER,
  } as Assumption<readonly LatenessBand[]>,
  malformedShare: {
    value: 0.005,
    unit: 'of records',
    why: 'records that break the contract become dead letters (SQS for the Lambda consumer, DynamoDB items for Flink)',
    source: BENCH_CONSUMER,
  },

  // --- Kinesis ---
  onDemandMinShards: {
    value: 4,
    unit: 'shards',
    why: 'a new on-demand stream has 4 MB/s of write capacity, i.e. 4 shards, each polled by the Lambda consumer',
    source: 'https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html',
  },
  onDemandHeadroom: {
    value: 2,
    unit: '× the shards the load needs',
    why: 'on-demand keeps capacity for twice the peak write throughput of the last 30 days, so a steady load sits on about twice the shards it needs',
    source: 'https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html',
  },

  firehoseJqMicrosPerRecord: {
    value: 20,
    unit: 'µs of JQ per record',
    why: 'Firehose runs the two partition-key JQ expressions on every record and bills the processing time by the hour; the JQProcessing.Duration metric shows the real figure (not measured)',
  },

  // --- The Lambda speed consumer ---
  consumerRecordsPerCpuSecond: {
    value: 49_101,
    unit: 'records per CPU-second',
    why: 'processWindowBatch on the reference mix, CPU-time column (the steadier one on a shared machine)',
    source: `${BENCH_CONSUMER}: tumbling window 120 s row`,
  },
  lambdaMiBPerVcpu: {
    value: 1769,
    unit: 'MiB per vCPU',
    why: 'Lambda allocates CPU in proportion to memory: a function gets one full vCPU at 1,769 MB',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html',
  },
  eventEnvelopeBytes: {
    value: 300,
    unit: 'bytes per record',
    why: 'what the event source mapping adds around each record in the invocation payload (eventID, sequence number, ARNs…); the data itself travels base64-encoded',
  },
  invocationOverheadMs: {
    value: 3,
    unit: 'ms per invocation',
    why: 'runtime entry, logging and the EMF metrics flush of one invocation (not measured)',
  },
  dynamodbWriteMs: {
    value: 8,
    unit: 'ms per UpdateItem',
    why: 'in-region DynamoDB write latency; the final invocation of a window writes its keys 10 at a time (not measured)',
  },
  sqsSendMs: {
    value: 15,
    unit: 'ms per SendMessageBatch',
    why: 'an invocation with malformed records sends them to the dead-letter queue before returning (not measured)',
  },
  stateBytesPerKey: {
    value: 31,
    unit: 'bytes of window state per key',
    why: 'measured: 32,458 bytes for 1,061 keys at 120 s; above the state budget the consumer writes early',
    source: `${BENCH_CONSUMER}: state size, reference mix`,
  },
  consumerLogBytesPerInvocation: {
    value: 1400,
    unit: 'bytes',
    why: 'START/END/REPORT lines (~300 B), the EMF metrics object (~600 B) and the "window batch done" line (~500 B)',
  },

  // --- Managed Flink ---
  flinkEventsPerKpuSecond: {
    value: 25_000,
    unit: 'events/s per KPU',
    why: 'about a fifth of the local per-core figure (117,398/s) for RocksDB dedupe state, Kinesis deserialization and checkpoints on Managed Flink; Nexmark q5 does ~22k/core (not measured on AWS)',
    source: 'npm run bench:flink (jobs/flink/README.md, 2026-11-23, quiet machine)',
  },
  flinkTargetUtilization: {
    value: 0.75,
    unit: 'of a KPU',
    why: 'autoscaling adds KPUs when CPU stays above 75 %, so a steady load sits below that',
    source: 'https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling-auto.html',
  },
  flinkStateBytesPerEvent: {
    value: 60,
    unit: 'bytes per event in the dedupe horizon',
    why: 'eventId (36 B) plus RocksDB overhead, kept for flinkDedupeHorizonMinutes; checked against 50 GB of running storage per KPU',
  },
  flinkLogGbPerKpuMonth: {
    value: 0.5,
    unit: 'GB per KPU-month',
    why: 'INFO logs of a healthy job (checkpoints every minute per subtask) in CloudWatch Logs (not measured)',
  },
  deadLetterItemWriteUnits: {
    value: 1,
    unit: 'write units per dead letter',
    why: 'a Flink dead letter is one item with the record (~300 B, base64) and its reason: under 1 KB',
  },

  // --- The views table ---
  viewItemBytes: {
    value: 250,
    unit: 'bytes per item',
    why: 'a view row (pk ~40 B, sk ~18 B, counts, timestamps) plus the 100 bytes DynamoDB adds per item for storage',
  },

  // --- The lake ---
  rawGzipRatio: {
    value: 0.255,
    unit: 'of the JSON bytes',
    why: 'measured: 5,000,000 reference events of ~320 B as gzip NDJSON took 407,865,065 B',
    source: 'npm run bench:spark (jobs/spark/README.md, 2026-11-24)',
  },
  curatedParquetRatio: {
    value: 0.2,
    unit: 'of the JSON bytes',
    why: 'curated Parquet (Snappy) keeps every column, UUIDs included, which compress poorly (not measured)',
  },
  analyticsBytesPerMinuteRow: {
    value: 40,
    unit: 'bytes per (contentId, type, minute) row',
    why: 'minute_content_counts in Parquet; the daily and top-content tables are negligible beside it',
  },
  emrLogBytesPerRun: {
    value: 50 * 1024 ** 2,
    unit: 'bytes per cluster run',
    why: 'EMR step, container and node logs pushed to emr-logs/ (not measured)',
  },
  accessLogBytesPerRequest: {
    value: 500,
    unit: 'bytes per request',
    why: 'one S3 server access log record per request to a lake bucket',
  },

  // --- The batch layer (EMR) ---
  sparkRowsPerVcpuSecond: {
    value: 25_000,
    unit: 'events/s per vCPU',
    why: 'half the local figure (49,814 rows/s per core) for S3 reads and writes, shuffles between nodes and the batch-view writes',
    source: 'npm run bench:spark (jobs/spark/README.md, 2026-11-24)',
  },
  emrScaleTargetMinutes: {
    value: 30,
    unit: 'minutes',
    why: 'managed scaling adds Spot task units while YARN has pending work; modelled as "until the day fits in 30 minutes", up to emrTaskSpotMaxUnits',
  },
  emrOverheadMinutes: {
    value: 10,
    unit: 'minutes billed per run',
    why: 'provisioning and bootstrapping the nodes, starting Spark, terminating: billed although no event is processed (not measured)',
  },
  emrSpotDiscount: {
    value: 0.6,
    unit: 'off the on-demand EC2 price',
    why: 'typical Spot saving for Graviton 2xlarge pools (AWS quotes up to 90 %); the EMR uplift is never discounted',
    source: 'https://aws.amazon.com/ec2/spot/instance-advisor/',
  },
  emrEbsGbPerVcpu: {
    value: 16,
    unit: 'GiB of EBS per vCPU',
    why: "EMR's default EBS storage for instances without instance store (64 GiB for xlarge, 128 GiB for 2xlarge); the 15 GiB root volume is left out",
    source: 'https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-plan-storage.html',
  },

  // --- The batch layer (the MapReduce engine, batchEngine=mapreduce) ---
  mapreduceGbSecondsPerRawGiB: {
    value: 1579,
    unit: 'Lambda GB-s per GiB of raw (gzip) input',
    why: "every task of a day (plan, map, both reduce rounds, finish) at the deployed memory sizes, from the benchmark's task times on one core each (a Lambda function with 3008 MiB has 1.7 vCPU; S3 latency, which the local run does not have, is taken as offsetting it); measured on a shared machine (load average 2.3 to 3.9), provisional",
    source: 'npm run bench:mapreduce, 5,000,000 events (docs/batch.md "Performance", 2026-11-29)',
  },
  mapreduceScratchBytesPerRawByte: {
    value: 2.77,
    unit: 'bytes written to the scratch prefix per raw byte',
    why: 'shuffle files (JSON records) and staged Parquet, measured by the benchmark; held for about the run, deleted by its last step',
    source: 'npm run bench:mapreduce',
  },
  mapreduceTransitionsPerChild: {
    value: 2,
    unit: 'state transitions per Distributed Map child execution',
    why: 'each child is a standard execution of one Task state (entered, then succeeded)',
  },
  mapreduceRunHours: {
    value: 1,
    unit: 'hours the scratch files exist',
    why: 'a run takes minutes; the last step deletes its scratch (the lifecycle rule expires what a failed run left)',
  },

  // --- Operations around the pipeline ---
  servingRequestsPerDay: {
    value: 8640,
    unit: 'requests/day',
    why: 'one dashboard polling the query API every 10 seconds',
  },
  servingHandlerMs: {
    value: 60,
    unit: 'ms per request',
    why: 'two DynamoDB Queries and JSON (not measured)',
  },
  deadlineCheckMs: {
    value: 200,
    unit: 'ms per run',
    why: 'the daily deadline check makes one Query of the window’s completion items and one delimited listing of raw/events/, and publishes one metric (not measured)',
  },
  batchPlannerMs: {
    value: 300,
    unit: 'ms per run',
    why: 'the batch planner, first task of each daily execution, makes one Query of the lookback’s completion items and one listing per day of the lookback (not measured)',
  },
  servingReadUnitsPerRequest: {
    value: 2,
    unit: 'read units per request',
    why: 'one Query per view (speed and batch or flink), eventually consistent, under 8 KB each',
  },
  servingLogBytesPerRequest: {
    value: 1500,
    unit: 'bytes',
    why: 'access log line (~400 B) and the handler log lines (~1,100 B)',
  },
  athenaQueriesPerDay: { value: 20, unit: 'queries/day', why: 'analysts querying the curated zone' },
  athenaScanShare: {
    value: 0.25,
    unit: "of a day's curated partition",
    why: 'a query reads one day (partition projection) and a quarter of its columns',
  },
  athenaResultBytes: { value: 1024 ** 2, unit: 'bytes per query', why: 'result files, kept 30 days' },
  stepFunctionsLogBytesPerRun: {
    value: 50 * 1024,
    unit: 'bytes per execution',
    why: 'log level ALL with execution data: every state entered and exited, with its input and output',
  },
  flowLogGbPerMonth: {
    value: 0.5,
    unit: 'GB/month',
    why: 'VPC flow logs of the batch network: traffic only while the daily cluster runs',
  },
  batchNetworkGbPerMonth: {
    value: 1,
    unit: 'GB/month',
    why: 'EMR control plane, STS, KMS and CloudWatch calls of the cluster through interface endpoints or the NAT gateway (S3 and DynamoDB use free gateway endpoints)',
  },
  logStorageRatio: {
    value: 0.15,
    unit: 'of ingested bytes',
    why: 'CloudWatch Logs bills storage on compressed data',
  },
  kmsCacheSeconds: {
    value: 300,
    unit: 'seconds',
    why: 'Kinesis, SQS and S3 Bucket Keys reuse a data key for about 5 minutes: one KMS request per client (and per shard for Kinesis) every 5 minutes',
  },
  kmsOtherClients: {
    value: 20,
    unit: 'clients',
    why: 'functions, DynamoDB, CloudWatch Logs and Firehose each caching a key besides the Kinesis readers and writers',
  },
} satisfies Record<string, Assumption<unknown>>;

export type AssumptionName = keyof typeof ASSUMPTIONS;

/** The assumptions, with the workload's content count overridable (the one a user most often knows). */
export type Assumptions = typeof ASSUMPTIONS;

export function assumptionsWith(overrides: { contentIds?: number } = {}): Assumptions {
  if (overrides.contentIds === undefined) return ASSUMPTIONS;
  return {
    ...ASSUMPTIONS,
    contentIds: { ...ASSUMPTIONS.contentIds, value: overrides.contentIds, why: 'given with --content-ids' },
  };
}
