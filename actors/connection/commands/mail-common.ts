// Helpers shared by the mailbox command handlers: the account, the selected view, and the
// delivery of pending mailbox updates at the end of a command (RFC 3501 §7.4.1).

import { ImapError, no } from '../../../src/errors.js';
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

/** The failure that ends a session whose selected mailbox is gone. */
export function selectedMailboxDeleted(): ImapError {
  return new ImapError('NO', undefined, 'Selected mailbox was deleted', { disconnect: true });
}

/**
 * Pulls the selected mailbox's changes and writes what the client is owed. EXPUNGE is held
 * back during FETCH, STORE and SEARCH (not their UID forms), where it would renumber the
 * messages the command is talking about (RFC 3501 §7.4.1).
 *
 * Synchronous unless new messages need a \Recent claim written first (registry.claimRecent):
 * then the updates take their place in the output at once (`reserve`), so nothing written
 * later (the tagged reply, IDLE's OK after DONE) can overtake them, and are filled in once the
 * claim is stored. Deliveries of one view run one after the other: a later one waits for the
 * claim of an earlier one, since both pull from the same view.
 */
export function deliverUpdates(scope: CommandScope, allowExpunge: boolean): Promise<void> | undefined {
  const view = scope.deps.session.view;
  if (!view) return undefined;
  if (view.delivering === null) {
    const text = pendingUpdates(scope, view, allowExpunge);
    if (typeof text === 'string') {
      if (text) scope.out.write(text);
      return undefined;
    }
    return followOutput(scope, view, text);
  }
  return followOutput(
    scope,
    view,
    view.delivering.then(() => (scope.deps.session.view === view ? pendingUpdates(scope, view, allowExpunge) : '')),
  );
}

/** Writes `text` in the place in the output reserved now, and makes it the view's delivery in progress. */
function followOutput(scope: CommandScope, view: SessionView, text: Promise<string>): Promise<void> {
  const fill = scope.out.reserve();
  const delivery = text.then(fill, (err: unknown) => {
    fill('');
    // A mailbox deleted meanwhile is no failure here: its `mailbox.deleted` ends the session.
    if (!(err instanceof ImapError && err.disconnect)) scope.deps.logger.error({ err }, 'delivering mailbox updates failed');
  });
  view.delivering = delivery;
  void delivery.finally(() => {
    if (view.delivering === delivery) view.delivering = null;
  });
  return delivery;
}

function pendingUpdates(scope: CommandScope, view: SessionView, allowExpunge: boolean): string | Promise<string> {
  const { store, registry } = scope.deps.mail;
  // The selected mailbox was deleted (or renamed away with INBOX semantics) by another
  // session: its messages can no longer be addressed, so the session ends (STYLE §10). The
  // machine says BYE: as this command's failure here, as a `mailbox.deleted` event in IDLE.
  if (!store.getMailboxById(view.mailboxId)) throw selectedMailboxDeleted();
  view.pull(store);
  // RFC 3501 §2.3.2: a new message is \Recent for exactly one session, the first to learn of it.
  if (!view.hasPendingNew || view.readOnly) return view.flush(store, allowExpunge, null);
  const claim = registry.claimRecent(view.mailboxId, view.pendingLastUid);
  if (!(claim instanceof Promise)) return view.flush(store, allowExpunge, claim);
  // Flushed after the claim is stored; changes committed meanwhile wait for the next delivery.
  return claim.then((claimed) => (scope.deps.session.view === view ? view.flush(store, allowExpunge, claimed) : ''));
}
