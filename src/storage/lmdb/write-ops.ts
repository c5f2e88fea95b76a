// Every write the mail store makes, by name: the steps the writer thread runs inside its
// write transaction. A write crosses to that thread as a name and arguments (structured
// clone), never as a closure, so each one is listed here with the types it takes and gives.
// Work that needs no transaction (hashing a body, checking flags) is done by the caller on
// its own thread before the write is sent.

import type { MailboxRecord, MimeData, SpecialUse } from '../types.js';
import * as accounts from './accounts.js';
import { putMime } from './blobs.js';
import { toRecord } from './mailbox-records.js';
import * as mailboxes from './mailboxes.js';
import * as messages from './messages.js';
import type { Tx } from './tx.js';

export const WRITE_OPS = {
  createAccount: accounts.createAccount,
  deleteAccount: accounts.deleteAccount,
  setAccountAppendLimit: accounts.setAccountAppendLimit,
  createMailbox,
  deleteMailbox: mailboxes.deleteMailbox,
  renameMailbox: mailboxes.renameMailbox,
  setSubscribed: mailboxes.setSubscribed,
  setSpecialUse: mailboxes.setSpecialUse,
  setMimeIndex: putMimeWhileStored,
  append,
  setFlags: messages.storeFlags,
  expunge: messages.expungeMessages,
  copy: messages.copyMessages,
  move: messages.moveMessages,
  claimRecent: messages.claimRecent,
} satisfies Record<string, (tx: Tx, ...args: never[]) => unknown>;

export type WriteOpName = keyof typeof WRITE_OPS;
export type WriteArgs<K extends WriteOpName> = (typeof WRITE_OPS)[K] extends (tx: Tx, ...args: infer A) => unknown ? A : never;
export type WriteResult<K extends WriteOpName> = ReturnType<(typeof WRITE_OPS)[K]>;

function createMailbox(tx: Tx, accountId: number, name: string, specialUse: SpecialUse | null): MailboxRecord {
  return toRecord(tx.dbs, mailboxes.createMailbox(tx, accountId, name, specialUse));
}

/** A MIME index computed after the APPEND, stored only while the blob still exists: an expunge may have freed it meanwhile. */
function putMimeWhileStored(tx: Tx, address: string, mime: MimeData): void {
  if ((tx.dbs.blobRefs.get(address) ?? 0) > 0) putMime(tx, address, mime);
}

/** An APPEND item as the store sends it: a Buffer crosses to another thread as a Uint8Array. */
export type SentItem = Omit<messages.PreparedItem, 'body'> & { body: Uint8Array };

/** APPEND; the bodies are viewed as Buffers again (no copy) for lmdb-js's binary encoding. */
function append(tx: Tx, mailboxId: number, items: readonly SentItem[], moduleLimit: number) {
  const revived = items.map(({ body, ...rest }) => ({ ...rest, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) }));
  return messages.appendMessages(tx, mailboxId, revived, moduleLimit);
}
