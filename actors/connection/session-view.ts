// One session's view of its selected mailbox: the sequence-number ⇄ UID map it has told the
// client about, and the changes it still owes it (RFC 3501 §5.2, §7.3.1, §7.4.1).
//
//   seq:    1    2    3    4          uids = Uint32Array, ascending, `length` used entries
//   uid:  [ 3 ][ 7 ][ 8 ][ 12 ][ ... ]  seq n ⇄ uids[n-1]; a UID is found by binary search
//
// The client's numbering only changes when we tell it: an expunge is applied to `uids` at the
// moment its `* n EXPUNGE` is written, new messages when `* n EXISTS` is written. Until then
// they wait in `pendingExpunges`, so a FETCH/STORE/SEARCH (which must not announce expunges)
// keeps addressing the numbers the client knows. 4 bytes a message keeps a 1,000,000-message
// mailbox at 4 MB per session.

import type { MailStore } from '../../src/storage/types.js';
import { encodeFetchFlags } from '../../src/protocol/encode/fetch.js';
import { encodeExistsRecent, encodeExpunge, encodeMailboxFlags, encodeVanished } from '../../src/protocol/encode/mailbox.js';
import { rangesFromNumbers } from '../../src/protocol/sequence-set.js';

/** Growth step for a view that starts empty; IDLE sessions on empty mailboxes hold nothing. */
const INITIAL_CAPACITY = 16;

export class SessionView {
  readonly mailboxId: number;
  readonly readOnly: boolean;
  readonly uidValidity: number;
  #uids: Uint32Array;
  #length: number;
  /** Highest modseq whose changes this view has pulled from the store. */
  #modseq: number;
  /** UIDs the client still knows but that are gone from the store. */
  #pendingExpunges: number[] = [];
  /** UIDs whose flag change still has to be reported. */
  #pendingFlags = new Set<number>();
  /** The store has messages the client has not been told about (EXISTS owed). */
  #pendingNew: number[] = [];
  /**
   * \Recent messages of this session, as ranges `[from0, to0, from1, to1, …]`, ascending. Not
   * one range: between two claims of this session another session may claim the UIDs in
   * between, and those must not look recent here too (RFC 3501 §2.3.2).
   */
  #recent: number[] = [];
  /**
   * Keywords (lower case) the client has been told of in FLAGS: a FETCH must not show it a
   * keyword before a FLAGS response lists it (RFC 3501 §7.2.6, clients track the list).
   */
  #announced = new Set<string>();
  /** A delivery of updates waiting for its \Recent claim to be stored (commands/mail-common.ts). */
  delivering: Promise<void> | null = null;
  /** Flag changes this session made itself and already reported, by UID → modseq. */
  #ownChanges = new Map<number, number>();
  /**
   * CONDSTORE is on (RFC 7162 §3.1): every FETCH a flag change causes carries UID and MODSEQ.
   * Set from the session's ENABLEd extensions at SELECT, and by the first CONDSTORE-enabling
   * command while the mailbox is selected, so the rest of that command's output has them too.
   */
  condstore = false;
  /** QRESYNC is on (RFC 7162 §3.2.10): expunges are reported as VANISHED, not EXPUNGE. */
  qresync = false;
  /** VANISHED responses written so far: a command that caused one tells its modseq (commands/index.ts). */
  #vanishedSent = 0;
  /**
   * The lowest modseq of an expunge the client has not been told of yet (held back during
   * FETCH, STORE and SEARCH), null when none is: the client must not believe it is past it.
   */
  #heldFrom: number | null = null;
  /** Responses with MODSEQ data written so far (FETCH, STORE, SEARCH and updates), for the same rule. */
  #modseqShown = 0;

  constructor(opts: { mailboxId: number; readOnly: boolean; uidValidity: number; uids: Uint32Array; modseq: number }) {
    this.mailboxId = opts.mailboxId;
    this.readOnly = opts.readOnly;
    this.uidValidity = opts.uidValidity;
    this.#uids = opts.uids;
    this.#length = opts.uids.length;
    this.#modseq = opts.modseq;
  }

  /** EXISTS as the client knows it. */
  get exists(): number {
    return this.#length;
  }

  get modseq(): number {
    return this.#modseq;
  }

  get vanishedSent(): number {
    return this.#vanishedSent;
  }

  get modseqShown(): number {
    return this.#modseqShown;
  }

  /** A command wrote MODSEQ data to the client (a FETCH MODSEQ item, SEARCH's MODSEQ). */
  showedModseq(): void {
    this.#modseqShown += 1;
  }

  /**
   * A HIGHESTMODSEQ the client may keep while expunges are held back: just below the first of
   * them (RFC 7162 §3.2), null when none is held.
   */
  get modseqBeforeHeldExpunges(): number | null {
    return this.#heldFrom === null ? null : this.#heldFrom - 1;
  }

