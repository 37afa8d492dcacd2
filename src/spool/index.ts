// What the rest of loghook uses of the spool.
export { Spool, type SpoolOptions } from './spool.js';
export { DeadLetterStore, type DeadLetterStoreOptions } from './dead-letter-store.js';
export { SPOOL_FORMAT } from './schema.js';
export type { EndpointNote } from './endpoints.js';
export type * from './types.js';
