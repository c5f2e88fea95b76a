// Message writes and reads: APPEND (RFC 3501 §6.3.11), STORE (§6.4.6), EXPUNGE (§6.4.3,
// UID EXPUNGE RFC 4315 §2.1), COPY (§6.4.7), MOVE (RFC 6851) and \Recent (§2.3.2).
// Every step runs inside one write transaction and reads the mailbox record there: UIDNEXT,
// MODSEQ and the counters are never taken from a cache, because another process may write
// the same environment.

import { MAX_KEYWORDS_PER_MAILBOX, MAX_MESSAGES_PER_WRITE } from '../limits.js';
import { applyFlags, hasFlag, keywordKey, sameFlags, type RequestedFlags } from '../flags.js';
import {
  StorageError,
  type AppendResult,
  type CopyResult,
  type FlagChange,
  type FlagMode,
  type FlagResult,
  type MessageRecord,
  type TombstoneRetention,
} from '../types.js';
import type { MimeData } from '../types.js';
import { addBlobRef, releaseBlob, shareBlob } from './blobs.js';
import { dropIndex, indexChange, indexExpunge, pruneTombstones } from './changes.js';
import type { Dbs } from './env.js';
import { keywordRange, messageKey, messageRange, type MessageKey } from './keys.js';
import { saveMailbox, writableMailbox } from './mailbox-records.js';
import { packMessage, unpackMessage, type StoredMailbox, type StoredMessage } from './records.js';
import { dropTextIndex } from './text-index.js';
import type { Tx } from './tx.js';

/** An APPEND item with its content address computed outside the transaction. */
export interface PreparedItem {
  body: Buffer;
  address: string;
  mime?: MimeData;
  flags: RequestedFlags;
  internalDate: number;
}

// ---- reads

export function messageUids(dbs: Dbs, mailboxId: number): Uint32Array {
  const out: number[] = [];
  for (const key of dbs.messages.getKeys(messageRange(mailboxId))) out.push(key[1]);
  return Uint32Array.from(out);
}

export function readMessage(dbs: Dbs, mailboxId: number, uid: number): MessageRecord | null {
  const stored = dbs.messages.get(messageKey(mailboxId, uid));
  return stored === undefined ? null : unpackMessage(uid, stored);
}

/**
 * The records of `uids` (ascending), null for those not there. A dense set (FETCH 1:* is the
 * common one) is read with one cursor walk over its span: half the cost of a lookup per UID
 * (40 against 85 ms for 100,000). A sparse set, or one out of order, is read UID by UID.
 */
export function readMessages(dbs: Dbs, mailboxId: number, uids: ArrayLike<number>): Array<MessageRecord | null> {
  const n = uids.length;
  const first = uids[0];
  const last = uids[n - 1];
  let ascending = true;
  for (let i = 1; i < n && ascending; i++) ascending = uids[i]! > uids[i - 1]!;
  if (first === undefined || last === undefined || !ascending || n * RANGE_READ_DENSITY < last - first + 1) {
    return Array.from(uids, (uid) => readMessage(dbs, mailboxId, uid));
  }
  const out: Array<MessageRecord | null> = new Array<MessageRecord | null>(n).fill(null);
  let i = 0;
  for (const { key, value } of dbs.messages.getRange({ start: messageKey(mailboxId, first), end: messageKey(mailboxId, last + 1) })) {
    const uid = key[1];
    while (i < n && uids[i]! < uid) i++;
    if (i === n) break;
    if (uids[i] === uid) out[i++] = unpackMessage(uid, value);
  }
  return out;
}

/**
 * A set whose span holds more than this many messages per UID asked for is read UID by UID:
 * the walk would decode records nobody asked for.
 */
const RANGE_READ_DENSITY = 4;

/** The stored message under `key`, read in a write transaction. */
function storedMessage(tx: Tx, key: MessageKey): StoredMessage | undefined {
  const value = tx.dbs.messages.get(key);
  return value === undefined ? undefined : unpackMessage(key[1], value);
}

// ---- writes

