// The one gate between a parsed command and its execution: is this command valid in this
// state, on this connection, now? The states come from the command registry
// (src/protocol/commands.ts); the rules here are what a state set cannot say. A refused command
// is answered and the session goes on.

import type { ParsedCommand } from '../../src/protocol/args.js';
import { COMMANDS, type SessionState } from '../../src/protocol/commands.js';
import { bad, type ImapError } from '../../src/errors.js';

export type { SessionState };

export interface AdmissionContext {
  secure: boolean;
  tlsAvailable: boolean;
}

/** Why a command is not valid in `state`, in the words of its RFC. */
function wrongState(name: ParsedCommand['name'], state: SessionState, states: readonly SessionState[]): ImapError {
  if (states.length === 1 && states[0] === 'notAuthenticated') return bad('Already authenticated');
  if (state === 'notAuthenticated') return bad(`${name} is not valid before authentication`);
  // RFC 5161 §3.1: ENABLE is valid only before a mailbox is selected.
  if (state === 'selected') return bad(`${name} is not valid with a mailbox selected`);
  return bad(`${name} requires a selected mailbox`);
}

/**
 * The refusal of `cmd` in `state`, or null when it may run. Computed once per request: the
 * machine's guard asks, and the action that answers a refused command reads the same result.
 */
export function admit(state: SessionState, cmd: ParsedCommand, ctx: AdmissionContext): ImapError | null {
  const cached = decided.get(cmd);
  if (cached !== undefined && cached.state === state) return cached.refusal;
  const refusal = decide(state, cmd, ctx);
  decided.set(cmd, { state, refusal });
  return refusal;
}

const decided = new WeakMap<ParsedCommand, { state: SessionState; refusal: ImapError | null }>();

function decide(state: SessionState, cmd: ParsedCommand, ctx: AdmissionContext): ImapError | null {
  const { states } = COMMANDS[cmd.name];
  if (!states.includes(state)) return wrongState(cmd.name, state, states);
  if (cmd.name === 'STARTTLS') {
    if (ctx.secure) return bad('TLS is already active');
    if (!ctx.tlsAvailable) return bad('STARTTLS is not available on this port');
  }
  return null;
}
