import { handlers } from '../entry';

/** The map step of the MapReduce batch engine (see ../phases.ts). */
export const handler = handlers.map;
