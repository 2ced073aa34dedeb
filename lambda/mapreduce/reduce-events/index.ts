import { handlers } from '../entry';

/** The reduce-events step of the MapReduce batch engine (see ../phases.ts). */
export const handler = handlers.reduceEvents;
