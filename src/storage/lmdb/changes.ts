// Change tracking. Per mailbox: the modseq index and the expunge tombstones behind
// `changesSince` (CONDSTORE and QRESYNC, RFC 7162 §3.1 and §3.2.5). Across processes: the
// change log other stores read to learn which mailboxes the CLI (or another server process)
// changed.
//
// Tombstones have an index of their own (schema 4) rather than sharing the modseq index with
// present messages: pruning then takes the oldest entries of a range, instead of walking past
// every message that has not changed since it was stored.

import { CHANGELOG_PRUNE_BATCH, CHANGELOG_RETENTION_MS, TOMBSTONE_PRUNE_SLACK } from '../limits.js';
import type { ChangeSet, TombstoneRetention } from '../types.js';
import { META, type Dbs } from './env.js';
import { modseqKey, modseqRange } from './keys.js';
import type { ChangelogEntry, StoredMailbox } from './records.js';
import type { Tx } from './tx.js';

/**
 * Moves a message's index entry from `previous` (null for a new message) to `modseq`. Only the
 * latest modseq of a present message matters to `changesSince`, so the old entry is deleted
 * and the index stays one entry per message plus one per expunge.
 */
export function indexChange(tx: Tx, mailboxId: number, uid: number, previous: number | null, modseq: number): void {
  if (previous !== null) tx.dbs.modseqs.removeSync(modseqKey(mailboxId, previous));
  tx.dbs.modseqs.putSync(modseqKey(mailboxId, modseq), { uid });
}

/** Replaces a message's index entry with an expunge tombstone at `modseq`. */
export function indexExpunge(tx: Tx, mailbox: StoredMailbox, uid: number, previous: number, modseq: number): void {
  tx.dbs.modseqs.removeSync(modseqKey(mailbox.id, previous));
  tx.dbs.tombstones.putSync(modseqKey(mailbox.id, modseq), [uid, tx.now]);
  mailbox.tombstones = (mailbox.tombstones ?? 0) + 1;
}

/**
 * Prunes the mailbox's oldest tombstones: those over the count limit and those older than the
 * age limit. Runs in the writes that add tombstones (EXPUNGE, MOVE), at most `added` plus a
 * little more per write so one write never does a long prune; a mailbox nobody expunges from
 * keeps its tombstones, which its count limit bounds anyway. Raises the floor to the last
 * pruned modseq, so `changesSince` knows from where its expunge list is complete.
 */
export function pruneTombstones(tx: Tx, mailbox: StoredMailbox, retention: TombstoneRetention, added: number): void {
  const cutoff = tx.now - retention.maxAge;
  let budget = added + TOMBSTONE_PRUNE_SLACK;
  const gone: Array<[number, number]> = [];
  let count = mailbox.tombstones ?? 0;
  for (const { key, value } of tx.dbs.tombstones.getRange({ ...modseqRange(mailbox.id, 0), limit: budget })) {
    if (count <= retention.maxCount && value[1] >= cutoff) break;
    gone.push(key);
    count -= 1;
    if (--budget === 0) break;
  }
  if (gone.length === 0) return;
  for (const key of gone) tx.dbs.tombstones.removeSync(key);
  mailbox.tombstones = count;
  mailbox.tombstoneFloor = Math.max(mailbox.tombstoneFloor ?? 0, gone[gone.length - 1]![1]);
}

/** Drops a mailbox's whole index and its tombstones (the mailbox is deleted or emptied into \Noselect). */
export function dropIndex(tx: Tx, mailbox: StoredMailbox): void {
  for (const key of [...tx.dbs.modseqs.getKeys(modseqRange(mailbox.id, 0))]) tx.dbs.modseqs.removeSync(key);
  for (const key of [...tx.dbs.tombstones.getKeys(modseqRange(mailbox.id, 0))]) tx.dbs.tombstones.removeSync(key);
  // Nothing below the current modseq can be answered exactly any more.
  mailbox.tombstones = 0;
  mailbox.tombstoneFloor = mailbox.highestModseq;
}

/**
 * What changed in `mailbox` after `modseq`. Ordered scans of the index and the tombstones
 * from `modseq + 1`: the cost is proportional to the number of changes since, not to the
 * mailbox size. `expunged` may name UIDs that were both appended and expunged after `modseq`
 * (the caller never saw them and ignores them), and misses pruned ones when `modseq` is below
 * `tombstoneFloor`.
 */
export function changesSince(dbs: Dbs, mailbox: StoredMailbox, modseq: number): ChangeSet {
  const expunged: number[] = [];
  const changed: number[] = [];
  let firstExpungeModseq = 0;
  if (modseq < mailbox.highestModseq) {
    for (const { value } of dbs.modseqs.getRange(modseqRange(mailbox.id, modseq))) changed.push(value.uid);
    for (const { key, value } of dbs.tombstones.getRange(modseqRange(mailbox.id, modseq))) {
      if (firstExpungeModseq === 0) firstExpungeModseq = key[1];
      expunged.push(value[0]);
    }
  }
  const ascending = (a: number, b: number) => a - b;
  return {
    highestModseq: mailbox.highestModseq,
    uidNext: mailbox.uidNext,
    expunged: expunged.sort(ascending),
    changed: changed.sort(ascending),
    tombstoneFloor: mailbox.tombstoneFloor ?? 0,
    firstExpungeModseq,
  };
}

/** Records, in the write's own transaction, which mailboxes it changed; returns the entry's sequence. */
export function appendChangelog(tx: Tx, origin: string, mailboxIds: number[]): number {
  const seq = (tx.dbs.meta.get(META.changelogSeq) ?? 0) + 1;
  tx.dbs.meta.putSync(META.changelogSeq, seq);
  tx.dbs.changelog.putSync(seq, { origin, mailboxIds, at: tx.now });
  // Prune now and then rather than on every write; the retention is long compared with how
  // quickly readers catch up, so the exact moment does not matter.
  if (seq % 64 === 0) pruneChangelog(tx);
  return seq;
}

function pruneChangelog(tx: Tx): void {
  const cutoff = tx.now - CHANGELOG_RETENTION_MS;
  const old: number[] = [];
  for (const { key, value } of tx.dbs.changelog.getRange({ limit: CHANGELOG_PRUNE_BATCH })) {
    if (value.at >= cutoff) break;
    old.push(key);
  }
  for (const key of old) tx.dbs.changelog.removeSync(key);
}

/** The sequence of the newest change-log entry (0 when none was ever written). */
export function changelogHead(dbs: Dbs): number {
  return dbs.meta.get(META.changelogSeq) ?? 0;
}

/** Change-log entries with a sequence above `after`, oldest first. */
export function readChangelog(dbs: Dbs, after: number): Array<{ seq: number; entry: ChangelogEntry }> {
  const out: Array<{ seq: number; entry: ChangelogEntry }> = [];
  for (const { key, value } of dbs.changelog.getRange({ start: after + 1 })) out.push({ seq: key, entry: value });
  return out;
}
