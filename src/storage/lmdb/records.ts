// The values stored in each sub-database (msgpack-encoded by lmdb-js).

import type { Account, MailboxRecord, MessageRecord } from '../types.js';

export type StoredAccount = Account;

/** A mailbox as stored: `subscribed` is not part of it (subscriptions are a separate set). */
export type StoredMailbox = Omit<MailboxRecord, 'subscribed'>;

/** A message as stored under `[mailboxId, uid]`; the uid is the key's. */
export type StoredMessage = Omit<MessageRecord, 'uid'>;

/**
 * An entry of the modseq index. A present message has exactly one entry, at its current
 * modseq; an expunge leaves a tombstone (RFC 7162 §3.2.5.1 needs "expunged since" answers).
 */
export interface ModseqEntry {
  uid: number;
  expunged?: true;
}

/** One write's worth of changed mailboxes, for stores in other processes. */
export interface ChangelogEntry {
  /** Identity of the store instance that wrote it, so it can skip its own entries. */
  origin: string;
  mailboxIds: number[];
  /** ms since the epoch; entries older than CHANGELOG_RETENTION_MS are pruned. */
  at: number;
}