  /** UID of sequence number `seq` (1-based), or 0 when out of range. */
  uidAt(seq: number): number {
    return seq >= 1 && seq <= this.#length ? this.#uids[seq - 1]! : 0;
  }

  /** Sequence number of `uid`, or 0 when the client does not know it. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.#length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.#uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Largest UID the client knows (for `*` in UID sets), 0 when empty. */
  get lastUid(): number {
    return this.#length > 0 ? this.#uids[this.#length - 1]! : 0;
  }

  /** The UIDs the client knows, ascending (a view; do not keep it across awaits). */
  knownUids(): Uint32Array {
    return this.#uids.subarray(0, this.#length);
  }

  /** Is this UID expunged in the store but still known to the client? */
  isExpungedPending(uid: number): boolean {
    return this.#pendingExpunges.includes(uid);
  }

  /** Adds the UIDs of a claim (RFC 3501 §2.3.2) to this session's \Recent messages. */
  addRecent(claim: { from: number; to: number }): void {
    const { from, to } = claim;
    if (to < from) return;
    const n = this.#recent.length;
    // Claims only grow: each covers UIDs above every earlier one.
    if (n > 0 && from <= this.#recent[n - 1]! + 1) this.#recent[n - 1] = Math.max(to, this.#recent[n - 1]!);
    else this.#recent.push(from, to);
  }

  isRecent(uid: number): boolean {
    const r = this.#recent;
    // Binary search over the ranges; a session rarely holds more than one or two.
    let lo = 0;
    let hi = r.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (uid < r[mid * 2]!) hi = mid - 1;
      else if (uid > r[mid * 2 + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** How many ranges the \Recent UIDs take (for tests and memory accounting). */
  get recentRanges(): number {
    return this.#recent.length / 2;
  }

  /**
   * Keeps the \Recent ranges from growing with the life of the session: two ranges with no
   * UID the client knows between them merge (what lay between was another session's and is
   * gone; new UIDs only come above), and ranges below every UID the client knows go. What is
   * recent among the messages the client knows stays exactly as it was.
   */
  #compactRecent(): void {
    const r = this.#recent;
    if (r.length === 0) return;
    const lowest = this.#length > 0 ? this.#uids[0]! : Infinity;
    const out: number[] = [];
    for (let i = 0; i < r.length; i += 2) {
      const from = r[i]!;
      const to = r[i + 1]!;
      if (to < lowest) continue;
      const n = out.length;
      if (n > 0 && this.#firstKnownAbove(out[n - 1]!) >= from) out[n - 1] = to;
      else out.push(from, to);
    }
    this.#recent = out;
  }

  /** The smallest UID the client knows above `uid`, or Infinity. */
  #firstKnownAbove(uid: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#uids[mid]! <= uid) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.#length ? this.#uids[lo]! : Infinity;
  }

  /** Number of \Recent messages the client knows about. */
  recentCount(): number {
    if (this.#recent.length === 0) return 0;
    const lowest = this.#recent[0]!;
    let n = 0;
    for (let i = this.#length - 1; i >= 0; i--) {
      const uid = this.#uids[i]!;
      if (uid < lowest) break;
      if (this.isRecent(uid)) n++;
    }
    return n;
  }

  /**
   * The FLAGS and PERMANENTFLAGS responses (RFC 3501 §7.2.6, §7.1) for the mailbox's keywords,
   * as SELECT sends them and as they are sent again when a keyword is new; the keywords count
   * as announced from here on.
   */
  announceFlags(keywords: readonly string[]): string {
    this.#announced = new Set(keywords.map((k) => k.toLowerCase()));
    return encodeMailboxFlags(keywords, this.readOnly);
  }

  /**
   * What must precede a FETCH response showing `flags`: FLAGS and PERMANENTFLAGS again when one
   * of them is a keyword the client has not been told of (set by any session, APPEND, COPY or
   * delivery), else nothing. Checked at the moment each FETCH is written, so a keyword that
   * another session adds in the middle of a long FETCH is announced before its first sight.
   */
  announceNewKeywords(store: MailStore, flags: readonly string[]): string {
    for (const flag of flags) {
      if (flag.charCodeAt(0) !== 0x5c /* \\ */ && !this.#announced.has(flag.toLowerCase())) {
        // Every keyword the mailbox holds, not just this one: the list replaces the last.
        const keywords = store.keywords(this.mailboxId);
        if (!keywords.some((k) => k.toLowerCase() === flag.toLowerCase())) keywords.push(flag);
        return this.announceFlags(keywords);
      }
    }
    return '';
  }

  /** Records a flag change this session reports itself (STORE), so the pull does not repeat it. */
  noteOwnChange(uid: number, modseq: number): void {
    this.#ownChanges.set(uid, modseq);
    this.#pendingFlags.delete(uid);
  }

  /** Pulls the store's changes since the last pull into the pending sets. */
  pull(store: MailStore): void {
    const changes = store.changesSince(this.mailboxId, this.#modseq);
    if (changes.highestModseq === this.#modseq && changes.expunged.length === 0 && changes.changed.length === 0) return;
    // Tombstones this view had not read yet were pruned (a session selected for longer than
    // the retention, or through more expunges than the limit): what went is then what the
    // client knows and the store no longer has.
    // The modseq of the earliest expunge read here: with its tombstone, or, when tombstones
    // are gone, no earlier than just after the last pull.
    let expungedFrom = changes.firstExpungeModseq;
    if (this.#modseq < changes.tombstoneFloor) {
      changes.expunged = this.#missingFrom(store.uids(this.mailboxId));
      expungedFrom = this.#modseq + 1;
    }
    this.#modseq = changes.highestModseq;
    const last = Math.max(this.lastUid, this.#pendingNew[this.#pendingNew.length - 1] ?? 0);
    for (const uid of changes.expunged) {
      const pendingIdx = this.#pendingNew.indexOf(uid);
      if (pendingIdx >= 0)
        this.#pendingNew.splice(pendingIdx, 1); // came and went unseen
      else if (this.seqOf(uid) > 0 && !this.#pendingExpunges.includes(uid)) {
        this.#pendingExpunges.push(uid);
        this.#heldFrom ??= expungedFrom;
      }
      this.#pendingFlags.delete(uid);
    }
    for (const uid of changes.changed) {
      if (uid > last) {
        this.#pendingNew.push(uid);
      } else if (this.seqOf(uid) > 0) {
        const own = this.#ownChanges.get(uid);
        const msg = own === undefined ? null : store.getMessage(this.mailboxId, uid);
        if (own !== undefined && msg && msg.modseq <= own) continue; // already reported by our STORE
        this.#pendingFlags.add(uid);
      }
    }
    this.#ownChanges.clear();
  }

  /**
   * Writes what the client is owed: EXPUNGEs (only when allowed), then EXISTS/RECENT for
   * new messages, then FETCH FLAGS for changed ones. Returns the response text.
   */
  flush(store: MailStore, allowExpunge: boolean, newRecent: { from: number; to: number } | null): string {
    let out = '';
    if (allowExpunge && this.#pendingExpunges.length > 0) {
      // Highest sequence number first, so each number is still valid when it is sent.
      const seqs = this.#pendingExpunges
        .map((uid) => this.seqOf(uid))
        .filter((s) => s > 0)
        .sort((a, b) => b - a);
      // Under QRESYNC one VANISHED names them all by UID (RFC 7162 §3.2.10).
      if (this.qresync && seqs.length > 0) {
        out += encodeVanished(rangesFromNumbers(seqs.map((s) => this.uidAt(s)).reverse()), false);
        this.#vanishedSent += 1;
      }
      for (const seq of seqs) {
        if (!this.qresync) out += encodeExpunge(seq);
        this.#uids.copyWithin(seq - 1, seq, this.#length);
        this.#length--;
      }
      this.#compactRecent();
      this.#pendingExpunges = [];
      this.#heldFrom = null;
    }
    if (this.#pendingNew.length > 0) {
      this.#append(this.#pendingNew);
      this.#pendingNew = [];
      if (newRecent) this.addRecent(newRecent);
      out += encodeExistsRecent(this.#length, this.recentCount());
    }
    if (this.#pendingFlags.size > 0) {
      const uids = [...this.#pendingFlags].sort((a, b) => a - b);
      this.#pendingFlags.clear();
      for (const uid of uids) {
        const seq = this.seqOf(uid);
        const msg = seq > 0 ? store.getMessage(this.mailboxId, uid) : null;
        if (!msg) continue;
        out += this.announceNewKeywords(store, msg.flags);
        out += encodeFetchFlags(seq, uid, msg.flags, this.isRecent(uid), this.condstore ? msg.modseq : null);
        if (this.condstore) this.#modseqShown += 1;
      }
    }
    return out;
  }

  /** The UIDs the client knows (or is about to be told of) that are not in `present` (ascending). */
  #missingFrom(present: Uint32Array): number[] {
    const out: number[] = [];
    let j = 0;
    for (const uid of [...this.knownUids(), ...this.#pendingNew]) {
      while (j < present.length && present[j]! < uid) j++;
      if (j >= present.length || present[j] !== uid) out.push(uid);
    }
    return out;
  }

  /** Are there new messages the client has not been told about? */
  get hasPendingNew(): boolean {
    return this.#pendingNew.length > 0;
  }

  /** The highest UID the next flush will announce. */
  get pendingLastUid(): number {
    return this.#pendingNew[this.#pendingNew.length - 1] ?? this.lastUid;
  }

  #append(uids: number[]): void {
    const need = this.#length + uids.length;
    if (need > this.#uids.length) {
      const grown = new Uint32Array(Math.max(need, this.#uids.length * 2, INITIAL_CAPACITY));
      grown.set(this.#uids.subarray(0, this.#length));
      this.#uids = grown;
    }
    for (const uid of uids) this.#uids[this.#length++] = uid;
  }
}
