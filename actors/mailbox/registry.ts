// The mailbox actors of this process, one per mailbox that has writes or selected sessions.
// An actor is made on first use and dropped once it has neither; change notices from the store
// (after every commit here, and for commits made by other processes) go to the actor of each
// changed mailbox, which tells its sessions; they then pull the changes themselves.

import type { LogSink } from '../../src/log.js';
import type { MailStore } from '../../src/storage/types.js';
import { MailboxActor, type MailboxListener, type MailboxWrite, type RecentClaim, type WriteResults } from './mailbox-actor.js';

export type { MailboxWrite, RecentClaim, WriteResults };

export class MailboxRegistry {
  readonly #store: MailStore;
  readonly #logger: LogSink | undefined;
  readonly #actors = new Map<number, MailboxActor>();
  readonly #unsubscribe: () => void;

  constructor(store: MailStore, logger?: LogSink) {
    this.#store = store;
    this.#logger = logger;
    this.#unsubscribe = store.onChange((ids) => {
      for (const id of ids) this.#actors.get(id)?.notify();
    });
  }

  /** Runs a write through the mailbox's actor; resolves once it is durable. */
  write<K extends MailboxWrite['kind']>(mailboxId: number, op: Extract<MailboxWrite, { kind: K }>): Promise<WriteResults[K]> {
    return this.#actor(mailboxId).write(op);
  }

  /** See MailboxActor.claimRecent: \Recent for one session, stored before it is shown. */
  claimRecent(mailboxId: number, upTo: number): RecentClaim | Promise<RecentClaim> {
    return this.#actor(mailboxId).claimRecent(upTo);
  }

  /** The first UID no session has seen as \Recent yet (for EXAMINE and STATUS). */
  recentFloor(mailboxId: number): number {
    const actor = this.#actors.get(mailboxId);
    return actor ? actor.recentFloor() : (this.#store.getMailboxById(mailboxId)?.recentUid ?? 0) + 1;
  }

  /** Calls `listener` after every change to the mailbox; returns the unsubscribe function. */
  subscribe(mailboxId: number, listener: MailboxListener): () => void {
    return this.#actor(mailboxId).subscribe(listener);
  }

  close(): void {
    this.#unsubscribe();
    this.#actors.clear();
  }

  #actor(mailboxId: number): MailboxActor {
    let actor = this.#actors.get(mailboxId);
    if (!actor) {
      actor = new MailboxActor(this.#store, mailboxId, (idle) => this.#drop(idle), this.#logger);
      this.#actors.set(mailboxId, actor);
    }
    return actor;
  }

  /**
   * Forgets an actor with nothing left to do. Deferred, so that a write answered and followed
   * at once by another (the next command of the same session) finds the same actor.
   */
  #drop(actor: MailboxActor): void {
    queueMicrotask(() => {
      if (actor.idle && this.#actors.get(actor.mailboxId) === actor) this.#actors.delete(actor.mailboxId);
    });
  }
}
