// A mailbox's messages as columns: UIDs, system flags as bits, keywords, sizes, dates and
// modseqs in typed arrays, for SEARCH keys that need no message text (flags, dates, sizes,
// RFC 3501 §6.4.4). Reading a record per message decodes a tuple each time (60 ms for 100,000);
// a column is a typed array a key walks in well under a millisecond.
//
// Kept here rather than in the mailbox actor: like the UID cache (uid-cache.ts) it is brought up
// to date from the store's own changes since the modseq it was read at, so changes made by
// another process (the CLI, LMTP delivery in another server) are seen too, and the cost of a
// SEARCH after a write is the number of changes, not the size of the mailbox.

import { indexOf } from '../../sorted.js';
import { COLUMN_CACHE_MAX_MESSAGES, UID_CACHE_MIN_MESSAGES } from '../limits.js';
import type { MessageColumns } from '../types.js';
import { changesSince } from './changes.js';
import type { Dbs } from './env.js';
import { messageRange } from './keys.js';
import { readMessages } from './messages.js';
import type { StoredMailbox } from './records.js';
import { unpackMessage } from './records.js';

/** Bits of MessageColumns.flags, one per system flag (RFC 3501 §2.3.2). */
export const FLAG_BITS: Readonly<Record<string, number>> = {
  '\\Seen': 1,
  '\\Answered': 2,
  '\\Flagged': 4,
  '\\Deleted': 8,
  '\\Draft': 16,
};

interface Entry {
  uidValidity: number;
  modseq: number;
  uidNext: number;
  columns: MessageColumns;
}

function emptyColumns(n: number): MessageColumns {
  return {
    uids: new Uint32Array(n),
    flags: new Uint8Array(n),
    keywords: new Array<readonly string[] | null>(n).fill(null),
    internalDate: new Float64Array(n),
    size: new Float64Array(n),
    modseq: new Float64Array(n),
    savedAt: new Float64Array(n),
  };
}

/** Writes one message's values at row `i`. */
function setRow(
  c: MessageColumns,
  i: number,
  uid: number,
  m: { flags: readonly string[]; internalDate: number; size: number; modseq: number; savedAt: number | null },
): void {
  let bits = 0;
  let keywords: string[] | null = null;
  for (const f of m.flags) {
    const bit = FLAG_BITS[f];
    if (bit !== undefined) bits |= bit;
    // Keywords compare case-insensitively (RFC 3501 §2.3.2): kept lower-cased.
    else (keywords ??= []).push(f.toLowerCase());
  }
  c.uids[i] = uid;
  c.flags[i] = bits;
  c.keywords[i] = keywords;
  c.internalDate[i] = m.internalDate;
  c.size[i] = m.size;
  c.modseq[i] = m.modseq;
  c.savedAt[i] = m.savedAt ?? Number.NaN;
}

/** Columns read from every record of the mailbox: one cursor walk. */
export function readColumns(dbs: Dbs, mailboxId: number): MessageColumns {
  const rows: Array<[number, ReturnType<typeof unpackMessage>]> = [];
  for (const { key, value } of dbs.messages.getRange(messageRange(mailboxId))) rows.push([key[1], unpackMessage(key[1], value)]);
  const c = emptyColumns(rows.length);
  rows.forEach(([uid, m], i) => setRow(c, i, uid, m));
  return c;
}

/**
 * The columns with the rows of `changed` (flag changes only, no message added or gone) read
 * again: each array copied whole (a memory copy, not a loop over rows), then the few rows
 * patched (the columns a flag change leaves alone are shared: setRow writes the same values
 * into them); null when a changed message is not where it should be.
 */
function patchFlags(dbs: Dbs, mailboxId: number, old: MessageColumns, changed: readonly number[]): MessageColumns | null {
  const next: MessageColumns = {
    uids: old.uids,
    flags: old.flags.slice(),
    keywords: old.keywords.slice(),
    internalDate: old.internalDate,
    size: old.size,
    modseq: old.modseq.slice(),
    savedAt: old.savedAt,
  };
  const sorted = [...changed].sort((a, b) => a - b);
  const records = readMessages(dbs, mailboxId, sorted);
  for (let i = 0; i < sorted.length; i++) {
    const m = records[i];
    const row = indexOf(old.uids, sorted[i]!);
    if (!m || row < 0) return null;
    setRow(next, row, m.uid, m);
  }
  return next;
}

