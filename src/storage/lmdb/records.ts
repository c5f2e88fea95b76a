// The values stored in each sub-database (msgpack-encoded by lmdb-js).

import type { Account, MailboxRecord, MessageRecord } from '../types.js';

export type StoredAccount = Account;

/** A mailbox as stored: `subscribed` is not part of it (subscriptions are a separate set). */
export type StoredMailbox = Omit<MailboxRecord, 'subscribed'> & TombstoneCounters;

/**
 * The mailbox's expunge tombstones (schema 4), kept in its record so pruning needs no count
 * of the index. Absent in records written before schema 4, which read as none pruned.
 */
export interface TombstoneCounters {
  /** Tombstones the `tombstones` index holds for the mailbox. */
  tombstones?: number;
  /**
   * The modseq up to which tombstones may have been pruned: every expunge with a higher modseq
   * has its tombstone. A client resynchronising from below it cannot be told exactly what
   * was expunged (RFC 7162 §3.2.5.2 lets the server answer with every UID it may have known).
   */
  tombstoneFloor?: number;
}

/** A message as the store works with it; the uid is the key's. */
export type StoredMessage = Omit<MessageRecord, 'uid'>;

/**
 * A message as stored under `[mailboxId, uid]` (schema 3): a tuple, not an object. lmdb-js
 * writes an object as a msgpack record that carries its own field names, and reading one
 * builds a reader for those names every time: 1.4 µs a message against 0.3 µs for the tuple,
 * and SELECT, FETCH and every write read message records by the hundred.
 */
export type StoredMessageValue =
  | [blob: string, size: number, internalDate: number, flags: string[], modseq: number, savedAt: number]
  /** Written before SAVEDATE (RFC 8514) was kept: the save date is unknown. */
  | [blob: string, size: number, internalDate: number, flags: string[], modseq: number];

export function packMessage(m: StoredMessage): StoredMessageValue {
  return m.savedAt === null
    ? [m.blob, m.size, m.internalDate, m.flags, m.modseq]
    : [m.blob, m.size, m.internalDate, m.flags, m.modseq, m.savedAt];
}

/**
 * The record under `uid`, either way it may be stored: a tuple, or an object as schemas 1 and 2 wrote it.
 * Opening an older store rewrites every record, and is refused while another process has the
 * store open (env.ts); an older Gannet refuses the newer store. Objects are still read in case
 * an older process raced the upgrade (opened the store while it ran) and wrote one: its change
 * is kept, and the record's next change writes it as a tuple.
 */
export function unpackMessage(uid: number, v: StoredMessageValue | LegacyMessageObject): MessageRecord {
  if (!Array.isArray(v))
    return { uid, blob: v.blob, size: v.size, internalDate: v.internalDate, flags: v.flags, modseq: v.modseq, savedAt: null };
  return { uid, blob: v[0], size: v[1], internalDate: v[2], flags: v[3], modseq: v[4], savedAt: v[5] ?? null };
}

/** A message record as schemas 1 and 2 stored it: an object, without a save date. */
export type LegacyMessageObject = Omit<StoredMessage, 'savedAt'>;

/**
 * An entry of the modseq index: a present message has exactly one, at its current modseq.
 * Before schema 4 expunge tombstones were entries here too (`expunged`); they now have an
 * index of their own, `tombstones`.
 */
export interface ModseqEntry {
  uid: number;
  expunged?: true;
}

/**
 * An expunge tombstone under `[mailboxId, modseq of the expunge]`: the UID and when it went
 * (ms), so tombstones can be pruned by age (RFC 7162 §3.2.5.1 needs "expunged since" answers).
 */
export type TombstoneValue = [uid: number, at: number];

/** One write's worth of changed mailboxes, for stores in other processes. */
export interface ChangelogEntry {
  /** Identity of the store instance that wrote it, so it can skip its own entries. */
  origin: string;
  mailboxIds: number[];
  /** ms since the epoch; entries older than CHANGELOG_RETENTION_MS are pruned. */
  at: number;
}
