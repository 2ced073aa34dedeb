/**
 * The Lambda entry point. Cold start: the environment is read and validated once, here, so a misconfigured function
 * fails loudly instead of per request. Everything else is in handler.ts.
 */
import { parseEnv } from './env';
import { createHandler, type QueryApiHandler } from './handler';

export { createHandler, type QueryApiConfig, type QueryApiHandler } from './handler';

export const handler: QueryApiHandler = createHandler({ env: parseEnv(process.env) });
