import { handlers } from '../entry';

/** The reduce-counts step of the MapReduce batch engine (see ../phases.ts). */
export const handler = handlers.reduceCounts;
