import type { KinesisStreamRecord } from 'aws-lambda';

/** What a Kinesis record holds that the envelope carries (the stream read back, or the local event source mapping). */
export interface EnvelopeRecord {
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly data: Uint8Array;
  readonly arrivalMs: number;
}

/**
 * Records in the envelope Lambda's event source mapping delivers (data base64, arrival in seconds, `eventID` =
 * shard:sequence), so that the consumer decodes re-read records exactly as it decodes delivered ones.
 */
export function toKinesisEnvelope(
  shardId: string,
  streamArn: string,
  records: readonly EnvelopeRecord[],
  opts: { readonly invokeIdentityArn?: string; readonly defaultRegion?: string } = {},
): KinesisStreamRecord[] {
  const awsRegion = streamArn.split(':')[3] ?? opts.defaultRegion ?? '';
  return records.map(
    (r): KinesisStreamRecord => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
        approximateArrivalTimestamp: r.arrivalMs / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: opts.invokeIdentityArn ?? '',
      awsRegion,
      eventSourceARN: streamArn,
    }),
  );
}
