/** Reading back (local/observe.ts) against mocked clients: every page, every line, every message. */
import { gzipSync } from 'node:zlib';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { readBucket, readQueue, readStream } from '../../local/observe';

/** What readBucket uses of a GetObject body. */
const body = (bytes: Buffer) => ({ transformToByteArray: async () => new Uint8Array(bytes) }) as never;
const text = (lines: readonly Uint8Array[]) => lines.map((l) => Buffer.from(l).toString('utf8'));

describe('readBucket', () => {
  test('follows every listing page, gunzips GZIP objects and splits lines without the delimiter', async () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({ Contents: [{ Key: 'raw/events/a.gz' }], IsTruncated: true, NextContinuationToken: 't' })
      .on(ListObjectsV2Command, { ContinuationToken: 't' })
      .resolves({ Contents: [{ Key: 'raw/errors/b' }], IsTruncated: false });
    mock
      .on(GetObjectCommand, { Key: 'raw/events/a.gz' })
      .callsFake(() => ({ Body: body(gzipSync(Buffer.from('{"a":1}\n{"a":2}\n'))) }))
      .on(GetObjectCommand, { Key: 'raw/errors/b' })
      .callsFake(() => ({ Body: body(Buffer.from('x\ny')) }));
    const objects = await readBucket(s3, 'raw');
    expect(objects.map((o) => [o.key, text(o.lines)])).toEqual([
      ['raw/errors/b', ['x', 'y']],
      ['raw/events/a.gz', ['{"a":1}', '{"a":2}']],
    ]);
  });
});

describe('readQueue', () => {
  test('receives until the queue answers empty', async () => {
    const sqs = new SQSClient({ region: 'us-east-1' });
    mockClient(sqs)
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ Body: '1' }, { Body: '2' }] })
      .resolvesOnce({ Messages: [{ Body: '3' }] })
      .resolves({});
    expect(await readQueue(sqs, 'http://q')).toEqual(['1', '2', '3']);
  });
});

describe('readStream', () => {
  test('reads every shard from TRIM_HORIZON until an empty read at the tip', async () => {
    const kinesis = new KinesisClient({ region: 'us-east-1' });
    const mock = mockClient(kinesis);
    const shard = (ShardId: string) => ({
      ShardId,
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
      SequenceNumberRange: { StartingSequenceNumber: '0' },
    });
    mock.on(ListShardsCommand).resolves({ Shards: [shard('s0'), shard('s1')] });
    mock
      .on(GetShardIteratorCommand)
      .callsFake((i: { ShardId: string }) => ({ ShardIterator: `${i.ShardId}-0` }));
    const page = (seq: string[], next: string, behind = 0) => ({
      Records: seq.map((s) => ({ SequenceNumber: s, Data: Buffer.from(s), PartitionKey: 'p' })),
      NextShardIterator: next,
      MillisBehindLatest: behind,
    });
    mock
      .on(GetRecordsCommand, { ShardIterator: 's0-0' })
      .resolves(page(['1', '2'], 's0-1', 5))
      .on(GetRecordsCommand, { ShardIterator: 's0-1' })
      .resolves(page([], 's0-2', 3)) // empty but behind: keep reading
      .on(GetRecordsCommand, { ShardIterator: 's0-2' })
      .resolves(page(['3'], 's0-3'))
      .on(GetRecordsCommand, { ShardIterator: 's0-3' })
      .resolves(page([], 's0-4'))
      .on(GetRecordsCommand, { ShardIterator: 's1-0' })
      .resolves(page([], 's1-1'));
    const records = await readStream(kinesis, 'stream');
    expect(records.map((r) => [r.shardId, r.sequenceNumber])).toEqual([
      ['s0', '1'],
      ['s0', '2'],
      ['s0', '3'],
    ]);
  });
});
