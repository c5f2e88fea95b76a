// Mailbox hierarchy writes: CREATE (RFC 3501 §6.3.3), DELETE (§6.3.4), RENAME (§6.3.5),
// SUBSCRIBE/UNSUBSCRIBE (§6.3.6, §6.3.7) and special-use attributes (RFC 6154).

import { checkMailboxName, INBOX, isInferior, normalizeMailboxName, superiorNames } from '../names.js';
import { StorageError, type SpecialUse } from '../types.js';
import { accountNameRange, inferiorRange } from './keys.js';
import { findMailbox, saveMailbox, storableName } from './mailbox-records.js';
import { moveAll, wipeMessages } from './messages.js';
import type { StoredMailbox } from './records.js';
import { META } from './env.js';
import { nextCounter, nextUidValidity, type Tx } from './tx.js';

export function requireAccount(tx: Tx, accountId: number): void {
  if (tx.dbs.accountIds.get(accountId) === undefined) throw new StorageError('nonexistent', 'No such account');
}

function hasInferiors(tx: Tx, accountId: number, name: string): boolean {
  for (const _ of tx.dbs.mailboxNames.getKeys({ ...inferiorRange(accountId, name), limit: 1 })) return true;
  return false;
}

/** A new, empty, selectable mailbox with a fresh id and UIDVALIDITY. */
function insertMailbox(tx: Tx, accountId: number, name: string, specialUse: SpecialUse | null): StoredMailbox {
  const mailbox: StoredMailbox = {
    id: nextCounter(tx, META.mailboxId),
    accountId,
    name,
    uidValidity: nextUidValidity(tx),
    uidNext: 1,
    // RFC 7162 §3.1.1: modseqs are positive; the first change gets 2, and a session that
    // selected the empty mailbox asks for changes since 1.
    highestModseq: 1,
    specialUse,
    noSelect: false,
    recentUid: 0,
    messages: 0,
    unseen: 0,
    size: 0,
  };
  tx.dbs.mailboxNames.putSync([accountId, name], mailbox.id);
  saveMailbox(tx, mailbox);
  return mailbox;
}

/** Creates the superiors of `name` that are missing (RFC 3501 §6.3.3: the server SHOULD). */
function createSuperiors(tx: Tx, accountId: number, name: string): void {
  for (const superior of superiorNames(name)) {
    if (findMailbox(tx.dbs, accountId, superior) === undefined) insertMailbox(tx, accountId, superior, null);
  }
}

export function createMailbox(tx: Tx, accountId: number, rawName: string, specialUse: SpecialUse | null): StoredMailbox {
  requireAccount(tx, accountId);
  const name = checkMailboxName(rawName);
  const existing = findMailbox(tx.dbs, accountId, name);
  if (existing !== undefined) {
    if (!existing.noSelect) throw new StorageError('alreadyexists', `Mailbox ${name} already exists`);
    // A \Noselect name kept for its inferiors becomes a real mailbox again. It is a new
    // mailbox to clients, so it gets a new UIDVALIDITY (RFC 3501 §2.3.1.1); UIDNEXT and
    // the modseq carry on, which keeps both monotonic for the record's whole life.
    const revived: StoredMailbox = {
      ...existing,
      noSelect: false,
      uidValidity: nextUidValidity(tx),
      specialUse,
      recentUid: existing.uidNext - 1,
    };
    saveMailbox(tx, revived);
    return revived;
  }
  createSuperiors(tx, accountId, name);
  return insertMailbox(tx, accountId, name, specialUse);
}

/** Removes a mailbox record entirely (its messages must be wiped first). */
function removeMailboxRecord(tx: Tx, mailbox: StoredMailbox): void {
  tx.dbs.mailboxNames.removeSync([mailbox.accountId, mailbox.name]);
  tx.dbs.mailboxes.removeSync(mailbox.id);
}

/**
 * DELETE (RFC 3501 §6.3.4): a mailbox with inferiors loses its messages and stays as a
 * \Noselect name; a \Noselect name that still has inferiors cannot be deleted; otherwise the
 * name goes. Superiors left without children are kept: the user created them (or CREATE
 * did on their behalf), and they are ordinary mailboxes. Subscriptions are untouched
 * (RFC 3501 §6.3.6 lets a subscription outlive its mailbox).
 */
export function deleteMailbox(tx: Tx, accountId: number, rawName: string): void {
  requireAccount(tx, accountId);
  const name = normalizeMailboxName(rawName);
  if (name === INBOX) throw new StorageError('cannot', 'INBOX cannot be deleted');
  const existing = findMailbox(tx.dbs, accountId, name);
  if (existing === undefined) throw new StorageError('nonexistent', `Mailbox ${name} does not exist`);
  const mailbox = { ...existing };
  const inferiors = hasInferiors(tx, accountId, name);
  if (inferiors && mailbox.noSelect) {
    throw new StorageError('haschildren', `Mailbox ${name} has inferior mailboxes`);
  }
  wipeMessages(tx, mailbox);
  if (inferiors) {
    mailbox.noSelect = true;
    mailbox.specialUse = null;
    saveMailbox(tx, mailbox);
  } else {
    removeMailboxRecord(tx, mailbox);
  }
}

