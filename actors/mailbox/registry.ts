// The mailbox actors of this process and the sessions subscribed to each mailbox.
// Actors are started on first use (systemId `mailbox:<id>`) and stopped when no write is in
// flight and no session has the mailbox selected. Change notices come from the store (after
// every commit here, and for commits made by other processes) and are fanned out to the
// subscribers of each changed mailbox; sessions then pull the changes themselves.

import { createActor, type Actor } from 'xstate';
import type { MailStore } from '../../src/storage/types.js';
import { mailboxActor } from './mailbox-actor.js';
import type { WriteOp, WriteResults } from './messages.js';

type Listener = () => void;

interface Entry {
  actor: Actor<typeof mailboxActor> | null;
  busy: number;
  listeners: Set<Listener>;
  /** Highest UID already given to a session as \Recent; null until first needed. */
  recentUid: number | null;
}

export class MailboxRegistry {
  #store: MailStore;
  #entries = new Map<number, Entry>();
  #unsubscribe: () => void;

  constructor(store: MailStore) {
    this.#store = store;
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
   * Claims the messages up to `lastUid` not yet \Recent for any session (RFC 3501 §2.3.2:
   * exactly one session sees a new message as recent: the first one to learn of it). Done
   * in memory, synchronously, so ten thousand IDLE sessions learning of one message cost no
   * write each; the claim is persisted behind, so a restart does not make old mail recent.
   */
  claimRecent(mailboxId: number, lastUid: number): { from: number; to: number } {
    const entry = this.#entry(mailboxId);
    entry.recentUid ??= this.#store.getMailboxById(mailboxId)?.recentUid ?? 0;
    const from = entry.recentUid + 1;
    if (lastUid < from) return { from, to: from - 1 };
    entry.recentUid = lastUid;
    this.write(mailboxId, { kind: 'claimRecent' }).catch(() => {
      // Persisting the claim is best effort: in this process the in-memory claim rules.
    });
    return { from, to: lastUid };
  }

  /** The first UID no session has seen as \Recent yet (for EXAMINE and STATUS). */
  recentFloor(mailboxId: number): number {
    const claimed = this.#entries.get(mailboxId)?.recentUid;
    return (claimed ?? this.#store.getMailboxById(mailboxId)?.recentUid ?? 0) + 1;
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
      e = { actor: null, busy: 0, listeners: new Set(), recentUid: null };
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
