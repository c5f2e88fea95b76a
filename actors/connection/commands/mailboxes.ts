// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 3501 §6.3.3-7).

import { no } from '../../../src/errors.js';
import { nameText, type MailboxName } from '../../../src/protocol/mailbox-name.js';
import { mailboxObjectId } from '../../../src/protocol/encode/object-id.js';
import { accountOf, findMailbox } from './mail-common.js';
import type { CommandHandler } from './types.js';

/**
 * The name CREATE or RENAME is to give a mailbox. A trailing hierarchy delimiter only says
 * the name will have children (RFC 3501 §6.3.3). A name that is not valid modified UTF-7
 * could never be listed as sent (RFC 3501 §5.1.3), so it is refused (RFC 5530 §3 CANNOT).
 */
function newName(name: MailboxName): string {
  if (typeof name !== 'string') throw no({ code: 'CANNOT' }, `Mailbox name is not valid modified UTF-7: ${name.undecodable}`);
  return name.length > 1 && name.endsWith('/') ? name.slice(0, -1) : name;
}

const nonexistent = (name: MailboxName) => no({ code: 'NONEXISTENT' }, `Mailbox does not exist: ${nameText(name)}`);

export const handleCreate: CommandHandler<'CREATE'> = async (cmd, scope) => {
  const name = newName(cmd.mailbox);
  if (name === 'INBOX') throw no({ code: 'ALREADYEXISTS' }, 'INBOX always exists');
  const created = await scope.deps.mail.store.createMailbox(accountOf(scope).id, name);
  // RFC 8474 §4.1: CREATE's OK names the new mailbox's MAILBOXID.
  return { code: { code: 'MAILBOXID', id: mailboxObjectId(created.uidValidity) }, text: 'CREATE completed' };
};

export const handleDelete: CommandHandler<'DELETE'> = async (cmd, scope) => {
  const mb = findMailbox(scope, cmd.mailbox);
  if (!mb) throw nonexistent(cmd.mailbox);
  await scope.deps.mail.store.deleteMailbox(accountOf(scope).id, mb.name);
  return {};
};

export const handleRename: CommandHandler<'RENAME'> = async (cmd, scope) => {
  const store = scope.deps.mail.store;
  const from = findMailbox(scope, cmd.from);
  if (!from) throw nonexistent(cmd.from);
  const to = newName(cmd.to);
  if (to === 'INBOX' || findMailbox(scope, to)) throw no({ code: 'ALREADYEXISTS' }, `Mailbox already exists: ${to}`);
  await store.renameMailbox(accountOf(scope).id, from.name, to);
  return {};
};

export const handleSubscribe: CommandHandler<'SUBSCRIBE' | 'UNSUBSCRIBE'> = async (cmd, scope) => {
  // No mailbox has an undecodable name, nor can one be listed by it (RFC 3501 §6.3.6).
  if (typeof cmd.mailbox !== 'string') throw nonexistent(cmd.mailbox);
  await scope.deps.mail.store.setSubscribed(accountOf(scope).id, cmd.mailbox, cmd.name === 'SUBSCRIBE');
  return {};
};
