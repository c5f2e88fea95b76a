// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 3501 §6.3.3-7).

import { no, storageToImap } from '../../../src/errors.js';
import { accountOf } from './mail-common.js';
import type { CommandHandler } from './types.js';

/** RFC 3501 §6.3.3: a trailing hierarchy delimiter only says the name will have children. */
function stripTrailingDelimiter(name: string): string {
  return name.length > 1 && name.endsWith('/') ? name.slice(0, -1) : name;
}

export const handleCreate: CommandHandler<'CREATE'> = async (cmd, scope) => {
  const name = stripTrailingDelimiter(cmd.mailbox);
  if (name === 'INBOX') throw no({ code: 'ALREADYEXISTS' }, 'INBOX always exists');
  try {
    await scope.deps.mail.store.createMailbox(accountOf(scope).id, name);
  } catch (err) {
    throw storageToImap(err);
  }
  return {};
};

export const handleDelete: CommandHandler<'DELETE'> = async (cmd, scope) => {
  const account = accountOf(scope);
  const mb = scope.deps.mail.store.getMailbox(account.id, cmd.mailbox);
  if (!mb) throw no({ code: 'NONEXISTENT' }, `Mailbox does not exist: ${cmd.mailbox}`);
  try {
    await scope.deps.mail.store.deleteMailbox(account.id, cmd.mailbox);
  } catch (err) {
    throw storageToImap(err);
  }
  return {};
};

export const handleRename: CommandHandler<'RENAME'> = async (cmd, scope) => {
  const account = accountOf(scope);
  const store = scope.deps.mail.store;
  if (!store.getMailbox(account.id, cmd.from)) throw no({ code: 'NONEXISTENT' }, `Mailbox does not exist: ${cmd.from}`);
  const to = stripTrailingDelimiter(cmd.to);
  if (to === 'INBOX' || store.getMailbox(account.id, to)) throw no({ code: 'ALREADYEXISTS' }, `Mailbox already exists: ${to}`);
  try {
    await store.renameMailbox(account.id, cmd.from, to);
  } catch (err) {
    throw storageToImap(err);
  }
  return {};
};

export const handleSubscribe: CommandHandler<'SUBSCRIBE' | 'UNSUBSCRIBE'> = async (cmd, scope) => {
  try {
    await scope.deps.mail.store.setSubscribed(accountOf(scope).id, cmd.mailbox, cmd.name === 'SUBSCRIBE');
  } catch (err) {
    throw storageToImap(err);
  }
  return {};
};