function checkBatch(count: number): void {
  if (count > MAX_MESSAGES_PER_WRITE) {
    throw new StorageError('limit', `At most ${MAX_MESSAGES_PER_WRITE} messages can be written at once`);
  }
}

/** Distinct valid UIDs, ascending: the order COPY assigns destination UIDs in (RFC 4315 §3). */
function sortedUids(uids: readonly number[]): number[] {
  const valid = uids.filter((u) => Number.isInteger(u) && u > 0 && u <= 0xffffffff);
  return [...new Set(valid)].sort((a, b) => a - b);
}

/**
 * The mailbox's stored spelling of each keyword; with `register`, keywords new to the mailbox
 * are registered under the spelling given (the first one seen wins, RFC 3501 §2.3.2 makes
 * keywords case-insensitive). Without it (STORE -FLAGS) unknown keywords are dropped: no
 * message can carry them.
 */
function resolveKeywords(tx: Tx, mailboxId: number, keywords: readonly string[], register: boolean): string[] {
  const out: string[] = [];
  let count: number | undefined;
  for (const keyword of keywords) {
    const key: [number, string] = [mailboxId, keywordKey(keyword)];
    const stored = tx.dbs.keywords.get(key);
    if (stored !== undefined) {
      out.push(stored);
      continue;
    }
    if (!register) continue;
    count ??= tx.dbs.keywords.getKeysCount(keywordRange(mailboxId));
    if (count >= MAX_KEYWORDS_PER_MAILBOX) {
      throw new StorageError('limit', `A mailbox can hold at most ${MAX_KEYWORDS_PER_MAILBOX} distinct keywords`);
    }
    tx.dbs.keywords.putSync(key, keyword);
    count += 1;
    out.push(keyword);
  }
  return out;
}

/** Stored flags carried into another mailbox: keywords take that mailbox's spelling. */
function carryFlags(tx: Tx, destination: StoredMailbox, flags: readonly string[]): string[] {
  const system = flags.filter((f) => f.startsWith('\\'));
  const keywords = resolveKeywords(
    tx,
    destination.id,
    flags.filter((f) => !f.startsWith('\\')),
    true,
  );
  return [...system, ...keywords];
}

/** Adds a message under the next UID and modseq, saved now (SAVEDATE, RFC 8514), keeping the counters in step. */
function insertMessage(tx: Tx, mailbox: StoredMailbox, message: Omit<StoredMessage, 'modseq' | 'savedAt'>): number {
  const uid = mailbox.uidNext;
  // UIDs are 32-bit (RFC 3501 §2.3.1.1); a mailbox that runs out needs a new UIDVALIDITY.
  if (uid > 0xffffffff) throw new StorageError('limit', `Mailbox ${mailbox.name} has used up its UIDs`);
  mailbox.uidNext = uid + 1;
  mailbox.highestModseq += 1;
  const stored: StoredMessage = { ...message, modseq: mailbox.highestModseq, savedAt: tx.now };
  tx.dbs.messages.putSync(messageKey(mailbox.id, uid), packMessage(stored));
  if (hasFlag(stored.flags, '\\Deleted')) tx.dbs.deleted.putSync(messageKey(mailbox.id, uid), true);
  if (!hasFlag(stored.flags, '\\Seen')) tx.dbs.unseen.putSync(messageKey(mailbox.id, uid), true);
  indexChange(tx, mailbox.id, uid, null, stored.modseq);
  mailbox.messages += 1;
  mailbox.size += stored.size;
  if (!hasFlag(stored.flags, '\\Seen')) mailbox.unseen += 1;
  return uid;
}

/** Removes a message, leaves a tombstone and drops its blob reference. */
function removeMessage(tx: Tx, mailbox: StoredMailbox, uid: number, message: StoredMessage): void {
  mailbox.highestModseq += 1;
  indexExpunge(tx, mailbox, uid, message.modseq, mailbox.highestModseq);
  tx.dbs.messages.removeSync(messageKey(mailbox.id, uid));
  if (hasFlag(message.flags, '\\Deleted')) tx.dbs.deleted.removeSync(messageKey(mailbox.id, uid));
  if (!hasFlag(message.flags, '\\Seen')) tx.dbs.unseen.removeSync(messageKey(mailbox.id, uid));
  releaseBlob(tx, message.blob);
  mailbox.messages -= 1;
  mailbox.size -= message.size;
  if (!hasFlag(message.flags, '\\Seen')) mailbox.unseen -= 1;
}

