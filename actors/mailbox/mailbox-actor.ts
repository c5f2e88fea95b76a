// One mailbox as an actor: the single writer of the mailbox in this process, and the owner of
// the sessions that have it selected.
//
//   session ─ write(op) ─▶ [queue] ─ batch ─▶ store (writer thread: one transaction) ─▶ commit
//                                                                                        │
//   session ◀─ notify() ◀─ subscribers ◀─ registry ◀─ store.onChange (this process or another)
//
// Writes queue here in arrival order, and the actor hands the store everything queued as one
// batch, which the writer thread commits together; the next batch goes once that one is
// answered. So the writes of a mailbox are applied, and answered, in the order its sessions
// made them, with one batch of them in flight at a time. UIDs and MODSEQs are still allocated
// inside the transaction, so a writer in another process (the CLI) cannot collide with ours.
//
// Not merged within a batch: each write carries its own answer (its UIDs, its flag changes,
// its \Recent range), and the writer thread already runs the whole batch in one transaction,
// so merging would save child transactions only, at the cost of splitting answers apart.
//
// A plain class rather than an xstate machine: its behaviour is two states (idle, writing)
// driven by its own queue, and an xstate event per write would cost allocations on every
// STORE for nothing a reader of the connection statechart would study.

import type { LogSink } from '../../src/log.js';
import type { AppendItem, AppendResult, CopyResult, FlagMode, FlagResult, MailStore } from '../../src/storage/types.js';

/** A write to one mailbox, as sessions and delivery ask for it. */
export type MailboxWrite =
  | { kind: 'append'; items: AppendItem[] }
  /** `unchangedSince`: STORE (UNCHANGEDSINCE n), decided at commit (RFC 7162 §3.1.3). */
  | { kind: 'setFlags'; uids: readonly number[]; mode: FlagMode; flags: readonly string[]; unchangedSince?: number }
  /** `uids` null: every \Deleted message; a UID list: those of them still \Deleted at commit (RFC 4315 §2.1). */
  | { kind: 'expunge'; uids: readonly number[] | null }
  | { kind: 'copy'; uids: readonly number[]; destinationId: number }
  | { kind: 'move'; uids: readonly number[]; destinationId: number }
  | { kind: 'claimRecent'; upTo: number };

/** UIDs claimed as \Recent for one session; empty when from > to. */
export interface RecentClaim {
  from: number;
  to: number;
}

export interface WriteResults {
  append: AppendResult;
  setFlags: FlagResult;
  expunge: number[];
  copy: CopyResult;
  move: CopyResult;
  claimRecent: RecentClaim;
}

interface Queued {
  op: MailboxWrite;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Called after every change to the mailbox; the session then pulls what changed. */
export type MailboxListener = () => void;

export class MailboxActor {
  readonly mailboxId: number;
  readonly #store: MailStore;
  readonly #logger: LogSink | undefined;
  /** The actor has nothing to do and nobody to tell: the registry may drop it. */
  readonly #onIdle: (actor: MailboxActor) => void;
  #queue: Queued[] = [];
  #writing = false;
  readonly #subscribers = new Set<MailboxListener>();
  /**
   * Highest UID a \Recent claim from this actor covers, committed or still in flight (at least
   * the store's `recentUid`); null until first needed, or after a claim failed.
   */
  #claimedUpTo: number | null = null;

  constructor(store: MailStore, mailboxId: number, onIdle: (actor: MailboxActor) => void, logger?: LogSink) {
    this.#store = store;
    this.mailboxId = mailboxId;
    this.#onIdle = onIdle;
    this.#logger = logger;
  }

  /** No write queued or in flight and no session subscribed. */
  get idle(): boolean {
    return !this.#writing && this.#queue.length === 0 && this.#subscribers.size === 0;
  }

  /** Queues a write; resolves once it is committed and synced, in order with every other. */
  write<K extends MailboxWrite['kind']>(op: Extract<MailboxWrite, { kind: K }>): Promise<WriteResults[K]> {
    return new Promise<WriteResults[K]>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      if (!this.#writing) this.#issue();
    });
  }

  /**
   * Claims for one session the messages up to `upTo` that are \Recent for no session yet
   * (RFC 3501 §2.3.2: exactly one session sees a new message as recent, the first one told of
   * it). The claim is a write, decided and stored inside its transaction before the session
   * shows anything, so neither another session nor a restart can hand the same message out
   * again. When a claim already sent covers `upTo`, nothing is left to claim and the answer
   * comes at once: of ten thousand IDLE sessions learning of one message, the first writes a
   * claim and the others neither write nor wait.
   */
  claimRecent(upTo: number): RecentClaim | Promise<RecentClaim> {
    this.#claimedUpTo ??= this.#store.getMailboxById(this.mailboxId)?.recentUid ?? 0;
    const nothing = { from: upTo + 1, to: upTo };
    if (upTo <= this.#claimedUpTo) return nothing;
    this.#claimedUpTo = upTo;
    return this.write({ kind: 'claimRecent', upTo }).catch((err: unknown) => {
      // Not stored, so shown to no session as \Recent (never to two); whoever claims next
      // reads the stored claim again.
      if (this.#claimedUpTo === upTo) this.#claimedUpTo = null;
      this.#logger?.warn({ err, mailboxId: this.mailboxId }, 'storing a \\Recent claim failed');
      return nothing;
    });
  }

  /** The first UID no session has seen as \Recent yet (for EXAMINE and STATUS). */
  recentFloor(): number {
    const stored = this.#store.getMailboxById(this.mailboxId)?.recentUid ?? 0;
    return Math.max(stored, this.#claimedUpTo ?? 0) + 1;
  }

  /** Calls `listener` after every change to the mailbox; returns the unsubscribe function. */
  subscribe(listener: MailboxListener): () => void {
    this.#subscribers.add(listener);
    return () => {
      this.#subscribers.delete(listener);
      if (this.idle) this.#onIdle(this);
    };
  }

  /** The mailbox changed (a commit of this process, or one seen from another): tell every session. */
  notify(): void {
    for (const listener of [...this.#subscribers]) listener();
  }

  /** Hands everything queued to the store as one batch; the next goes once it is answered. */
  #issue(): void {
    const batch = this.#queue;
    this.#queue = [];
    this.#writing = true;
    const answered = batch.map((queued) =>
      this.#send(queued.op).then(
        (value) => queued.resolve(value),
        (err: unknown) => queued.reject(err),
      ),
    );
    void Promise.all(answered).then(() => {
      this.#writing = false;
      if (this.#queue.length > 0) this.#issue();
      else if (this.idle) this.#onIdle(this);
    });
  }

  /** One write as the store's call; the calls of a batch reach the writer thread together. */
  #send(op: MailboxWrite): Promise<unknown> {
    const s = this.#store;
    const id = this.mailboxId;
    try {
      switch (op.kind) {
        case 'append':
          return s.append(id, op.items);
        case 'setFlags':
          return s.setFlags(id, op.uids, op.mode, op.flags, op.unchangedSince === undefined ? {} : { unchangedSince: op.unchangedSince });
        case 'expunge':
          // A session's EXPUNGE and UID EXPUNGE remove only what carries \Deleted when the
          // transaction runs (RFC 4315 §2.1), never what the session saw flagged earlier.
          return s.expunge(id, op.uids, { onlyDeleted: true });
        case 'copy':
          return s.copy(id, op.uids, op.destinationId);
        case 'move':
          return s.move(id, op.uids, op.destinationId);
        case 'claimRecent':
          return s.claimRecent(id, op.upTo);
      }
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
