import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LakePrefixes } from '../../contracts/lake-layout';
import {
  MAPREDUCE_DEFAULTS,
  MAPREDUCE_NODE_OPTIONS,
  MapReduceEnv,
  SCRATCH_PREFIX,
} from '../../contracts/mapreduce';
import { NodeFunction } from '../common/node-function';
import { acknowledge } from '../nag';

/** The engine's steps, each a function of its own (`lambda/mapreduce/<phase>/index.ts`). */
export const MAPREDUCE_PHASES = [
  'plan',
  'map',
  'reduce-events',
  'reduce-counts',
  'finish',
  'cleanup',
] as const;
export type MapReducePhase = (typeof MAPREDUCE_PHASES)[number];

/**
 * Memory and timeout per phase. Lambda gives one vCPU at 1,769 MiB and more above it (zlib and the S3 client use a
 * second thread); map and round-1 reduce hold a work item's shuffle output or one partition's events in memory
 * (sized by the plan to ~128 MiB of gzip input each, docs/batch.md "Limits"), nothing goes to /tmp.
 */
export const PHASE_SIZES: Record<MapReducePhase, { memoryMiB: number; timeout: Duration; what: string }> = {
  plan: { memoryMiB: 1024, timeout: Duration.minutes(5), what: 'lists the day and cuts it into work items' },
  map: {
    memoryMiB: 3008,
    timeout: Duration.minutes(15),
    what: 'validates a work item and shuffles it by eventId',
  },
  'reduce-events': {
    memoryMiB: 3008,
    timeout: Duration.minutes(15),
    what: 'keeps the first copy of each event, writes curated, shuffles by minute key',
  },
  'reduce-counts': {
    memoryMiB: 1024,
    timeout: Duration.minutes(15),
    what: 'sums per minute key, writes minute counts and their batch view',
  },
  finish: {
    memoryMiB: 1024,
    timeout: Duration.minutes(15),
    what: 'commits the day into the lake, writes day rows and the completion item',
  },
  cleanup: { memoryMiB: 512, timeout: Duration.minutes(5), what: "deletes the run's scratch files" },
};

export interface MapReduceFunctionsProps {
  readonly rawBucket: s3.IBucket;
  readonly curatedBucket: s3.IBucket;
  readonly analyticsBucket: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  readonly viewTable: dynamodb.ITable;
  /** Engine limits (bytes); see MAPREDUCE_DEFAULTS. */
  readonly limits: {
    readonly mapItemBytes: number;
    readonly maxObjectBytes: number;
    readonly maxDayBytes: number;
    readonly targetFileBytes: number;
  };
  readonly topN: number;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The MapReduce engine's Lambda functions with least-privilege grants: raw events are read by the planner and the
 * mappers only; the scratch prefix (`mapreduce/` of the analytics bucket) is the only thing the map and reduce steps
 * write; only the finish step writes the lake's day partitions and the completion item.
 */
export class MapReduceFunctions extends Construct {
  readonly functions: Record<MapReducePhase, lambda.IFunction>;

  constructor(scope: Construct, id: string, props: MapReduceFunctionsProps) {
    super(scope, id);
    const E = MapReduceEnv;
    const environment: Record<string, string> = {
      [E.rawBucket]: props.rawBucket.bucketName,
      [E.curatedBucket]: props.curatedBucket.bucketName,
      [E.analyticsBucket]: props.analyticsBucket.bucketName,
      [E.scratchBucket]: props.analyticsBucket.bucketName,
      [E.viewTable]: props.viewTable.tableName,
      [E.mapItemBytes]: String(props.limits.mapItemBytes),
      [E.maxObjectBytes]: String(props.limits.maxObjectBytes),
      [E.maxDayBytes]: String(props.limits.maxDayBytes),
      [E.targetFileBytes]: String(props.limits.targetFileBytes),
      [E.eventsPerCountsPartition]: String(MAPREDUCE_DEFAULTS.eventPartitionsPerCountPartition),
      [E.topN]: String(props.topN),
      NODE_OPTIONS: MAPREDUCE_NODE_OPTIONS,
    };
    const make = (phase: MapReducePhase) =>
      new NodeFunction(this, toId(phase), {
        handlerDir: `mapreduce/${phase}`,
        description: `streamlake MapReduce batch: ${PHASE_SIZES[phase].what}`,
        encryptionKey: props.encryptionKey,
        memorySize: PHASE_SIZES[phase].memoryMiB,
        timeout: PHASE_SIZES[phase].timeout,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        environment,
      }).function;
    const fns = {} as Record<MapReducePhase, lambda.IFunction>;
    for (const p of MAPREDUCE_PHASES) fns[p] = make(p);
    this.functions = fns;

    const scratch = `${SCRATCH_PREFIX}*`;
    const raw = `${LakePrefixes.rawEvents}*`;
    // Raw events: listed by the planner, read by the mappers. Nothing else reads them, nothing writes them.
    props.rawBucket.grantRead(fns.plan, raw);
    props.rawBucket.grantRead(fns.map, raw);
    // Scratch: every step writes its own keys (never deletes: a retry overwrites); the steps after the plan read it;
    // only cleanup deletes it.
    for (const p of ['plan', 'map', 'reduce-events', 'reduce-counts', 'finish'] as const)
      props.analyticsBucket.grantPut(fns[p], scratch);
    for (const p of ['map', 'reduce-events', 'reduce-counts', 'finish', 'cleanup'] as const)
      props.analyticsBucket.grantRead(fns[p], scratch);
    props.analyticsBucket.grantDelete(fns.cleanup, scratch);
    // The lake's day partitions: replaced by the finish step only (list, delete the old files, copy the new in).
    for (const [bucket, prefix] of [
      [props.curatedBucket, LakePrefixes.curatedEvents],
      [props.curatedBucket, LakePrefixes.quarantine],
      [props.analyticsBucket, LakePrefixes.analytics],
    ] as const) {
      bucket.grantReadWrite(fns.finish, `${prefix}*`);
      bucket.grantDelete(fns.finish, `${prefix}*`);
    }
    // The batch view (BatchWriteItem of exact totals) and the completion item (PutItem). No read, no delete.
    props.viewTable.grant(fns['reduce-counts'], 'dynamodb:BatchWriteItem');
    props.viewTable.grant(fns.finish, 'dynamodb:BatchWriteItem', 'dynamodb:PutItem');
    for (const p of ['reduce-counts', 'finish'] as const) props.encryptionKey.grantEncryptDecrypt(fns[p]);

    acknowledge(this, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: [
          'Action::s3:GetObject*',
          'Action::s3:GetBucket*',
          'Action::s3:List*',
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
          'Action::kms:GenerateDataKey*',
          'Action::kms:ReEncrypt*',
        ],
        reason:
          'Action groups of Bucket.grantRead/grantPut/grantReadWrite/grantDelete, each on one prefix (raw events read-only; the mapreduce/ scratch prefix; the day partitions the finish step replaces), and the lake key the buckets and table are encrypted with.',
      },
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: [
          ...[
            LakePrefixes.rawEvents,
            SCRATCH_PREFIX,
            LakePrefixes.curatedEvents,
            LakePrefixes.quarantine,
            LakePrefixes.analytics,
          ].map((prefix) => new RegExp(`/${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\*$`)),
        ],
        reason:
          'Object keys under one prefix each: day partitions (dt=YYYY-MM-DD) and run folders are only known at run time.',
      },
    ]);
  }
}

function toId(phase: MapReducePhase): string {
  return phase
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
