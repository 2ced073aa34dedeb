/**
 * Reads the synthesized CloudFormation templates and derives the local resources from them, so that the offline
 * runtime never keeps a second, hand-written list of streams, tables, buckets, queues or consumer settings.
 * Local physical names come from the logical IDs (CloudFormation would generate them from the same IDs).
 */

export type Architecture = 'lambda' | 'kappa';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<
    string,
    { readonly Value: unknown; readonly Export?: { readonly Name?: unknown } }
  >;
}
export interface NamedTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

export interface StreamSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly shardCount: number;
}
export interface TableSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Attribute name → S | N | B, from AttributeDefinitions. */
  readonly attributeTypes: Record<string, string>;
  readonly ttlAttribute?: string;
}
export interface ParameterSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly value: string;
}
export interface BucketSpec {
  readonly logicalId: string;
  readonly name: string;
}
export interface QueueSpec {
  readonly logicalId: string;
  readonly name: string;
}
/** The Kinesis event source mapping settings the local poller honours. */
export interface EventSourceMappingSpec {
  readonly logicalId: string;
  readonly streamLogicalId?: string;
  readonly functionLogicalId?: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly bisectOnError: boolean;
  /** -1 = retry until the record expires. */
  readonly maxRetryAttempts: number;
  /** -1 = no limit. */
  readonly maxRecordAgeSeconds: number;
  readonly parallelizationFactor: number;
  /** `TumblingWindowInSeconds`: 0 = no tumbling window. */
  readonly tumblingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: string;
  readonly onFailureQueueLogicalId?: string;
  /** Literal environment variables of the target function (references are resolved by the caller). */
  readonly functionEnvironment: Record<string, unknown>;
}
export interface FirehoseSpec {
  readonly logicalId: string;
  readonly bucketLogicalId?: string;
  readonly prefix: string;
  readonly errorOutputPrefix: string;
  readonly compression: string;
  readonly bufferIntervalSeconds: number;
  readonly bufferSizeMiB: number;
  /** Names of the partition keys and their jq expressions (dynamic partitioning), in declaration order. */
  readonly partitionKeyQuery?: string;
  /** An AppendDelimiterToRecord processor is configured: each record is followed by a newline. */
  readonly appendDelimiter: boolean;
  readonly sourceStreamLogicalId?: string;
}
export interface LocalInfra {
  readonly streams: StreamSpec[];
  readonly tables: TableSpec[];
  readonly buckets: BucketSpec[];
  readonly queues: QueueSpec[];
  readonly eventSourceMappings: EventSourceMappingSpec[];
  readonly firehoses: FirehoseSpec[];
  readonly parameters: ParameterSpec[];
  /** Lambda functions: logical ID → environment variables as written in the template (literals and references). */
  readonly functions: Record<string, Record<string, unknown>>;
  /** How many resources of each CloudFormation type the deployment has (which layers exist in this variant). */
  readonly resourceCounts: Record<string, number>;
  /** Export name → exported value (to resolve Fn::ImportValue across stacks). */
  readonly exports: Map<string, unknown>;
  /** Stack output name (see lib/contracts/outputs.ts) → logical ID it refers to. */
  readonly outputs: Record<string, string>;
}

/** Firehose / ESM defaults that apply when the template leaves a property out (AWS documentation). */
export const AWS_DEFAULTS = {
  esmBatchSize: 100,
  esmBatchingWindowSeconds: 0,
  esmMaxRetryAttempts: -1,
  esmMaxRecordAgeSeconds: -1,
  esmParallelizationFactor: 1,
  /** "A value of 0 seconds indicates no tumbling window" (Lambda API reference, TumblingWindowInSeconds). */
  esmTumblingWindowSeconds: 0,
  firehoseBufferIntervalSeconds: 300,
  firehoseBufferSizeMiB: 5,
  kinesisShardCount: 1,
} as const;

/**
 * Shards of a local stream whose template says ON_DEMAND (AWS starts such a stream with 4). Two keep more than one
 * shard poller honest (per-shard ordering, checkpoints) without spending the machine's two cores on empty polls.
 */
export const LOCAL_ON_DEMAND_SHARDS = 2;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The logical ID behind `{Ref: X}`, `{"Fn::GetAtt": [X, attr]}` or a `Fn::ImportValue` of another stack's export of one
 * of those; undefined for anything else.
 */
