// Reading and saving mailbox records, and the checks every message write starts with.

import { MAX_MAILBOX_NAME_BYTES } from '../limits.js';
import { normalizeMailboxName } from '../names.js';
import { StorageError, type MailboxRecord } from '../types.js';
import type { Dbs } from './env.js';
import { accountNameRange } from './keys.js';
import type { StoredMailbox } from './records.js';
import type { Tx } from './tx.js';

export function readMailbox(dbs: Dbs, id: number): StoredMailbox | undefined {
  return dbs.mailboxes.get(id);
}

/**
 * Whether `name` could be a stored name. Longer names cannot exist, and looking them up
 * would fail on LMDB's key size limit instead of simply finding nothing.
 */
export function storableName(name: string): boolean {
  return Buffer.byteLength(name, 'utf8') <= MAX_MAILBOX_NAME_BYTES;
}

/** The id of `name` in the account (INBOX matched case-insensitively), if it exists. */
export function findMailboxId(dbs: Dbs, accountId: number, name: string): number | undefined {
  if (!storableName(name)) return undefined;
  return dbs.mailboxNames.get([accountId, normalizeMailboxName(name)]);
}

export function findMailbox(dbs: Dbs, accountId: number, name: string): StoredMailbox | undefined {
  const id = findMailboxId(dbs, accountId, name);
  return id === undefined ? undefined : dbs.mailboxes.get(id);
}

export function isSubscribed(dbs: Dbs, accountId: number, name: string): boolean {
  return storableName(name) && dbs.subscriptions.get([accountId, name]) !== undefined;
}

/** The public record: the stored one plus the subscription bit. */
export function toRecord(dbs: Dbs, stored: StoredMailbox, subscribed?: boolean): MailboxRecord {
  return { ...stored, subscribed: subscribed ?? isSubscribed(dbs, stored.accountId, stored.name) };
}

/** The account's mailboxes in name order (one scan of the name index). */
export function listMailboxRecords(dbs: Dbs, accountId: number): MailboxRecord[] {
  const subscribed = new Set(listSubscriptionNames(dbs, accountId));
  const out: MailboxRecord[] = [];
  for (const { value: id } of dbs.mailboxNames.getRange(accountNameRange(accountId))) {
    const stored = dbs.mailboxes.get(id);
    if (stored !== undefined) out.push(toRecord(dbs, stored, subscribed.has(stored.name)));
  }
  return out;
}

export function listSubscriptionNames(dbs: Dbs, accountId: number): string[] {
  return [...dbs.subscriptions.getKeys(accountNameRange(accountId))].map(([, name]) => name);
}

export function saveMailbox(tx: Tx, mailbox: StoredMailbox): void {
  tx.dbs.mailboxes.putSync(mailbox.id, mailbox);
}

/**
 * The mailbox a message write works on, read inside the write's transaction (never a cached
 * copy: another process may have appended since). A \Noselect name holds no messages
 * (RFC 3501 §6.3.4), so writes to it are refused.
 */
export function writableMailbox(tx: Tx, id: number): StoredMailbox {
  const mailbox = tx.dbs.mailboxes.get(id);
  if (mailbox === undefined) throw new StorageError('nonexistent', 'Mailbox does not exist');
  if (mailbox.noSelect) throw new StorageError('noselect', `Mailbox ${mailbox.name} is not selectable`);
  return { ...mailbox };
}
