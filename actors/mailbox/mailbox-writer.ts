// The single writer of one mailbox: every write to it from this process passes here, in
// arrival order. Writes are issued to the store without waiting for the previous commit,
// so requests that queue up while a commit is in flight are committed together (the store's
// writer thread takes what has queued), yet each one still applies in order and is
// acknowledged only when durable. UIDs and modseqs are allocated inside each transaction,
// so a writer in another process (the CLI) cannot collide with ours.

import type { MailStore } from '../../src/storage/types.js';
import type { WriteOp, WriteRequest } from './messages.js';

export class MailboxWriter {
  readonly mailboxId: number;
  #store: MailStore;
  #inFlight = 0;
  #onIdle: () => void;

  constructor(store: MailStore, mailboxId: number, onIdle: () => void) {
    this.#store = store;
    this.mailboxId = mailboxId;
    this.#onIdle = onIdle;
  }

  get busy(): boolean {
    return this.#inFlight > 0;
  }

  handle(req: WriteRequest): void {
    this.#inFlight++;
    let result: Promise<unknown>;
    try {
      result = this.#issue(req.op);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(req.resolve, req.reject).finally(() => {
      this.#inFlight--;
      if (this.#inFlight === 0) this.#onIdle();
    });
  }

  #issue(op: WriteOp): Promise<unknown> {
    const s = this.#store;
    const id = this.mailboxId;
    switch (op.kind) {
      case 'append':
        return s.append(id, op.items);
      case 'setFlags':
        return s.setFlags(id, op.uids, op.mode, op.flags);
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
  }
}
