// The connection machine's guards: pure predicates over context and event.

import type { ConnectionContext, ConnectionEvent } from './types.js';
import type { ParsedCommand } from '../../src/protocol/args.js';
import { admit, type SessionState } from './admission.js';
import { passwordAuthAllowed } from '../../src/server/capabilities.js';
import { MAX_AUTH_FAILURES, MAX_BAD_COMMANDS, MAX_BAD_COMMANDS_PREAUTH, MAX_DISCARDED_LITERAL_BYTES } from '../../src/server/limits.js';
import { ImapError } from '../../src/errors.js';
import { literalFits } from './literal-limit.js';
import type { CompletionParams, FailureParams } from './actions.js';
import { decodeSaslResponse, parsePlain } from './sasl.js';

interface GuardArgs {
  context: ConnectionContext;
  event: ConnectionEvent;
}

/** The IMAP state a context is in, for admission. */
export function sessionState(context: ConnectionContext): SessionState {
  if (context.user === null) return 'notAuthenticated';
  return context.mailbox === null ? 'authenticated' : 'selected';
}

function commandOf(event: ConnectionEvent): ParsedCommand | null {
  return event.type === 'socket.request' ? event.command : null;
}

/** AUTHENTICATE mechanisms offered on this connection (RFC 9051 §6.2.2). */
function mechanismOffered(context: ConnectionContext, mechanism: string): boolean {
  return mechanism === 'PLAIN' || (mechanism === 'LOGIN' && context.saslLogin);
}

/** A SASL response that does not decode, or a PLAIN message that is malformed. */
function saslInvalid(context: ConnectionContext, text: string): boolean {
  const decoded = decodeSaslResponse(text);
  if (decoded === null) return true;
  if (context.sasl?.mechanism === 'LOGIN') return decoded.length === 0;
  return parsePlain(decoded) === null;
}

export const guards = {
  shuttingDown: ({ context }: GuardArgs) => context.shuttingDown,

  isCommand: ({ event }: GuardArgs, params: { name: ParsedCommand['name'] }) => commandOf(event)?.name === params.name,

  notAdmitted: ({ context, event }: GuardArgs) => {
    const cmd = commandOf(event);
    return cmd !== null && admit(sessionState(context), cmd, context) !== null;
  },

  tooManyBad: ({ context, event }: GuardArgs) => {
    if (event.type === 'socket.invalid' && event.tooBig) return false;
    const max = context.user === null ? MAX_BAD_COMMANDS_PREAUTH : MAX_BAD_COMMANDS;
    return context.badCommands + 1 >= max;
  },

  literalAcceptable: ({ context, event }: GuardArgs) => event.type === 'socket.literal' && literalFits(context, event),

  literalUnreasonable: ({ event }: GuardArgs) => event.type === 'socket.literal' && !event.sync && event.size > MAX_DISCARDED_LITERAL_BYTES,

  passwordAuthRefused: ({ context, event }: GuardArgs) => {
    const name = commandOf(event)?.name;
    return (name === 'LOGIN' || name === 'AUTHENTICATE') && !passwordAuthAllowed(context);
  },

  unsupportedMechanism: ({ context, event }: GuardArgs) => {
    const cmd = commandOf(event);
    return cmd?.name === 'AUTHENTICATE' && !mechanismOffered(context, cmd.mechanism);
  },

  /** AUTHENTICATE PLAIN with a SASL-IR initial response (RFC 4959) that can be checked right away. */
  hasInitialResponse: ({ event }: GuardArgs) => {
    const cmd = commandOf(event);
    return cmd?.name === 'AUTHENTICATE' && cmd.mechanism === 'PLAIN' && cmd.initialResponse !== null;
  },

  initialResponseInvalid: ({ context, event }: GuardArgs) => {
    const cmd = commandOf(event);
    if (cmd?.name !== 'AUTHENTICATE' || cmd.initialResponse === null) return false;
    return saslInvalid(
      { ...context, sasl: { mechanism: cmd.mechanism === 'LOGIN' ? 'LOGIN' : 'PLAIN', username: null } },
      cmd.initialResponse,
    );
  },

  /** RFC 9051 §6.2.2: a response of "*" cancels the exchange. */
  saslCancelled: ({ event }: GuardArgs) => event.type === 'socket.line' && event.line.trim() === '*',

  saslResponseInvalid: ({ context, event }: GuardArgs) => event.type === 'socket.line' && saslInvalid(context, event.line.trim()),

  saslNeedsPassword: ({ context }: GuardArgs) => context.sasl?.mechanism === 'LOGIN' && context.sasl.username === null,

  // Guards over an invoked actor's result take it as params (machine.ts computes them from the
  // typed done or error event).
  credentialsValid: (_: GuardArgs, params: { ok: boolean }) => params.ok,

  tooManyAuthFailures: ({ context }: GuardArgs) => context.authFailures >= MAX_AUTH_FAILURES,

  enteredMailbox: (_: GuardArgs, params: CompletionParams) => params.completion.selected !== undefined,

  leftMailbox: (_: GuardArgs, params: CompletionParams) => params.completion.deselected === true,

  /** The command failed in a way that ends the session (an ImapError with `disconnect`). */
  failureEndsSession: (_: GuardArgs, params: FailureParams) => params.error instanceof ImapError && params.error.disconnect,

  selectFailed: ({ context }: GuardArgs) => context.command?.name === 'SELECT' || context.command?.name === 'EXAMINE',

  /** RFC 2177: the client ends IDLE with "DONE" (case-insensitive, like all atoms). */
  lineIsDone: ({ event }: GuardArgs) => event.type === 'socket.line' && event.line.trim().toUpperCase() === 'DONE',
};
