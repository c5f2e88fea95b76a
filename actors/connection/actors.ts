// The work a connection invokes: running a command handler, checking credentials.
// Both are plain promises wrapped as actors, so leaving the state cancels nothing by
// accident and a rejection becomes an onError transition instead of killing the actor.

import { fromPromise } from 'xstate';
import type { ParsedCommand } from '../../src/protocol/args.js';
import type { AuthResult } from '../../src/auth/authenticator.js';
import { normalizeUsername } from '../../src/auth/normalize.js';
import { runHandler } from './commands/index.js';
import type { CommandScope, Completion } from './commands/types.js';
import type { ConnectionDeps } from './deps.js';
import type { Credentials } from './types.js';

export interface RunCommandInput {
  command: ParsedCommand;
  scope: CommandScope;
}

export const runCommand = fromPromise<Completion, RunCommandInput>(({ input }) =>
  runHandler(input.command, input.scope),
);

export interface VerifyInput {
  credentials: Credentials;
  deps: ConnectionDeps;
}

export type VerifyOutput = AuthResult & { attempted: string };

export const verifyCredentials = fromPromise<VerifyOutput, VerifyInput>(async ({ input }) => {
  const { username, password, authzid } = input.credentials;
  // RFC 4616 §2: an authorization identity other than the user itself would mean acting
  // as someone else, which no Gannet account may do.
  if (authzid !== '' && safeNormalize(authzid) !== safeNormalize(username)) {
    return { ok: false, reason: 'bad-credentials', attempted: username };
  }
  const result = await input.deps.authenticator.authenticate(username, password);
  return { ...result, attempted: username };
});

function safeNormalize(name: string): string | null {
  const check = normalizeUsername(name);
  return check.ok ? check.username : null;
}
