import { handlers } from '../entry';

/** The cleanup step of the MapReduce batch engine (see ../phases.ts). */
export const handler = handlers.cleanup;
