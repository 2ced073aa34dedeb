/**
 * The dashboard's sources in a running pipeline. Views are read from DynamoDB (a Query per view for the selected
 * content), lag from the stream itself (what lies after the event source mapping's settled position) and from Flink's
 * REST metrics, dead letters from what the destination accepted (the SQS responses, seen by a middleware on the shared
 * client; the queue's own message count beside it) or from the Flink dead-letter items in the table.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import {
  GetQueueAttributesCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  type SendMessageCommandInput,
} from '@aws-sdk/client-sqs';
import viewTable from '../../lib/contracts/view-table.json';
import type { ArchiveWriter } from '../archive-writer';
import { countBy } from '../checks/check';
import type { LiveFlink } from '../compute/live-flink';
import type { SpeedLayer } from '../compute/speed';
import { sourceRead } from '../flink-rest';
import type { Deployment } from '../infra';
import { readFlinkDeadLetters } from '../observe';
import type { Aggregate } from '../reference';
import type { Workload } from '../workload';
import type { ContentChoice, DashboardSources } from './sampler';
import { type DeadLetterCount, deadLetterCount, type EsmShardLag, flinkLag, recordsAfter } from './state';

const MIDDLEWARE = 'streamlakeDashboardDeadLetters';
const ACCEPTED_MIDDLEWARE = 'streamlakeDashboardAccepted';

export interface PipelineHandles {
  readonly d: Deployment;
  readonly w: Workload;
  readonly architecture: string;
  readonly components: Record<string, string>;
  readonly phases: readonly { name: string }[];
  readonly putTimes: ReadonlyMap<string, number>;
  readonly speed?: SpeedLayer;
  readonly archive?: ArchiveWriter;
  readonly flink?: LiveFlink;
  readonly flinkView: string;
}

/** The speed layers that run, for the page's label. */
export function speedEngines(h: Pick<PipelineHandles, 'd' | 'speed' | 'flink'>): string {
  const engines = [h.speed ? 'Lambda consumer (local ESM)' : '', h.flink ? 'Flink' : ''].filter(Boolean);
  return engines.join(' + ') || (h.d.esm || h.d.flinkInTemplates ? 'not started' : 'none');
}

/** The largest contents of the reference, by events over the whole run. */
export function contentChoices(reference: Iterable<Aggregate>, n = 12): ContentChoice[] {
  const totals = new Map<string, ContentChoice>();
  for (const a of reference) {
    const k = `${a.contentId}\u0000${a.type}`;
    const cur = totals.get(k);
    totals.set(k, { contentId: a.contentId, type: a.type, count: (cur?.count ?? 0) + a.count });
  }
  return [...totals.values()]
    .sort((a, b) => b.count - a.count || a.contentId.localeCompare(b.contentId))
    .slice(0, n);
}

/** Minute rows of one view for one content id and type: one Query on the partition key. */
export async function queryMinutes(
  ddb: DynamoDBClient,
  table: string,
  view: string,
  contentId: string,
  type: string,
): Promise<Aggregate[]> {
  const skPrefix = viewTable.minuteSortKeyFormat.split('{')[0] as string;
  const out: Aggregate[] = [];
  const num = (v: AttributeValue | undefined) => (v && 'N' in v ? Number(v.N) : 0);
  let start: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :m)',
        ExpressionAttributeNames: { '#pk': viewTable.partitionKey, '#sk': viewTable.sortKey },
        ExpressionAttributeValues: { ':pk': { S: `${view}#${contentId}#${type}` }, ':m': { S: skPrefix } },
        ExclusiveStartKey: start,
      }),
    );
    for (const i of page.Items ?? []) {
      const sk = i[viewTable.sortKey];
      out.push({
        contentId,
        type,
        bucket: (sk && 'S' in sk ? (sk.S ?? '') : '').slice(skPrefix.length),
        count: num(i[viewTable.attributes.count]),
        watchSeconds: num(i[viewTable.attributes.watchSeconds]),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Dead letters the SQS destinations accepted, by reason, counted from the responses on the shared client. */
class SqsDeadLetterTap {
  readonly byQueue = new Map<string, Map<string, number>>();

  constructor(
    private readonly d: Deployment,
    queues: readonly string[],
  ) {
    const watched = new Set(queues);
    const add = (queue: string, reason: string) => {
      const m = this.byQueue.get(queue) ?? new Map<string, number>();
      m.set(reason, (m.get(reason) ?? 0) + 1);
      this.byQueue.set(queue, m);
    };
    for (const q of queues) this.byQueue.set(q, new Map());
    d.clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = args.input as SendMessageBatchCommandInput | SendMessageCommandInput;
        if (!input.QueueUrl || !watched.has(input.QueueUrl)) return result;
        if (context.commandName === 'SendMessageBatchCommand') {
          const ok = new Set(
            ((result.output as SendMessageBatchCommandOutput).Successful ?? []).map((s) => s.Id),
          );
          for (const e of (input as SendMessageBatchCommandInput).Entries ?? [])
            if (ok.has(e.Id))
              add(input.QueueUrl, e.MessageAttributes?.reason?.StringValue ?? reasonOf(e.MessageBody));
        } else if (context.commandName === 'SendMessageCommand')
          add(input.QueueUrl, reasonOf((input as SendMessageCommandInput).MessageBody));
        return result;
      },
      { step: 'initialize', name: MIDDLEWARE },
    );
  }

  remove(): void {
    this.d.clients.sqs.middlewareStack.remove(MIDDLEWARE);
  }
}

/** The reason of a dead-letter body: `reason`, or the on-failure destination's `requestContext.condition`. */
function reasonOf(body: string | undefined): string {
  try {
    const m = JSON.parse(body ?? '') as { reason?: unknown; requestContext?: { condition?: unknown } };
    return String(m.reason ?? m.requestContext?.condition ?? 'unknown');
  } catch {
    return 'unreadable';
  }
}

async function queueHeld(d: Deployment, url: string): Promise<number> {
  const a = await d.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * The sequence numbers the stream accepted, per shard, from the PutRecords answers on the shared Kinesis client (the
 * producer's calls). Records whose answer is still on its way are not counted yet.
 */
class AcceptedRecords {
  private readonly byShard = new Map<string, bigint[]>();
  private readonly unsorted = new Set<string>();

  constructor(private readonly d: Deployment) {
    d.clients.kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutRecordsCommand')
          for (const r of (result.output as PutRecordsCommandOutput).Records ?? [])
            if (r.ShardId && r.SequenceNumber) this.add(r.ShardId, r.SequenceNumber);
        return result;
      },
      { step: 'initialize', name: ACCEPTED_MIDDLEWARE },
    );
  }

  private add(shardId: string, seq: string): void {
    const list = this.byShard.get(shardId) ?? [];
    list.push(BigInt(seq));
    this.byShard.set(shardId, list);
    this.unsorted.add(shardId);
  }

  /** The shard's accepted sequence numbers, sorted. */
  sorted(shardId: string): readonly bigint[] {
    const list = this.byShard.get(shardId) ?? [];
    if (this.unsorted.delete(shardId)) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return list;
  }

  remove(): void {
    this.d.clients.kinesis.middlewareStack.remove(ACCEPTED_MIDDLEWARE);
  }
}

/**
 * Per shard: the records accepted after the ESM's settled position (counted, not read), and the iterator age: the age
 * of the first record after that position (one GetRecords of one record).
 */
async function esmBacklog(
  d: Deployment,
  speed: SpeedLayer,
  accepted: AcceptedRecords,
): Promise<EsmShardLag[]> {
  const settled = speed.poller.settledPositions();
  return Promise.all(
    Object.entries(settled).map(async ([shardId, position]): Promise<EsmShardLag> => {
      const recordsBehind = recordsAfter(accepted.sorted(shardId), position);
      if (recordsBehind === 0) return { shardId, recordsBehind, iteratorAgeMs: 0 };
      const it = await d.clients.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: d.streamName,
          ShardId: shardId,
          ...(position
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: position }
            : { ShardIteratorType: speed.settings.ran.startingPosition }),
        }),
      );
      const page = await d.clients.kinesis.send(
        new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 1 }),
      );
      const oldest = page.Records?.[0]?.ApproximateArrivalTimestamp?.getTime();
      return {
        shardId,
        recordsBehind,
        iteratorAgeMs: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest),
      };
    }),
  );
}

