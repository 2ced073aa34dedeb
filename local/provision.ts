/** Creates, on the emulators, the streams, tables, buckets, queues and parameters that the templates describe. */
import { CreateTableCommand, type ScalarAttributeType } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { Clients } from './emulators';
import { waitFor } from './proc';
import type { LocalInfra } from './templates';

export interface Provisioned {
  /** Queue logical ID → queue URL. */
  readonly queueUrls: Record<string, string>;
  /** Stream logical ID → local ARN. */
  readonly streamArns: Record<string, string>;
}

export const LOCAL_ACCOUNT = '000000000000';

export async function provision(c: Clients, infra: LocalInfra, region: string): Promise<Provisioned> {
  const streamArns: Record<string, string> = {};
  for (const s of infra.streams) {
    await c.kinesis.send(new CreateStreamCommand({ StreamName: s.name, ShardCount: s.shardCount }));
    await waitFor(
      `stream ${s.name}`,
      async () =>
        (await c.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: s.name })))
          .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
      30_000,
    );
    streamArns[s.logicalId] = `arn:aws:kinesis:${region}:${LOCAL_ACCOUNT}:stream/${s.name}`;
  }
  for (const t of infra.tables) {
    const keys = [t.partitionKey, ...(t.sortKey ? [t.sortKey] : [])];
    await c.dynamodb.send(
      new CreateTableCommand({
        TableName: t.name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: t.partitionKey, KeyType: 'HASH' },
          ...(t.sortKey ? [{ AttributeName: t.sortKey, KeyType: 'RANGE' as const }] : []),
        ],
        AttributeDefinitions: keys.map((k) => ({
          AttributeName: k,
          AttributeType: (t.attributeTypes[k] ?? 'S') as ScalarAttributeType,
        })),
      }),
    );
  }
  for (const b of infra.buckets) await c.s3.send(new CreateBucketCommand({ Bucket: b.name }));
  const queueUrls: Record<string, string> = {};
  for (const q of infra.queues) {
    const out = await c.sqs.send(new CreateQueueCommand({ QueueName: q.name }));
    queueUrls[q.logicalId] = out.QueueUrl as string;
  }
  for (const p of infra.parameters) {
    await c.ssm.send(
      new PutParameterCommand({ Name: p.name, Value: p.value || ' ', Type: 'String', Overwrite: true }),
    );
  }
  return { queueUrls, streamArns };
}