export function referencedLogicalId(
  v: unknown,
  exports: ReadonlyMap<string, unknown> = new Map(),
): string | undefined {
  if (!isRecord(v)) return undefined;
  const imported = v['Fn::ImportValue'];
  if (typeof imported === 'string') return referencedLogicalId(exports.get(imported));
  if (typeof v.Ref === 'string') return v.Ref;
  const ga = v['Fn::GetAtt'];
  if (Array.isArray(ga) && typeof ga[0] === 'string') return ga[0];
  if (typeof ga === 'string') return ga.split('.')[0];
  return undefined;
}

function num(v: unknown, dflt: number): number {
  return typeof v === 'number'
    ? v
    : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))
      ? Number(v)
      : dflt;
}

/** Local physical names: S3 wants 3..63 lowercase characters; Kinesis, DynamoDB and SQS accept the logical ID. */
export function localBucketName(logicalId: string): string {
  return `sl-${logicalId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63);
}

/** Derives every local resource from the templates (all stacks together, as one deployment). */
export function readInfra(templates: readonly NamedTemplate[]): LocalInfra {
  const infra: LocalInfra = {
    streams: [],
    tables: [],
    buckets: [],
    queues: [],
    eventSourceMappings: [],
    firehoses: [],
    parameters: [],
    functions: {},
    resourceCounts: {},
    exports: new Map(),
    outputs: {},
  };
  const functions = new Map<string, Record<string, unknown>>();
  const exports = infra.exports;
  for (const { template } of templates) {
    for (const out of Object.values(template.Outputs ?? {})) {
      if (typeof out.Export?.Name === 'string') exports.set(out.Export.Name, out.Value);
    }
    for (const [id, r] of Object.entries(template.Resources ?? {})) {
      if (r.Type === 'AWS::Lambda::Function') functions.set(id, r.Properties ?? {});
      infra.resourceCounts[r.Type] = (infra.resourceCounts[r.Type] ?? 0) + 1;
    }
  }
  for (const [id, fn] of functions) {
    const env =
      isRecord(fn.Environment) && isRecord(fn.Environment.Variables) ? fn.Environment.Variables : {};
    infra.functions[id] = env;
  }
  for (const { template } of templates) {
    for (const [name, out] of Object.entries(template.Outputs ?? {})) {
      const ref = referencedLogicalId(out.Value, exports);
      if (ref) infra.outputs[name] = ref;
    }
  }
  for (const { template } of templates) {
    for (const [id, r] of Object.entries(template.Resources ?? {})) {
      const p = r.Properties ?? {};
      switch (r.Type) {
        case 'AWS::Kinesis::Stream': {
          const mode = isRecord(p.StreamModeDetails) ? p.StreamModeDetails.StreamMode : undefined;
          infra.streams.push({
            logicalId: id,
            name: typeof p.Name === 'string' ? p.Name : id,
            shardCount:
              mode === 'ON_DEMAND'
                ? LOCAL_ON_DEMAND_SHARDS
                : num(p.ShardCount, AWS_DEFAULTS.kinesisShardCount),
          });
          break;
        }
        case 'AWS::DynamoDB::Table':
        case 'AWS::DynamoDB::GlobalTable': {
          const ks = Array.isArray(p.KeySchema)
            ? (p.KeySchema as { AttributeName: string; KeyType: string }[])
            : [];
          const hash = ks.find((k) => k.KeyType === 'HASH');
          if (!hash) throw new Error(`table ${id} has no HASH key in its KeySchema`);
          const defs = Array.isArray(p.AttributeDefinitions)
            ? (p.AttributeDefinitions as { AttributeName: string; AttributeType: string }[])
            : [];
          const ttl = isRecord(p.TimeToLiveSpecification)
            ? p.TimeToLiveSpecification.AttributeName
            : undefined;
          infra.tables.push({
            logicalId: id,
            name: typeof p.TableName === 'string' ? p.TableName : id,
            partitionKey: hash.AttributeName,
            sortKey: ks.find((k) => k.KeyType === 'RANGE')?.AttributeName,
            attributeTypes: Object.fromEntries(defs.map((d) => [d.AttributeName, d.AttributeType])),
            ttlAttribute: typeof ttl === 'string' ? ttl : undefined,
          });
          break;
        }
        case 'AWS::S3::Bucket':
          infra.buckets.push({
            logicalId: id,
            name: typeof p.BucketName === 'string' ? p.BucketName : localBucketName(id),
          });
          break;
        case 'AWS::SSM::Parameter':
          infra.parameters.push({
            logicalId: id,
            name: typeof p.Name === 'string' ? p.Name : `/streamlake/local/${id}`,
            value: typeof p.Value === 'string' ? p.Value : '',
          });
          break;
        case 'AWS::SQS::Queue':
          infra.queues.push({ logicalId: id, name: typeof p.QueueName === 'string' ? p.QueueName : id });
          break;
        case 'AWS::Lambda::EventSourceMapping': {
          const fnId = referencedLogicalId(p.FunctionName, exports);
          const fn = fnId ? functions.get(fnId) : undefined;
          const env =
            fn && isRecord(fn.Environment) && isRecord(fn.Environment.Variables)
              ? fn.Environment.Variables
              : {};
          const dest =
            isRecord(p.DestinationConfig) && isRecord(p.DestinationConfig.OnFailure)
              ? p.DestinationConfig.OnFailure.Destination
              : undefined;
          infra.eventSourceMappings.push({
            logicalId: id,
            streamLogicalId: referencedLogicalId(p.EventSourceArn, exports),
            functionLogicalId: fnId,
            batchSize: num(p.BatchSize, AWS_DEFAULTS.esmBatchSize),
            maxBatchingWindowSeconds: num(
              p.MaximumBatchingWindowInSeconds,
              AWS_DEFAULTS.esmBatchingWindowSeconds,
            ),
            bisectOnError: p.BisectBatchOnFunctionError === true,
            maxRetryAttempts: num(p.MaximumRetryAttempts, AWS_DEFAULTS.esmMaxRetryAttempts),
            maxRecordAgeSeconds: num(p.MaximumRecordAgeInSeconds, AWS_DEFAULTS.esmMaxRecordAgeSeconds),
            parallelizationFactor: num(p.ParallelizationFactor, AWS_DEFAULTS.esmParallelizationFactor),
            tumblingWindowSeconds: num(p.TumblingWindowInSeconds, AWS_DEFAULTS.esmTumblingWindowSeconds),
            reportBatchItemFailures:
              Array.isArray(p.FunctionResponseTypes) &&
              p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
            startingPosition: typeof p.StartingPosition === 'string' ? p.StartingPosition : 'LATEST',
            onFailureQueueLogicalId: referencedLogicalId(dest, exports),
            functionEnvironment: env,
          });
          break;
        }
        case 'AWS::KinesisFirehose::DeliveryStream': {
          const s3 = isRecord(p.ExtendedS3DestinationConfiguration)
            ? p.ExtendedS3DestinationConfiguration
            : undefined;
          if (!s3) break;
          const hints = isRecord(s3.BufferingHints) ? s3.BufferingHints : {};
          infra.firehoses.push({
            logicalId: id,
            bucketLogicalId: referencedLogicalId(s3.BucketARN, exports),
            prefix: typeof s3.Prefix === 'string' ? s3.Prefix : '',
            errorOutputPrefix: typeof s3.ErrorOutputPrefix === 'string' ? s3.ErrorOutputPrefix : '',
            compression: typeof s3.CompressionFormat === 'string' ? s3.CompressionFormat : 'UNCOMPRESSED',
            bufferIntervalSeconds: num(hints.IntervalInSeconds, AWS_DEFAULTS.firehoseBufferIntervalSeconds),
            bufferSizeMiB: num(hints.SizeInMBs, AWS_DEFAULTS.firehoseBufferSizeMiB),
            partitionKeyQuery: metadataExtractionQuery(s3.ProcessingConfiguration),
            appendDelimiter: hasProcessor(s3.ProcessingConfiguration, 'AppendDelimiterToRecord'),
            sourceStreamLogicalId: isRecord(p.KinesisStreamSourceConfiguration)
              ? referencedLogicalId(p.KinesisStreamSourceConfiguration.KinesisStreamARN, exports)
              : undefined,
          });
          break;
        }
        default:
          break;
      }
    }
  }
  return infra;
}

function hasProcessor(pc: unknown, type: string): boolean {
  return (
    isRecord(pc) &&
    pc.Enabled !== false &&
    Array.isArray(pc.Processors) &&
    pc.Processors.some((p) => isRecord(p) && p.Type === type)
  );
}

function metadataExtractionQuery(pc: unknown): string | undefined {
  if (!isRecord(pc) || !Array.isArray(pc.Processors)) return undefined;
  for (const proc of pc.Processors) {
    if (!isRecord(proc) || proc.Type !== 'MetadataExtraction' || !Array.isArray(proc.Parameters)) continue;
    for (const param of proc.Parameters) {
      if (
        isRecord(param) &&
        param.ParameterName === 'MetadataExtractionQuery' &&
        typeof param.ParameterValue === 'string'
      ) {
        return param.ParameterValue;
      }
    }
  }
  return undefined;
}