/** The APPENDLIMIT that applies to the mailbox's account (RFC 7889). */
function appendLimitOf(tx: Tx, mailbox: StoredMailbox, moduleLimit: number): number {
  const name = tx.dbs.accountIds.get(mailbox.accountId);
  const account = name === undefined ? undefined : tx.dbs.accounts.get(name);
  return account?.appendLimit ?? moduleLimit;
}

export function appendMessages(tx: Tx, mailboxId: number, items: readonly PreparedItem[], moduleLimit: number): AppendResult {
  checkBatch(items.length);
  const mailbox = writableMailbox(tx, mailboxId);
  const limit = appendLimitOf(tx, mailbox, moduleLimit);
  for (const item of items) {
    if (item.body.length > limit) {
      throw new StorageError('toobig', `Message of ${item.body.length} bytes is over the limit of ${limit} bytes`);
    }
  }
  const uids: number[] = [];
  for (const item of items) {
    const keywords = resolveKeywords(tx, mailboxId, item.flags.keywords, true);
    const flags = applyFlags([], 'set', { system: item.flags.system, keywords });
    addBlobRef(tx, item.address, item.body, item.mime);
    uids.push(insertMessage(tx, mailbox, { blob: item.address, size: item.body.length, internalDate: item.internalDate, flags }));
  }
  saveMailbox(tx, mailbox);
  if (uids.length > 0) tx.changed.add(mailboxId);
  return { uidValidity: mailbox.uidValidity, uids };
}

/**
 * STORE. With `unchangedSince` (RFC 7162 §3.1.3) a message whose modseq is above it is not
 * changed and is reported in `modified`: the test and the change are one transaction, so a
 * STORE committed by another session in between is always seen.
 */
export function storeFlags(
  tx: Tx,
  mailboxId: number,
  uids: readonly number[],
  mode: FlagMode,
  requested: RequestedFlags,
  unchangedSince: number | null,
): FlagResult {
  checkBatch(uids.length);
  const mailbox = writableMailbox(tx, mailboxId);
  const keywords = resolveKeywords(tx, mailboxId, requested.keywords, mode !== 'remove');
  const resolved: RequestedFlags = { system: requested.system, keywords };
  const changes: FlagChange[] = [];
  const modified: number[] = [];
  for (const uid of sortedUids(uids)) {
    const key = messageKey(mailboxId, uid);
    const message = storedMessage(tx, key);
    // Expunged meanwhile (another session or process): nothing to change, not an error.
    if (message === undefined) continue;
    if (unchangedSince !== null && message.modseq > unchangedSince) {
      modified.push(uid);
      continue;
    }
    const flags = applyFlags(message.flags, mode, resolved);
    // RFC 7162 §3.1.3: a STORE that changes nothing leaves the message's modseq alone.
    if (sameFlags(flags, message.flags)) continue;
    const wasSeen = hasFlag(message.flags, '\\Seen');
    const isSeen = hasFlag(flags, '\\Seen');
    if (wasSeen !== isSeen) {
      mailbox.unseen += isSeen ? -1 : 1;
      if (isSeen) tx.dbs.unseen.removeSync(key);
      else tx.dbs.unseen.putSync(key, true);
    }
    const isDeleted = hasFlag(flags, '\\Deleted');
    if (hasFlag(message.flags, '\\Deleted') !== isDeleted) {
      if (isDeleted) tx.dbs.deleted.putSync(key, true);
      else tx.dbs.deleted.removeSync(key);
    }
    mailbox.highestModseq += 1;
    const modseq = mailbox.highestModseq;
    indexChange(tx, mailboxId, uid, message.modseq, modseq);
    tx.dbs.messages.putSync(key, packMessage({ ...message, flags, modseq }));
    changes.push({ uid, flags, modseq });
  }
  if (changes.length > 0) {
    saveMailbox(tx, mailbox);
    tx.changed.add(mailboxId);
  }
  return { changes, modified };
}

