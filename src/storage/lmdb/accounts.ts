// Accounts: the owner of a set of mailboxes. Names arrive normalised (auth/normalize.ts), so
// the name an operator types in the CLI and the one a client logs in with find the same key.

import { MAX_USERNAME_BYTES } from '../../auth/normalize.js';
import { INBOX, checkMailboxName } from '../names.js';
import { StorageError, type Account, type SpecialUse } from '../types.js';
import { META, type Dbs } from './env.js';
import { findMailbox } from './mailbox-records.js';
import { createMailbox, deleteAllMailboxes } from './mailboxes.js';
import { nextCounter, type Tx } from './tx.js';

/** Normalised names are at most this long (auth/normalize.ts); longer ones cannot exist. */
const storableName = (name: string) => name !== '' && Buffer.byteLength(name, 'utf8') <= MAX_USERNAME_BYTES;

export function readAccount(dbs: Dbs, name: string): Account | null {
  if (!storableName(name)) return null;
  return dbs.accounts.get(name) ?? null;
}

export function listAccountRecords(dbs: Dbs): Account[] {
  return [...dbs.accounts.getRange()].map(({ value }) => value);
}

function requireAccount(tx: Tx, name: string): Account {
  const account = storableName(name) ? tx.dbs.accounts.get(name) : undefined;
  if (account === undefined) throw new StorageError('nonexistent', `No account ${name}`);
  return account;
}

/**
 * Creates the account with INBOX (RFC 3501 §5.1: every account has one) and `mailboxes`.
 * Names are checked before anything is written, so a bad default mailbox leaves no account.
 */
export function createAccount(tx: Tx, name: string, mailboxes: ReadonlyArray<{ name: string; specialUse: SpecialUse | null }>): Account {
  if (name === '') throw new StorageError('cannot', 'The account name is empty');
  if (!storableName(name)) throw new StorageError('limit', `Account names are limited to ${MAX_USERNAME_BYTES} bytes`);
  if (tx.dbs.accounts.get(name) !== undefined) throw new StorageError('alreadyexists', `Account ${name} already exists`);
  const wanted = mailboxes.map((m) => ({ name: checkMailboxName(m.name), specialUse: m.specialUse }));
  const account: Account = { id: nextCounter(tx, META.accountId), name, createdAt: tx.now, appendLimit: null };
  tx.dbs.accounts.putSync(name, account);
  tx.dbs.accountIds.putSync(account.id, name);
  createMailbox(tx, account.id, INBOX, null);
  for (const mailbox of wanted) {
    // Listed twice, or a superior of an earlier one: already there, keep the first.
    if (findMailbox(tx.dbs, account.id, mailbox.name) === undefined) {
      createMailbox(tx, account.id, mailbox.name, mailbox.specialUse);
    }
  }
  return account;
}

export function deleteAccount(tx: Tx, name: string): void {
  const account = requireAccount(tx, name);
  deleteAllMailboxes(tx, account.id);
  tx.dbs.accounts.removeSync(name);
  tx.dbs.accountIds.removeSync(account.id);
}

/** Per-account APPENDLIMIT (RFC 7889); null returns to the storage module's value. */
export function setAccountAppendLimit(tx: Tx, name: string, limit: number | null): void {
  const account = requireAccount(tx, name);
  if (limit !== null && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new StorageError('cannot', 'The append limit must be a positive number of bytes');
  }
  tx.dbs.accounts.putSync(name, { ...account, appendLimit: limit });
}
