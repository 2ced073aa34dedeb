/**
 * Lambda entry points of the MapReduce batch engine: one per state of the state machine (the construct deploys each
 * as its own function, with its own memory, timeout and grants). The environment is read once, at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseEngineEnv } from './env';
import { createHandlers } from './handlers';
import { S3BlobStore } from './store';
import { DynamoViewStore } from './views';

const { config, viewTable } = parseEngineEnv(process.env);
const handlers = createHandlers(config, {
  store: new S3BlobStore(new S3Client({})),
  views: new DynamoViewStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), viewTable),
  now: () => new Date(),
});

export const plan = handlers.plan;
export const map = handlers.map;
export const reduceEvents = handlers.reduceEvents;
export const reduceCounts = handlers.reduceCounts;
export const finish = handlers.finish;
export const cleanup = handlers.cleanup;
