/**
 * What the harness reads back for the checks, straight from the emulators: the stream (every shard from TRIM_HORIZON),
 * every object of a bucket (decompressed, split into lines), every message of a queue, the dead-letter items of the
 * views table. None of it is a figure a component reported about itself.
 */
import { gunzipSync } from 'node:zlib';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import viewTable from '../lib/contracts/view-table.json';
import type { ArchiveObject } from './checks/archive';
import type { FlinkDeadLetterItem } from './checks/dead-letters';
import type { StreamRecord } from './checks/stream';
import { scanPrefix } from './reference';

/** Every record of every shard, from TRIM_HORIZON to the tip (an empty read that is 0 ms behind the latest record). */
export async function readStream(kinesis: KinesisClient, streamName: string): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  let next: string | undefined;
  const shards: string[] = [];
  do {
    const page = await kinesis.send(
      new ListShardsCommand(next ? { NextToken: next } : { StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []).map((s) => s.ShardId as string));
    next = page.NextToken;
  } while (next);
  for (const shardId of shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? [])
        out.push({ shardId, sequenceNumber: r.SequenceNumber as string, data: r.Data ?? new Uint8Array() });
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** Every object of the bucket: its key and its lines (gunzipped when GZIP; the trailing newline dropped). */
export async function readBucket(s3: S3Client, bucket: string): Promise<ArchiveObject[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const objects: ArchiveObject[] = [];
  for (const key of keys.sort()) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const raw = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
    const body = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
    const lines: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < body.length; i++) {
      if (body[i] === 0x0a) {
        lines.push(body.subarray(start, i));
        start = i + 1;
      }
    }
    if (start < body.length) lines.push(body.subarray(start));
    objects.push({ key, lines });
  }
  return objects;
}

/**
 * Every message body of a queue. Messages are received with a visibility timeout longer than the read, so each is seen
 * once, and are not deleted.
 */
export async function readQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
      }),
    );
    if (!page.Messages?.length) return bodies;
    bodies.push(...page.Messages.map((m) => m.Body ?? ''));
  }
}

/** The Flink job's dead-letter items of one view (`deadletter#{view}#…`): their reason and payload attributes. */
export async function readFlinkDeadLetters(
  dynamodb: DynamoDBClient,
  table: string,
  view: string,
): Promise<FlinkDeadLetterItem[]> {
  const s = (v: AttributeValue | undefined) => (v && 'S' in v ? (v.S ?? '') : '');
  const items = await scanPrefix(dynamodb, table, `deadletter#${view}#`);
  return items.map((i) => ({
    reason: s(i.reason) || (s(i[viewTable.sortKey]).split('#')[0] ?? ''),
    payload: s(i.payload),
  }));
}