export class ColumnCache {
  readonly #entries = new Map<number, Entry>();
  #total = 0;

  /** The mailbox's columns as of now. Shared and never changed afterwards: the caller must not write to them. */
  columns(dbs: Dbs, mailbox: StoredMailbox): MessageColumns {
    if (mailbox.messages < UID_CACHE_MIN_MESSAGES) {
      this.#drop(mailbox.id);
      return readColumns(dbs, mailbox.id);
    }
    const entry = this.#current(dbs, mailbox);
    this.#drop(mailbox.id);
    this.#entries.set(mailbox.id, entry);
    this.#total += entry.columns.uids.length;
    for (const id of this.#entries.keys()) {
      if (this.#total <= COLUMN_CACHE_MAX_MESSAGES || id === mailbox.id) break;
      this.#drop(id);
    }
    return entry.columns;
  }

  #current(dbs: Dbs, mailbox: StoredMailbox): Entry {
    const fresh = (): Entry => ({
      uidValidity: mailbox.uidValidity,
      modseq: mailbox.highestModseq,
      uidNext: mailbox.uidNext,
      columns: readColumns(dbs, mailbox.id),
    });
    const entry = this.#entries.get(mailbox.id);
    if (!entry || entry.uidValidity !== mailbox.uidValidity || entry.modseq < (mailbox.tombstoneFloor ?? 0)) return fresh();
    if (entry.modseq === mailbox.highestModseq) return entry;
    const changes = changesSince(dbs, mailbox, entry.modseq);
    if (changes.expunged.length === 0 && changes.changed.every((uid) => uid < entry.uidNext)) {
      const patched = patchFlags(dbs, mailbox.id, entry.columns, changes.changed);
      if (patched !== null && patched.uids.length === mailbox.messages) {
        return { uidValidity: mailbox.uidValidity, modseq: mailbox.highestModseq, uidNext: mailbox.uidNext, columns: patched };
      }
      return fresh();
    }
    const gone = new Set(changes.expunged);
    const changed = new Set(changes.changed);
    const old = entry.columns;
    const added = changes.changed.filter((uid) => uid >= entry.uidNext).sort((a, b) => a - b);
    let kept = 0;
    for (const uid of old.uids) if (!gone.has(uid)) kept++;
    const next = emptyColumns(kept + added.length);
    // Rows to read again: flags changed since, and the new messages.
    const reread: number[] = [];
    const rereadAt: number[] = [];
    let w = 0;
    for (let r = 0; r < old.uids.length; r++) {
      const uid = old.uids[r]!;
      if (gone.has(uid)) continue;
      next.uids[w] = uid;
      next.flags[w] = old.flags[r]!;
      next.keywords[w] = old.keywords[r]!;
      next.internalDate[w] = old.internalDate[r]!;
      next.size[w] = old.size[r]!;
      next.modseq[w] = old.modseq[r]!;
      next.savedAt[w] = old.savedAt[r]!;
      if (changed.has(uid)) {
        reread.push(uid);
        rereadAt.push(w);
      }
      w++;
    }
    for (const uid of added) {
      reread.push(uid);
      rereadAt.push(w++);
    }
    const records = readMessages(dbs, mailbox.id, reread);
    for (let i = 0; i < records.length; i++) {
      const m = records[i];
      // Gone between the mailbox read and this one: read everything again, consistently.
      if (!m) return fresh();
      setRow(next, rereadAt[i]!, m.uid, m);
    }
    // The counter is kept in the same transactions as the index (see uid-cache.ts).
    if (next.uids.length !== mailbox.messages) return fresh();
    return { uidValidity: mailbox.uidValidity, modseq: mailbox.highestModseq, uidNext: mailbox.uidNext, columns: next };
  }

  #drop(id: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#total -= entry.columns.uids.length;
    this.#entries.delete(id);
  }
}