/**
 * Expunges messages and returns their UIDs, ascending. With `uids` null, every message flagged
 * \Deleted (EXPUNGE, CLOSE: RFC 3501 §6.4.3, §6.4.2). With a UID list and `onlyDeleted`, those of
 * them that carry \Deleted (UID EXPUNGE, RFC 4315 §2.1). Without `onlyDeleted`, the listed
 * messages whatever their flags (the CLI's `imap-msgs remove`).
 *
 * The flag is read here, inside the transaction, never by the caller beforehand: a STORE
 * -FLAGS (\Deleted) committed between a check on the caller's side and this commit would
 * otherwise be overridden, and a message the client had just kept would be removed.
 */
export function expungeMessages(
  tx: Tx,
  mailboxId: number,
  uids: readonly number[] | null,
  onlyDeleted: boolean,
  retention: TombstoneRetention,
): number[] {
  const mailbox = writableMailbox(tx, mailboxId);
  const targets: Array<[number, StoredMessage]> = [];
  if (uids === null) {
    // The \Deleted index, not a scan of the mailbox: the work is in proportion to what goes.
    for (const key of [...tx.dbs.deleted.getKeys(messageRange(mailboxId))]) {
      const message = storedMessage(tx, key);
      if (message !== undefined && hasFlag(message.flags, '\\Deleted')) targets.push([key[1], message]);
      else tx.dbs.deleted.removeSync(key); // cannot happen while every write keeps the index; heal it if it does
    }
  } else {
    for (const uid of sortedUids(uids)) {
      const message = storedMessage(tx, messageKey(mailboxId, uid));
      if (message !== undefined && (!onlyDeleted || hasFlag(message.flags, '\\Deleted'))) targets.push([uid, message]);
    }
  }
  for (const [uid, message] of targets) removeMessage(tx, mailbox, uid, message);
  if (targets.length > 0) {
    pruneTombstones(tx, mailbox, retention, targets.length);
    saveMailbox(tx, mailbox);
    tx.changed.add(mailboxId);
  }
  return targets.map(([uid]) => uid);
}

/**
 * Copies messages between two mailbox objects already read in this transaction: destination
 * UIDs in source UID order, flags and INTERNALDATE kept (RFC 3501 §6.4.7), bytes shared.
 */
function copyBetween(
  tx: Tx,
  source: StoredMailbox,
  uids: readonly number[],
  destination: StoredMailbox,
): Array<[number, number, StoredMessage]> {
  const copied: Array<[number, number, StoredMessage]> = [];
  for (const uid of uids) {
    const message = storedMessage(tx, messageKey(source.id, uid));
    if (message === undefined) continue;
    const flags = destination.id === source.id ? message.flags : carryFlags(tx, destination, message.flags);
    shareBlob(tx, message.blob);
    const newUid = insertMessage(tx, destination, { blob: message.blob, size: message.size, internalDate: message.internalDate, flags });
    copied.push([uid, newUid, message]);
  }
  return copied;
}

function transfer(tx: Tx, sourceId: number, uids: readonly number[], destinationId: number, move: TombstoneRetention | null): CopyResult {
  checkBatch(uids.length);
  const source = writableMailbox(tx, sourceId);
  // The same object when copying into the source itself, so both updates land in one record.
  const destination = destinationId === sourceId ? source : writableMailbox(tx, destinationId);
  const copied = copyBetween(tx, source, sortedUids(uids), destination);
  if (move) {
    for (const [uid, , message] of copied) removeMessage(tx, source, uid, message);
    pruneTombstones(tx, source, move, copied.length);
  }
  if (copied.length > 0) {
    saveMailbox(tx, destination);
    if (move) saveMailbox(tx, source);
    tx.changed.add(destinationId);
    if (move) tx.changed.add(sourceId);
  }
  return { uidValidity: destination.uidValidity, pairs: copied.map(([from, to]) => [from, to]) };
}

export function copyMessages(tx: Tx, sourceId: number, uids: readonly number[], destinationId: number): CopyResult {
  return transfer(tx, sourceId, uids, destinationId, null);
}

