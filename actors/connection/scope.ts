// Builds what invoked work needs from the machine's context: the session snapshot handed to
// command handlers, and the credentials handed to the authenticator.

import type { AnyActorRef } from 'xstate';
import type { ConnectionContext, ConnectionEvent, Credentials } from './types.js';
import type { SessionState } from './admission.js';
import type { RunCommandInput, VerifyInput } from './actors.js';
import type { SessionInfo } from './commands/types.js';
import { depsOf } from './deps.js';
import { decodeSaslResponse, parsePlain } from './sasl.js';

export function sessionInfo(context: ConnectionContext, state: SessionState): SessionInfo {
  return {
    cid: context.cid,
    state,
    user: context.user,
    secure: context.secure,
    tlsAvailable: context.tlsAvailable,
    insecureAuth: context.insecureAuth,
    saslLogin: context.saslLogin,
    enabled: context.enabled,
    appendLimit: context.appendLimit,
  };
}

export function buildScope(context: ConnectionContext, event: ConnectionEvent, self: AnyActorRef, state: SessionState): RunCommandInput {
  if (event.type !== 'socket.request') throw new Error(`runCommand entered on ${event.type}`);
  const deps = depsOf(self);
  return { command: event.command, scope: { session: sessionInfo(context, state), out: deps.io, deps } };
}

/**
 * The credentials carried by the event that started authentication: a LOGIN command, an
 * AUTHENTICATE with an initial response, or the last line of a SASL exchange. Guards have
 * already rejected malformed input, so decoding here cannot fail on valid paths; if it does,
 * empty credentials simply fail to authenticate.
 */
export function credentialsFromEvent(context: ConnectionContext, event: ConnectionEvent, self: AnyActorRef): VerifyInput {
  const deps = depsOf(self);
  const none: Credentials = { username: '', password: '', authzid: '' };
  let credentials = none;
  if (event.type === 'socket.request' && event.command.name === 'LOGIN') {
    credentials = { username: event.command.username, password: event.command.password, authzid: '' };
  } else if (event.type === 'socket.request' && event.command.name === 'AUTHENTICATE' && event.command.initialResponse !== null) {
    const decoded = decodeSaslResponse(event.command.initialResponse);
    credentials = (decoded && parsePlain(decoded)) ?? none;
  } else if (event.type === 'socket.line' && context.sasl) {
    const decoded = decodeSaslResponse(event.line.trim());
    if (context.sasl.mechanism === 'PLAIN') {
      credentials = (decoded && parsePlain(decoded)) ?? none;
    } else {
      credentials = { username: context.sasl.username ?? '', password: decoded?.toString('utf8') ?? '', authzid: '' };
    }
  }
  return { credentials, deps };
}
