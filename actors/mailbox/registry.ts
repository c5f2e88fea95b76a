// The mailbox actors of this process and the sessions subscribed to each mailbox.
// Actors are started on first use (systemId `mailbox:<id>`) and stopped when no write is in
// flight and no session has the mailbox selected. Change notices come from the store (after
// every commit here, and for commits made by other processes) and are fanned out to the
// subscribers of each changed mailbox; sessions then pull the changes themselves.

import { createActor, type Actor } from 'xstate';
import type { LogSink } from '../../src/log.js';
import type { MailStore } from '../../src/storage/types.js';
import { mailboxActor } from './mailbox-actor.js';
import type { WriteOp, WriteResults } from './messages.js';

type Listener = () => void;

interface Entry {
  actor: Actor<typeof mailboxActor> | null;
  busy: number;
  listeners: Set<Listener>;
  /**
   * Highest UID a \Recent claim from this process covers, committed or still in flight (at
   * least the store's `recentUid`); null until first needed, or after a claim failed.
   */
  claimedUpTo: number | null;
}

/** UIDs claimed as \Recent for one session; empty when from > to. */
export interface RecentClaim {
  from: number;
  to: number;
}

export class MailboxRegistry {
  #store: MailStore;
  #entries = new Map<number, Entry>();
  #unsubscribe: () => void;
  #logger: LogSink | undefined;

  constructor(store: MailStore, logger?: LogSink) {
    this.#store = store;
    this.#logger = logger;
    this.#unsubscribe = store.onChange((ids) => {
      for (const id of ids) {
        const entry = this.#entries.get(id);
        if (!entry) continue;
        for (const l of [...entry.listeners]) l();
      }
    });
  }

  /** Live mailbox actors (for tests and metrics). */
  get activeActors(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.actor) n++;
    return n;
  }

  /** Runs a write through the mailbox's single writer; resolves once it is durable. */
  write<K extends WriteOp['kind']>(mailboxId: number, op: Extract<WriteOp, { kind: K }>): Promise<WriteResults[K]> {
    const entry = this.#entry(mailboxId);
    if (!entry.actor) {
      entry.actor = createActor(mailboxActor, {
        systemId: `mailbox:${mailboxId}`,
        input: { store: this.#store, mailboxId, onIdle: () => this.#maybeStop(mailboxId) },
      });
      entry.actor.start();
    }
    entry.busy++;
    const actor = entry.actor;
    return new Promise<WriteResults[K]>((resolve, reject) => {
      actor.send({
        type: 'mailbox.write',
        op,
        resolve: (v) => {
          entry.busy--;
          resolve(v as WriteResults[K]);
        },
        reject: (e) => {
          entry.busy--;
          reject(e);
        },
      });
    });
  }

  /**
   * Claims for one session the messages up to `upTo` that are \Recent for no session yet
   * (RFC 3501 §2.3.2: exactly one session sees a new message as recent, the first one told of
   * it). The claim is a write, decided and stored inside its transaction before the session
   * shows anything, so neither another session nor a restart can hand the same message out
   * again. When a claim already sent from here covers `upTo`, nothing is left to claim and the
   * answer comes at once: of ten thousand IDLE sessions learning of one message, the first
   * writes a claim and the others neither write nor wait.
   */
  claimRecent(mailboxId: number, upTo: number): RecentClaim | Promise<RecentClaim> {
    const entry = this.#entry(mailboxId);
    entry.claimedUpTo ??= this.#store.getMailboxById(mailboxId)?.recentUid ?? 0;
    const nothing = { from: upTo + 1, to: upTo };
    if (upTo <= entry.claimedUpTo) return nothing;
    entry.claimedUpTo = upTo;
    return this.write(mailboxId, { kind: 'claimRecent', upTo }).catch((err: unknown) => {
      // Not stored, so shown to no session as \Recent (never to two); whoever claims next
      // reads the stored claim again.
      if (entry.claimedUpTo === upTo) entry.claimedUpTo = null;
      this.#logger?.warn({ err, mailboxId }, 'storing a \\Recent claim failed');
      return nothing;
    });
  }

  /** The first UID no session has seen as \Recent yet (for EXAMINE and STATUS). */
  recentFloor(mailboxId: number): number {
    const stored = this.#store.getMailboxById(mailboxId)?.recentUid ?? 0;
    return Math.max(stored, this.#entries.get(mailboxId)?.claimedUpTo ?? 0) + 1;
  }

  /** Calls `listener` after every change to the mailbox; returns the unsubscribe function. */
  subscribe(mailboxId: number, listener: Listener): () => void {
    const entry = this.#entry(mailboxId);
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
      this.#maybeStop(mailboxId);
    };
  }

  close(): void {
    this.#unsubscribe();
    for (const e of this.#entries.values()) e.actor?.stop();
    this.#entries.clear();
  }

  #entry(mailboxId: number): Entry {
    let e = this.#entries.get(mailboxId);
    if (!e) {
      e = { actor: null, busy: 0, listeners: new Set(), claimedUpTo: null };
      this.#entries.set(mailboxId, e);
    }
    return e;
  }

  #maybeStop(mailboxId: number): void {
    const e = this.#entries.get(mailboxId);
    if (!e || e.busy > 0 || e.listeners.size > 0) return;
    // Deferred, so a write that resolves and is immediately followed by another reuses the actor.
    queueMicrotask(() => {
      const cur = this.#entries.get(mailboxId);
      if (!cur || cur.busy > 0 || cur.listeners.size > 0) return;
      cur.actor?.stop();
      this.#entries.delete(mailboxId);
    });
  }
}
