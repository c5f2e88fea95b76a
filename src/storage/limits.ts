// Implementation limits of the mail store. Each is reported as StorageError kind 'limit'
// (NO [LIMIT], RFC 5530 §3) except where noted; the IMAP side may show them to clients.

/**
 * Longest mailbox name, in UTF-8 bytes. RFC 3501 sets no limit; the name is part of an LMDB
 * key (`[accountId, name]`, at most 1978 bytes in lmdb-js), and 512 bytes is far beyond any
 * name a person types while leaving room for the key's other parts.
 */
export const MAX_MAILBOX_NAME_BYTES = 512;

/** Deepest hierarchy (levels separated by `/`); CREATE makes every parent, so this bounds its work. */
export const MAX_MAILBOX_DEPTH = 32;

/**
 * Distinct keywords a mailbox may ever hold. RFC 3501 §2.3.2 lets a server refuse new
 * keywords (PERMANENTFLAGS without `\*`); a cap keeps FLAGS responses and the keyword
 * registry small, as Dovecot and Cyrus do.
 */
export const MAX_KEYWORDS_PER_MAILBOX = 256;

/** Flags (system flags and keywords) on one message. */
export const MAX_FLAGS_PER_MESSAGE = 64;

/** Longest keyword, in bytes (keywords are atoms, RFC 3501 §9 `flag-keyword`). */
export const MAX_KEYWORD_BYTES = 128;

/** Messages in one APPEND batch, COPY or MOVE; bounds the size of one write transaction. */
export const MAX_MESSAGES_PER_WRITE = 100_000;

/**
 * How long cross-process change-log entries are kept. Every open store reads the log within
 * {@link CHANGE_POLL_INTERVAL_MS} even when file watching fails, so minutes are ample; a store
 * opened later starts from the log's end and needs no history.
 */
export const CHANGELOG_RETENTION_MS = 10 * 60_000;

/** Most change-log entries deleted by one write, so pruning never makes a write slow. */
export const CHANGELOG_PRUNE_BATCH = 1_000;

/**
 * Slow polling fallback for cross-process notifications, for file systems where `fs.watch`
 * reports nothing (some network and container mounts). Changes made by the CLI then reach
 * IDLE sessions within this delay instead of at once.
 */
export const CHANGE_POLL_INTERVAL_MS = 2_000;

/**
 * Tombstones one write may prune beyond those it adds: enough to catch up after the limits
 * are lowered, few enough that pruning never makes an EXPUNGE slow.
 */
export const TOMBSTONE_PRUNE_SLACK = 256;

/**
 * Mailboxes with fewer messages have their UIDs read from the index at every SELECT (a quarter
 * of a millisecond at this size) instead of being kept in the UID cache (lmdb/uid-cache.ts).
 */
export const UID_CACHE_MIN_MESSAGES = 2_000;

/**
 * UIDs the cache keeps across all mailboxes, 4 bytes each: 8 MB holds a 1,000,000-message mailbox
 * and a few large ones besides; the least recently selected go first.
 */
export const UID_CACHE_MAX_UIDS = 2_000_000;

/**
 * Messages whose search columns (lmdb/columns.ts, about 40 bytes each) are kept across all
 * mailboxes: 20 MB holds a 500,000-message mailbox or several large ones; the least recently
 * searched go first. Smaller mailboxes than UID_CACHE_MIN_MESSAGES are read at each SEARCH.
 */
export const COLUMN_CACHE_MAX_MESSAGES = 500_000;
