// The work a connection invokes: running a command handler, checking credentials.
// Both are plain promises wrapped as actors, so leaving the state cancels nothing by
// accident and a rejection becomes an onError transition instead of killing the actor.

import { fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import type { ParsedCommand } from '../../src/protocol/args.js';
import type { AuthResult } from '../../src/auth/authenticator.js';
import type { Account } from '../../src/storage/types.js';
import { normalizeUsername } from '../../src/auth/normalize.js';
import { runHandler } from './commands/index.js';
import type { CommandScope, Completion } from './commands/types.js';
import { depsOf, type ConnectionDeps } from './deps.js';
import { defaultMailboxesFor } from '../../src/storage/default-mailboxes.js';
import type { Credentials } from './types.js';

export interface RunCommandInput {
  command: ParsedCommand;
  scope: CommandScope;
}

export const runCommand = fromPromise<Completion, RunCommandInput>(({ input }) => runHandler(input.command, input.scope));

export interface VerifyInput {
  credentials: Credentials;
  deps: ConnectionDeps;
}

/** The check's result: on success with the account (the machine installs it) and its APPENDLIMIT. */
export type VerifyOutput = AuthResult & { attempted: string; appendLimit?: number; account?: Account };

export const verifyCredentials = fromPromise<VerifyOutput, VerifyInput>(async ({ input }) => {
  const { username, password, authzid } = input.credentials;
  // RFC 4616 §2: an authorization identity other than the user itself would mean acting
  // as someone else, which no Gannet account may do.
  if (authzid !== '' && safeNormalize(authzid) !== safeNormalize(username)) {
    return { ok: false, reason: 'bad-credentials', attempted: username };
  }
  const result = await input.deps.authenticator.authenticate(username, password);
  if (!result.ok) return { ...result, attempted: username };
  const account = await openAccount(input.deps, result.username);
  return { ...result, attempted: username, account, appendLimit: account.appendLimit ?? input.deps.mail.config.appendLimit };
});

function safeNormalize(name: string): string | null {
  const check = normalizeUsername(name);
  return check.ok ? check.username : null;
}

/**
 * The account's mail store entry, created on first login with INBOX and the configured
 * special-use mailboxes (the same set `gannet imap-acct create` makes).
 */
async function openAccount(deps: ConnectionDeps, username: string): Promise<Account> {
  const { store, config } = deps.mail;
  let account = store.getAccount(username);
  if (!account) {
    try {
      account = await store.createAccount(username, defaultMailboxesFor(config, true));
      deps.logger.info({ user: username }, 'account created on first login');
    } catch (err) {
      // Two first logins at once: the other one created it.
      account = store.getAccount(username);
      if (!account) throw err;
    }
  }
  return account;
}

/**
 * While selected: turns the registry's change notices for the mailbox into events. The input
 * is plain data on purpose: it is part of the snapshot a hibernating connection keeps, and a
 * reference to the connection actor there would keep the whole stopped actor alive (the
 * dependencies are found through the parent, which is the live actor after a wake-up too).
 */
export const mailboxSubscription = fromCallback<
  { type: 'none' },
  { mailboxId: number },
  { type: 'mailbox.changed' } | { type: 'mailbox.deleted' }
>(({ input, self, sendBack }) => {
  const parent = (self as AnyActorRef)._parent;
  if (!parent) throw new Error('mailboxSubscription runs only as a child of a connection actor');
  const { registry, store } = depsOf(parent).mail;
  return registry.subscribe(input.mailboxId, () =>
    sendBack(store.getMailboxById(input.mailboxId) ? { type: 'mailbox.changed' } : { type: 'mailbox.deleted' }),
  );
});
