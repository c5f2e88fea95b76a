// The values stored in each sub-database (msgpack-encoded by lmdb-js).

import type { Account, MailboxRecord, MessageRecord } from '../types.js';

export type StoredAccount = Account;

/** A mailbox as stored: `subscribed` is not part of it (subscriptions are a separate set). */
export type StoredMailbox = Omit<MailboxRecord, 'subscribed'>;

/** A message as the store works with it; the uid is the key's. */
export type StoredMessage = Omit<MessageRecord, 'uid'>;

/**
 * A message as stored under `[mailboxId, uid]` (schema 3): a tuple, not an object. lmdb-js
 * writes an object as a msgpack record that carries its own field names, and reading one
 * builds a reader for those names every time: 1.4 µs a message against 0.3 µs for the tuple,
 * and SELECT, FETCH and every write read message records by the hundred.
 */
export type StoredMessageValue = [blob: string, size: number, internalDate: number, flags: string[], modseq: number];

export function packMessage(m: StoredMessage): StoredMessageValue {
  return [m.blob, m.size, m.internalDate, m.flags, m.modseq];
}

/**
 * The record under `uid`, either way it may be stored: a tuple, or an object as schemas 1 and 2 wrote it.
 * Opening an older store rewrites every record, and is refused while another process has the
 * store open (env.ts); an older Gannet refuses the newer store. Objects are still read in case
 * an older process raced the upgrade (opened the store while it ran) and wrote one: its change
 * is kept, and the record's next change writes it as a tuple.
 */
export function unpackMessage(uid: number, v: StoredMessageValue | StoredMessage): MessageRecord {
  if (!Array.isArray(v)) return { uid, blob: v.blob, size: v.size, internalDate: v.internalDate, flags: v.flags, modseq: v.modseq };
  return { uid, blob: v[0], size: v[1], internalDate: v[2], flags: v[3], modseq: v[4] };
}

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
