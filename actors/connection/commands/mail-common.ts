// Helpers shared by the mailbox command handlers: the account, the selected view, and the
// delivery of pending mailbox updates at the end of a command (RFC 3501 §7.4.1).

import { no } from '../../../src/errors.js';
import { nameText, type MailboxName } from '../../../src/protocol/mailbox-name.js';
import type { Account, MailboxRecord } from '../../../src/storage/types.js';
import type { SessionView } from '../session-view.js';
import type { CommandScope } from './types.js';

export function accountOf(scope: CommandScope): Account {
  const account = scope.deps.session.account;
  if (!account) throw no({ code: 'UNAVAILABLE' }, 'Account not available');
  return account;
}

export function viewOf(scope: CommandScope): SessionView {
  const view = scope.deps.session.view;
  if (!view) throw no({ code: 'CLIENTBUG' }, 'No mailbox selected');
  return view;
}

/** The mailbox of that name, if any; a name that is not valid modified UTF-7 names none. */
export function findMailbox(scope: CommandScope, name: MailboxName): MailboxRecord | null {
  return typeof name === 'string' ? scope.deps.mail.store.getMailbox(accountOf(scope).id, name) : null;
}

/** A mailbox that exists and can hold messages, or NO [NONEXISTENT]. */
export function selectableMailbox(scope: CommandScope, name: MailboxName): MailboxRecord {
  const mb = findMailbox(scope, name);
  if (!mb || mb.noSelect) throw no({ code: 'NONEXISTENT' }, `Mailbox does not exist: ${nameText(name)}`);
  return mb;
}

/** The destination of COPY/MOVE/APPEND: missing → NO [TRYCREATE] (RFC 9051 §6.4.7). */
export function destinationMailbox(scope: CommandScope, name: MailboxName): MailboxRecord {
  const mb = findMailbox(scope, name);
  if (!mb || mb.noSelect) throw no({ code: 'TRYCREATE' }, `Mailbox does not exist: ${nameText(name)}`);
  return mb;
}

/** Refuses a write in a mailbox opened with EXAMINE (RFC 9051 §6.3.3). */
export function requireWritable(view: SessionView): void {
  if (view.readOnly) throw no(undefined, 'Mailbox is read-only (opened with EXAMINE)');
}

/**
 * Pulls the selected mailbox's changes and writes what the client is owed. EXPUNGE is held
 * back during FETCH, STORE and SEARCH (not their UID forms), where it would renumber the
 * messages the command is talking about (RFC 3501 §7.4.1).
 */
export function deliverUpdates(scope: CommandScope, allowExpunge: boolean): void {
  const view = scope.deps.session.view;
  if (!view) return;
  const { store, registry } = scope.deps.mail;
  if (!store.getMailboxById(view.mailboxId)) {
    // The selected mailbox was deleted (or renamed away with INBOX semantics) by another
    // session: its messages can no longer be addressed, so the session ends (STYLE §10).
    scope.deps.session.view = null;
    scope.out.write('* BYE Selected mailbox was deleted\r\n');
    setImmediate(() => scope.deps.io.close());
    return;
  }
  view.pull(store);
  let recent: { from: number; to: number } | null = null;
  // RFC 3501 §2.3.2: a new message is \Recent for exactly one session, the first to learn of it.
  if (view.hasPendingNew && !view.readOnly) recent = registry.claimRecent(view.mailboxId, view.pendingLastUid);
  const text = view.flush(store, allowExpunge, recent);
  if (text) scope.out.write(text);
}