/** The sources of a running pipeline, and a function that removes the dead-letter tap. */
export function pipelineSources(h: PipelineHandles): { sources: DashboardSources; close(): void } {
  const { d, w, speed, archive, flink } = h;
  const queues = [d.deadLetterQueueUrl, d.onFailureQueueUrl].filter((q): q is string => Boolean(q));
  const tap = speed && queues.length > 0 ? new SqsDeadLetterTap(d, queues) : undefined;
  const accepted = speed ? new AcceptedRecords(d) : undefined;
  const label = (url: string) =>
    url === d.deadLetterQueueUrl ? 'dead-letter queue (SQS)' : 'on-failure destination (SQS)';
  const views = [
    ...(speed ? [{ name: viewTable.views.speed, label: 'speed view (Lambda consumer)' }] : []),
    ...(flink ? [{ name: h.flinkView, label: `${h.flinkView} view (Flink)` }] : []),
    ...(d.batchInTemplates ? [{ name: viewTable.views.batch, label: 'batch view (Spark)' }] : []),
  ];
  const sources: DashboardSources = {
    architecture: h.architecture,
    speedEngine: speedEngines(h),
    components: () => ({ ...h.components }),
    phase: () => h.phases[h.phases.length - 1]?.name ?? 'starting',
    produced: () => h.putTimes.size,
    archived: () =>
      archive ? archive.stats.records + archive.stats.errorRecords - archive.bufferedRecords : undefined,
    esmLag: speed && accepted ? () => esmBacklog(d, speed, accepted) : undefined,
    flinkLag: flink
      ? async () => {
          if (!flink.job.running) throw new Error('the Flink job is not running');
          const snap = await flink.job.snapshot();
          // The accepted count after the snapshot: the source cannot have read a record the stream had not accepted.
          return flinkLag(snap.state, h.putTimes.size, sourceRead(snap), flink.restarts);
        }
      : undefined,
    async deadLetters() {
      const out: DeadLetterCount[] = await Promise.all(
        (tap ? queues : []).map(async (q) =>
          deadLetterCount(label(q), Object.fromEntries(tap?.byQueue.get(q) ?? []), await queueHeld(d, q)),
        ),
      );
      if (flink) {
        const items = await readFlinkDeadLetters(d.clients.dynamodb, d.table, h.flinkView);
        out.push(
          deadLetterCount(
            `Flink dead letters (views table, deadletter#${h.flinkView}#…)`,
            Object.fromEntries(countBy(items, (i) => i.reason)),
          ),
        );
      }
      return out;
    },
    views,
    readMinutes: (view, contentId, type) => queryMinutes(d.clients.dynamodb, d.table, view, contentId, type),
    reference: (contentId, type) =>
      [...w.refAllMinutes.values()].filter((a) => a.contentId === contentId && a.type === type),
    choices: contentChoices(w.refAllMinutes.values()),
  };
  return {
    sources,
    close: () => {
      tap?.remove();
      accepted?.remove();
    },
  };
}
