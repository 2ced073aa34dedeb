import { handlers } from '../entry';

/** The finish step of the MapReduce batch engine (see ../phases.ts). */
export const handler = handlers.finish;
