// The mail store: its contract (types.ts) and the LMDB implementation.

export * from './types.js';
export { openMailStore, LmdbMailStore, type OpenOptions } from './lmdb/store.js';
export { checkMailboxName, normalizeMailboxName, HIERARCHY_DELIMITER, INBOX } from './names.js';
export { SYSTEM_FLAGS, type SystemFlag } from './flags.js';
export * as storageLimits from './limits.js';