/** COPY and expunge in one transaction: no other reader ever sees both or neither (RFC 6851 §3.3). */
export function moveMessages(
  tx: Tx,
  sourceId: number,
  uids: readonly number[],
  destinationId: number,
  retention: TombstoneRetention,
): CopyResult {
  return transfer(tx, sourceId, uids, destinationId, retention);
}

/** Moves every message of `source` into `destination` (RENAME INBOX, RFC 3501 §6.3.5). */
export function moveAll(tx: Tx, source: StoredMailbox, destination: StoredMailbox): void {
  const uids = [...tx.dbs.messages.getKeys(messageRange(source.id))].map((k) => k[1]);
  const copied = copyBetween(tx, source, uids, destination);
  for (const [uid, , message] of copied) removeMessage(tx, source, uid, message);
  // Every indexed message of the source is gone: its index would only be dead weight.
  dropTextIndex(tx, source.id);
  if (copied.length > 0) {
    tx.changed.add(source.id);
    tx.changed.add(destination.id);
  }
}

/**
 * Removes every message of a mailbox that is going away or becoming \Noselect, with its index,
 * tombstones and keyword registry. No tombstones are left: sessions that have the mailbox
 * selected are told it is gone, not what was expunged, and a mailbox made selectable again
 * gets a new UIDVALIDITY, so no client resynchronises across the wipe.
 */
export function wipeMessages(tx: Tx, mailbox: StoredMailbox): void {
  const entries = [...tx.dbs.messages.getRange(messageRange(mailbox.id))];
  for (const { key, value } of entries) {
    tx.dbs.messages.removeSync(key);
    releaseBlob(tx, unpackMessage(key[1], value).blob);
  }
  dropIndex(tx, mailbox);
  dropTextIndex(tx, mailbox.id);
  for (const key of [...tx.dbs.deleted.getKeys(messageRange(mailbox.id))]) tx.dbs.deleted.removeSync(key);
  for (const key of [...tx.dbs.unseen.getKeys(messageRange(mailbox.id))]) tx.dbs.unseen.removeSync(key);
  for (const key of [...tx.dbs.keywords.getKeys(keywordRange(mailbox.id))]) tx.dbs.keywords.removeSync(key);
  mailbox.messages = 0;
  mailbox.unseen = 0;
  mailbox.size = 0;
  mailbox.highestModseq += 1;
  tx.changed.add(mailbox.id);
}

/**
 * Claims for one session the UIDs up to `upTo` that no session has seen as \Recent yet (RFC 3501
 * §2.3.2: a message is \Recent in one session only, the first to be told of it). The claim is
 * stored in this transaction before the session shows anything, so no other session, in this
 * process or after a restart, can claim the same UID. `upTo` is the last UID the session is
 * about to announce: messages added since are left for whoever learns of them first.
 */
export function claimRecent(tx: Tx, mailboxId: number, upTo: number): { from: number; to: number } {
  const mailbox = writableMailbox(tx, mailboxId);
  const from = mailbox.recentUid + 1;
  const to = Math.min(upTo, mailbox.uidNext - 1);
  if (to >= from) {
    mailbox.recentUid = to;
    saveMailbox(tx, mailbox);
  }
  return { from, to };
}

/** The UID of the mailbox's first message without \Seen, or null (the unseen index, schema 4). */
export function firstUnseen(dbs: Dbs, mailboxId: number): number | null {
  for (const key of dbs.unseen.getKeys({ ...messageRange(mailboxId), limit: 1 })) return key[1];
  return null;
}

/** UIDs in the \Deleted index of a mailbox, ascending. */
export function deletedIndex(dbs: Dbs, mailboxId: number): number[] {
  return [...dbs.deleted.getKeys(messageRange(mailboxId))].map((key) => key[1]);
}

/** Keywords registered in a mailbox, in their stored spelling (for FLAGS / PERMANENTFLAGS). */
export function mailboxKeywords(dbs: Dbs, mailboxId: number): string[] {
  return [...dbs.keywords.getRange(keywordRange(mailboxId))].map(({ value }) => value);
}
