// The UID lists of large mailboxes, kept between reads. Every SELECT needs all of a mailbox's
// UIDs, and reading them from the message index decodes one key per message: 12-19 ms for
// 100,000 messages, most of a SELECT. Kept here with the modseq they were read at, a list is
// brought up to date from the changes since (`changesSince`, whose cost is the number of
// changes), so a SELECT costs a copy of the list. Changes by any process are seen, because
// the update reads the store, not this process's writes.

import { UID_CACHE_MAX_UIDS, UID_CACHE_MIN_MESSAGES } from '../limits.js';
import { changesSince } from './changes.js';
import type { Dbs } from './env.js';
import { messageUids } from './messages.js';
import type { StoredMailbox } from './records.js';

interface Entry {
  uidValidity: number;
  /** The mailbox's HIGHESTMODSEQ when `uids` was right. */
  modseq: number;
  /** Its UIDNEXT then: a changed UID at or above it is a new message. */
  uidNext: number;
  uids: Uint32Array;
}

export class UidCache {
  /** In least recently used order (a Map iterates in insertion order). */
  readonly #entries = new Map<number, Entry>();
  #total = 0;

  /** The mailbox's UIDs, ascending, as a new array the caller owns. */
  uids(dbs: Dbs, mailbox: StoredMailbox): Uint32Array {
    if (mailbox.messages < UID_CACHE_MIN_MESSAGES) {
      this.#drop(mailbox.id);
      return messageUids(dbs, mailbox.id);
    }
    const entry = this.#current(dbs, mailbox);
    this.#drop(mailbox.id);
    this.#entries.set(mailbox.id, entry);
    this.#total += entry.uids.length;
    for (const id of this.#entries.keys()) {
      if (this.#total <= UID_CACHE_MAX_UIDS || id === mailbox.id) break;
      this.#drop(id);
    }
    return entry.uids.slice();
  }

  #current(dbs: Dbs, mailbox: StoredMailbox): Entry {
    const fresh = (): Entry => ({
      uidValidity: mailbox.uidValidity,
      modseq: mailbox.highestModseq,
      uidNext: mailbox.uidNext,
      uids: messageUids(dbs, mailbox.id),
    });
    const entry = this.#entries.get(mailbox.id);
    // A mailbox made again (new UIDVALIDITY), or tombstones pruned past the list: read anew.
    if (!entry || entry.uidValidity !== mailbox.uidValidity || entry.modseq < (mailbox.tombstoneFloor ?? 0)) return fresh();
    if (entry.modseq === mailbox.highestModseq) return entry;
    const changes = changesSince(dbs, mailbox, entry.modseq);
    const gone = new Set(changes.expunged);
    const added = changes.changed.filter((uid) => uid >= entry.uidNext);
    const kept = entry.uids.filter((uid) => !gone.has(uid));
    const uids = new Uint32Array(kept.length + added.length);
    uids.set(kept);
    uids.set(added, kept.length);
    // The counter is kept in the same transactions as the index: a list that disagrees with it
    // was brought up to date from an inconsistent read, and is read anew.
    if (uids.length !== mailbox.messages) return fresh();
    return { uidValidity: mailbox.uidValidity, modseq: mailbox.highestModseq, uidNext: mailbox.uidNext, uids };
  }

  #drop(id: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#total -= entry.uids.length;
    this.#entries.delete(id);
  }
}
