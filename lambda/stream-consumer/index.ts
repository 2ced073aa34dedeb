/**
 * The Lambda entry point. Cold start: the environment is read and validated once, here, so a misconfigured function
 * fails before it touches a record, with a message naming the key. Endpoints come from the SDK's standard
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS. Everything else is in handler.ts.
 */
import { parseConsumerEnv } from './env';
import { type ConsumerHandler, createHandler } from './handler';

export { type ConsumerConfig, type ConsumerHandler, createHandler } from './handler';

export const handler: ConsumerHandler = createHandler({ env: parseConsumerEnv(process.env) });
