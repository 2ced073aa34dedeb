/**
 * What every deployed function of the MapReduce engine shares: the environment read once at cold start and the
 * clients. Each state of the state machine has its own function (`lambda/mapreduce/<phase>/index.ts`), with its own
 * memory, timeout and grants.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseEngineEnv } from './env';
import { createHandlers } from './handlers';
import { S3BlobStore } from './store';
import { DynamoViewStore } from './views';

const { config, viewTable } = parseEngineEnv(process.env);

export const handlers = createHandlers(config, {
  store: new S3BlobStore(new S3Client({})),
  // One batch in flight per function, like each of the Spark job's view writers: the state machine runs at most
  // `viewWriters` round-2 reducers at once, which caps the run's write rate on the table.
  views: new DynamoViewStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), viewTable, {
    concurrency: 1,
  }),
  now: () => new Date(),
});
