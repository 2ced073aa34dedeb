/** ShardSource backed by a real (emulated) Kinesis stream. */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import type { ShardSource } from './types';

export function kinesisShardSource(client: KinesisClient, streamName: string): ShardSource {
  return {
    async listShards() {
      const out = await client.send(new ListShardsCommand({ StreamName: streamName }));
      return (out.Shards ?? []).map((s) => s.ShardId as string);
    },
    async iterator(shardId, position, after) {
      const type: ShardIteratorType = after ? 'AFTER_SEQUENCE_NUMBER' : position;
      const out = await client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: type,
          StartingSequenceNumber: after,
        }),
      );
      return out.ShardIterator as string;
    },
    async getRecords(iterator, limit) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      return {
        records: (out.Records ?? []).map((r: KinesisRecord) => ({
          sequenceNumber: r.SequenceNumber as string,
          partitionKey: r.PartitionKey as string,
          data: r.Data ?? new Uint8Array(),
          arrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
        })),
        nextIterator: out.NextShardIterator,
      };
    },
  };
}