/** Deletes every mailbox and subscription of an account (account removal). */
export function deleteAllMailboxes(tx: Tx, accountId: number): void {
  for (const { key, value: id } of [...tx.dbs.mailboxNames.getRange(accountNameRange(accountId))]) {
    const mailbox = tx.dbs.mailboxes.get(id);
    if (mailbox !== undefined) {
      wipeMessages(tx, { ...mailbox });
      tx.dbs.mailboxes.removeSync(id);
    }
    tx.dbs.mailboxNames.removeSync(key);
  }
  for (const key of [...tx.dbs.subscriptions.getKeys(accountNameRange(accountId))]) {
    tx.dbs.subscriptions.removeSync(key);
  }
}

/**
 * RENAME (RFC 3501 §6.3.5). The mailbox keeps its id, UIDVALIDITY and messages; its
 * inferiors move with it; missing superiors of the new name are created; subscriptions of
 * the moved names follow them. RENAME INBOX is special: its messages move to a new mailbox,
 * INBOX stays (empty), and INBOX's inferiors stay where they are.
 */
export function renameMailbox(tx: Tx, accountId: number, rawFrom: string, rawTo: string): void {
  requireAccount(tx, accountId);
  const from = normalizeMailboxName(rawFrom);
  const to = checkMailboxName(rawTo);
  const source = findMailbox(tx.dbs, accountId, from);
  if (source === undefined) throw new StorageError('nonexistent', `Mailbox ${from} does not exist`);
  if (findMailbox(tx.dbs, accountId, to) !== undefined) throw new StorageError('alreadyexists', `Mailbox ${to} already exists`);
  if (from === to) throw new StorageError('alreadyexists', `Mailbox ${to} already exists`);
  if (from === INBOX) {
    createSuperiors(tx, accountId, to);
    const inbox = { ...source };
    const target = insertMailbox(tx, accountId, to, null);
    moveAll(tx, inbox, target);
    saveMailbox(tx, inbox);
    saveMailbox(tx, target);
    return;
  }
  if (isInferior(to, from)) throw new StorageError('cannot', `Mailbox ${from} cannot be moved into itself`);

  const moving: StoredMailbox[] = [source];
  for (const { value: id } of tx.dbs.mailboxNames.getRange(inferiorRange(accountId, from))) {
    const inferior = tx.dbs.mailboxes.get(id);
    if (inferior !== undefined) moving.push(inferior);
  }
  const renamed = (name: string) => to + name.slice(from.length);
  for (const mailbox of moving) {
    if (findMailbox(tx.dbs, accountId, renamed(mailbox.name)) !== undefined) {
      throw new StorageError('alreadyexists', `Mailbox ${renamed(mailbox.name)} already exists`);
    }
  }
  for (const mailbox of moving) tx.dbs.mailboxNames.removeSync([accountId, mailbox.name]);
  for (const mailbox of moving) {
    const name = renamed(mailbox.name);
    tx.dbs.mailboxNames.putSync([accountId, name], mailbox.id);
    saveMailbox(tx, { ...mailbox, name });
  }
  createSuperiors(tx, accountId, to);

  const subscribed = [...tx.dbs.subscriptions.getKeys(inferiorRange(accountId, from))].map(([, name]) => name);
  if (tx.dbs.subscriptions.get([accountId, from]) !== undefined) subscribed.push(from);
  for (const name of subscribed) {
    tx.dbs.subscriptions.removeSync([accountId, name]);
    tx.dbs.subscriptions.putSync([accountId, renamed(name)], true);
  }
}

/** SUBSCRIBE / UNSUBSCRIBE: the name need not exist (RFC 3501 §6.3.6). */
export function setSubscribed(tx: Tx, accountId: number, rawName: string, subscribed: boolean): void {
  requireAccount(tx, accountId);
  const name = normalizeMailboxName(rawName);
  if (subscribed) {
    tx.dbs.subscriptions.putSync([accountId, checkMailboxName(name)], true);
  } else if (storableName(name)) {
    tx.dbs.subscriptions.removeSync([accountId, name]);
  }
}

export function setSpecialUse(tx: Tx, accountId: number, rawName: string, specialUse: SpecialUse | null): void {
  requireAccount(tx, accountId);
  const mailbox = findMailbox(tx.dbs, accountId, rawName);
  if (mailbox === undefined) throw new StorageError('nonexistent', `Mailbox ${normalizeMailboxName(rawName)} does not exist`);
  if (mailbox.noSelect && specialUse !== null) {
    throw new StorageError('noselect', `Mailbox ${mailbox.name} is not selectable`);
  }
  saveMailbox(tx, { ...mailbox, specialUse });
}
