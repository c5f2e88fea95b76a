// Every write the mail store makes, by name: the steps the writer thread runs inside its
// write transaction. A write crosses to that thread as its name and named fields (structured
// clone), never as a closure, so each one is listed here with the types it takes and gives.
// Work that needs no transaction (hashing a body, checking flags) is done by the caller on
// its own thread before the write is sent.

import type { RequestedFlags } from '../flags.js';
import type { FlagMode, MailboxRecord, MimeData, SpecialUse, TombstoneRetention } from '../types.js';
import * as accounts from './accounts.js';
import { putMime } from './blobs.js';
import { toRecord } from './mailbox-records.js';
import * as mailboxes from './mailboxes.js';
import * as messages from './messages.js';
import * as textIndex from './text-index.js';
import type { Tx } from './tx.js';

type AccountMailboxes = ReadonlyArray<{ name: string; specialUse: SpecialUse | null }>;

/**
 * Each write as a step of the transaction, taking its request's named fields. The request is
 * what crosses to the thread: `{ op, ...fields }`, one member of the WriteCall union below.
 */
export const WRITE_OPS = {
  createAccount: (tx: Tx, r: { name: string; mailboxes: AccountMailboxes }) => accounts.createAccount(tx, r.name, r.mailboxes),
  deleteAccount: (tx: Tx, r: { name: string }) => accounts.deleteAccount(tx, r.name),
  setAccountAppendLimit: (tx: Tx, r: { name: string; limit: number | null }) => accounts.setAccountAppendLimit(tx, r.name, r.limit),
  createMailbox: (tx: Tx, r: { accountId: number; name: string; specialUse: SpecialUse | null }) =>
    createMailbox(tx, r.accountId, r.name, r.specialUse),
  deleteMailbox: (tx: Tx, r: { accountId: number; name: string }) => mailboxes.deleteMailbox(tx, r.accountId, r.name),
  renameMailbox: (tx: Tx, r: { accountId: number; from: string; to: string }) => mailboxes.renameMailbox(tx, r.accountId, r.from, r.to),
  setSubscribed: (tx: Tx, r: { accountId: number; name: string; subscribed: boolean }) =>
    mailboxes.setSubscribed(tx, r.accountId, r.name, r.subscribed),
  setSpecialUse: (tx: Tx, r: { accountId: number; name: string; specialUse: SpecialUse | null }) =>
    mailboxes.setSpecialUse(tx, r.accountId, r.name, r.specialUse),
  setMimeIndex: (tx: Tx, r: { address: string; mime: MimeData }) => putMimeWhileStored(tx, r.address, r.mime),
  append: (tx: Tx, r: { mailboxId: number; items: readonly SentItem[]; moduleLimit: number }) =>
    append(tx, r.mailboxId, r.items, r.moduleLimit),
  setFlags: (
    tx: Tx,
    r: { mailboxId: number; uids: readonly number[]; mode: FlagMode; flags: RequestedFlags; unchangedSince: number | null },
  ) => messages.storeFlags(tx, r.mailboxId, r.uids, r.mode, r.flags, r.unchangedSince),
  expunge: (tx: Tx, r: { mailboxId: number; uids: readonly number[] | null; onlyDeleted: boolean; retention: TombstoneRetention }) =>
    messages.expungeMessages(tx, r.mailboxId, r.uids, r.onlyDeleted, r.retention),
  copy: (tx: Tx, r: { mailboxId: number; uids: readonly number[]; destinationId: number }) =>
    messages.copyMessages(tx, r.mailboxId, r.uids, r.destinationId),
  move: (tx: Tx, r: { mailboxId: number; uids: readonly number[]; destinationId: number; retention: TombstoneRetention }) =>
    messages.moveMessages(tx, r.mailboxId, r.uids, r.destinationId, r.retention),
  claimRecent: (tx: Tx, r: { mailboxId: number; upTo: number }) => messages.claimRecent(tx, r.mailboxId, r.upTo),
  addTextSegment: (
    tx: Tx,
    r: { mailboxId: number; uidValidity: number; segment: Uint8Array; bodies: ReadonlyArray<readonly [string, Uint8Array]> },
  ) => textIndex.addSegment(tx, r.mailboxId, r.uidValidity, r.segment, r.bodies),
  replaceTextSegments: (
    tx: Tx,
    r: { mailboxId: number; uidValidity: number; replaced: readonly number[]; lastUids: readonly number[]; segment: Uint8Array },
  ) => textIndex.replaceSegments(tx, r.mailboxId, r.uidValidity, r.replaced, r.lastUids, r.segment),
  dropTextIndex: (tx: Tx, r: { mailboxId: number }) => textIndex.dropTextIndex(tx, r.mailboxId),
} satisfies Record<string, (tx: Tx, request: never) => unknown>;

export type WriteOpName = keyof typeof WRITE_OPS;
/** The named fields of a write. */
export type WriteFields<K extends WriteOpName> = Parameters<(typeof WRITE_OPS)[K]>[1];
export type WriteResult<K extends WriteOpName> = ReturnType<(typeof WRITE_OPS)[K]>;
/** One write as it crosses to the writer thread: its name and its fields, a discriminated union. */
export type WriteCall = { [K in WriteOpName]: { op: K } & WriteFields<K> }[WriteOpName];

/** Runs one write's step inside the transaction `tx`. */
export function runWrite(tx: Tx, call: WriteCall): unknown {
  return (WRITE_OPS[call.op] as (tx: Tx, request: WriteCall) => unknown)(tx, call);
}

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
