// The one gate between a parsed command and its execution: is this command valid in this
// state, on this connection, now? (RFC 9051 §3 and §6: each command lists the states it is
// valid in.) A refused command is answered and the session goes on.

import type { ParsedCommand } from '../../src/protocol/args.js';
import { bad, type ImapError } from '../../src/errors.js';

export type SessionState = 'notAuthenticated' | 'authenticated' | 'selected';

type CommandName = ParsedCommand['name'];

/** Commands valid in any state (RFC 9051 §6.1). */
const ANY_STATE = new Set<CommandName>(['CAPABILITY', 'NOOP', 'LOGOUT', 'ID']);

/** Commands valid only before authentication (RFC 9051 §6.2). */
const NOT_AUTHENTICATED = new Set<CommandName>(['STARTTLS', 'LOGIN', 'AUTHENTICATE']);

/** Commands valid once authenticated, selected or not (RFC 9051 §6.3, RFC 5161, RFC 2342). */
const AUTHENTICATED = new Set<CommandName>([
  'ENABLE', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE',
  'LIST', 'LSUB', 'STATUS', 'APPEND', 'NAMESPACE', 'IDLE',
]);

/** Commands valid only with a mailbox selected (RFC 9051 §6.4, RFC 3691, RFC 6851). */
const SELECTED = new Set<CommandName>([
  'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE', 'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE',
]);

export interface AdmissionContext {
  secure: boolean;
  tlsAvailable: boolean;
}

/** Returns the refusal for `cmd` in `state`, or null when it may run. */
export function admit(state: SessionState, cmd: ParsedCommand, ctx: AdmissionContext): ImapError | null {
  const name = cmd.name;
  if (ANY_STATE.has(name)) return null;
  if (NOT_AUTHENTICATED.has(name)) {
    if (state !== 'notAuthenticated') return bad('Already authenticated');
    if (name === 'STARTTLS') {
      if (ctx.secure) return bad('TLS is already active');
      if (!ctx.tlsAvailable) return bad('STARTTLS is not available on this port');
    }
    return null;
  }
  if (state === 'notAuthenticated') return bad(`${name} is not valid before authentication`);
  // RFC 5161 §3.1: ENABLE is valid only before a mailbox is selected.
  if (name === 'ENABLE' && state === 'selected') return bad('ENABLE is not valid with a mailbox selected');
  if (AUTHENTICATED.has(name)) return null;
  if (SELECTED.has(name)) {
    if (state !== 'selected') return bad(`${name} requires a selected mailbox`);
    return null;
  }
  return bad(`${name} is not supported`);
}
