import { handlers } from '../entry';

/** The plan step of the MapReduce batch engine (see ../phases.ts). */
export const handler = handlers.plan;
