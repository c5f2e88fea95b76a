// The connection machine's side-effecting actions: writing replies, steering the socket
// bridge, logging. Context updates (assign) are declared in machine.ts next to setup().

import type { AnyActorRef } from 'xstate';
import type { ConnectionContext, ConnectionEvent } from './types.js';
import { depsOf } from './deps.js';
import { admit } from './admission.js';
import { sessionState } from './guards.js';
import { carriesMessage, literalLimit } from './literal-limit.js';
import { statusLine } from './reply.js';
import { capabilityList } from './commands/capability.js';
import { sessionInfo } from './scope.js';
import { ImapError, toFailureReply } from '../../src/errors.js';
import { LOGIN_PASSWORD_PROMPT, LOGIN_USERNAME_PROMPT, decodeSaslResponse } from './sasl.js';
import type { Completion } from './commands/types.js';
import type { VerifyOutput } from './actors.js';
import { deliverUpdates } from './commands/mail-common.js';

interface ActionArgs {
  context: ConnectionContext;
  event: ConnectionEvent;
  self: AnyActorRef;
}

// What an invoked actor's done or error event carries reaches actions as params, computed in
// machine.ts where xstate types the event (`({ event }) => event.output`): no casts here.

/** A command's completion (runCommand's output). */
export interface CompletionParams {
  completion: Completion;
}

/** A failure (an invoked actor's error). */
export interface FailureParams {
  error: unknown;
}

function write({ self }: ActionArgs, data: string): void {
  depsOf(self).io.write(data);
}

function tagOf(context: ConnectionContext): string | null {
  return context.command?.tag ?? null;
}

function commandTag(event: ConnectionEvent): string | null {
  return event.type === 'socket.request' ? event.command.tag : null;
}

/** Logs the end of a command, one line each at debug level (STYLE §13). */
function logCommand(args: ActionArgs, status: string, code?: string): void {
  const { context, self } = args;
  const cmd = context.command;
  if (!cmd) return;
  depsOf(self).logger.debug({ tag: cmd.tag, cmd: cmd.name, status, code, ms: Date.now() - cmd.started }, 'command');
}

export const actions = {
  awaitCommand: ({ self }: ActionArgs) => depsOf(self).io.ready('command'),

  awaitLine: ({ self }: ActionArgs) => depsOf(self).io.ready('line'),

  /** Logged in: from now on the requests queue with the sessions in progress (request-scheduler.ts). */
  queueAsSession: ({ self }: ActionArgs) => {
    depsOf(self).io.priority = 'session';
  },

  armTimeout: ({ self }: ActionArgs, params: { phase: 'preauth' | 'authenticated' }) =>
    depsOf(self).io.setTimeout(params.phase === 'preauth' ? depsOf(self).timeouts.preauthMs : depsOf(self).timeouts.autologoutMs),

  acceptLiteral: ({ self, event }: ActionArgs) => {
    if (event.type === 'socket.literal') depsOf(self).io.acceptLiteral(event.sync);
  },

  rejectLiteral: ({ self, context, event }: ActionArgs) => {
    if (event.type !== 'socket.literal') return;
    const limit = literalLimit(context, event.name);
    const text =
      event.size <= limit
        ? 'Command literals exceed the size limit of one request'
        : carriesMessage(event.name) && context.user !== null
          ? `Message of ${event.size} bytes exceeds the limit of ${limit} bytes`
          : `Literal of ${event.size} bytes exceeds the limit of ${limit} bytes`;
    depsOf(self).io.rejectLiteral(event.tag, text);
  },

  replyInvalid: (args: ActionArgs) => {
    const { event } = args;
    if (event.type !== 'socket.invalid') return;
    write(args, event.tooBig ? statusLine(event.tag, 'NO', event.text, { code: 'TOOBIG' }) : statusLine(event.tag, 'BAD', event.text));
  },

  rejectCommand: (args: ActionArgs) => {
    const { context, event } = args;
    if (event.type !== 'socket.request') return;
    const err = admit(sessionState(context), event.command, context);
    if (err) write(args, statusLine(event.command.tag, err.status, err.message, err.code));
  },

  beginTls: (args: ActionArgs) => {
    const deps = depsOf(args.self);
    write(args, statusLine(commandTag(args.event), 'OK', 'Begin TLS negotiation now'));
    // admission guarantees TLS is configured when STARTTLS gets here
    deps.io.startTls(deps.tls!.context);
  },

  /** LOGOUT (RFC 9051 §6.1.3): the untagged BYE, then the tagged OK, then close. */
  sayGoodbye: (args: ActionArgs) => {
    write(args, statusLine(null, 'BYE', 'Gannet logging out'));
    write(args, statusLine(commandTag(args.event), 'OK', 'LOGOUT completed'));
  },

  sayBye: (args: ActionArgs, params: { text: string }) => {
    depsOf(args.self).logger.info({ reason: params.text }, 'closing connection');
    write(args, statusLine(null, 'BYE', params.text));
  },

  sayShutdown: (args: ActionArgs) => write(args, statusLine(null, 'BYE', 'Server shutting down')),

  replyPrivacyRequired: (args: ActionArgs) =>
    write(args, statusLine(commandTag(args.event), 'NO', 'Authentication requires TLS; use STARTTLS first', { code: 'PRIVACYREQUIRED' })),

  replyUnsupportedMechanism: (args: ActionArgs) =>
    write(args, statusLine(commandTag(args.event), 'NO', 'Unsupported authentication mechanism')),

  sendSaslChallenge: (args: ActionArgs) => {
    const { event } = args;
    if (event.type !== 'socket.request' || event.command.name !== 'AUTHENTICATE') return;
    // PLAIN: an empty challenge (RFC 4616 §2); LOGIN: the user-name prompt, or the password
    // prompt when the user name came as the initial response.
    const cmd = event.command;
    if (cmd.mechanism !== 'LOGIN') write(args, '+ \r\n');
    else write(args, `+ ${cmd.initialResponse === null ? LOGIN_USERNAME_PROMPT : LOGIN_PASSWORD_PROMPT}\r\n`);
  },

  sendPasswordPrompt: (args: ActionArgs) => write(args, `+ ${LOGIN_PASSWORD_PROMPT}\r\n`),

  replySaslCancelled: (args: ActionArgs) => write(args, statusLine(tagOf(args.context), 'BAD', 'Authentication cancelled')),

  replySaslInvalid: (args: ActionArgs) => {
    const { event } = args;
    const tag = tagOf(args.context) ?? commandTag(event);
    write(args, statusLine(tag, 'BAD', event.type === 'socket.invalid' ? event.text : 'Invalid SASL response'));
  },

  /** The account of a login: the session's, from now on (its mailboxes are opened through it). */
  installAccount: ({ self }: ActionArgs, params: VerifyOutput) => {
    depsOf(self).session.account = params.account ?? null;
  },

  replyLoggedIn: (args: ActionArgs, params: VerifyOutput) => {
    const { context, self } = args;
    const user = params.ok ? params.username : null;
    const deps = depsOf(self);
    // From here on every record of this connection names the account.
    if (user !== null) deps.logger.bind({ user });
    deps.logger.info('authenticated');
    const appendLimit = params.appendLimit ?? context.appendLimit;
    const caps = capabilityList({ ...sessionInfo(context, 'authenticated'), user, appendLimit });
    write(args, statusLine(tagOf(context), 'OK', 'Logged in', { code: 'CAPABILITY', capabilities: caps }));
    logCommand(args, 'OK');
  },

  /** One line per failed login, with the attempted name, for fail2ban-style tools. */
  logAuthFailure: ({ self }: ActionArgs, params: VerifyOutput) => {
    depsOf(self).logger.info({ user: params.attempted }, 'authentication failed');
  },

  replyAuthFailed: (args: ActionArgs) => {
    write(args, statusLine(tagOf(args.context), 'NO', 'Authentication failed', { code: 'AUTHENTICATIONFAILED' }));
    logCommand(args, 'NO', 'AUTHENTICATIONFAILED');
  },

  replyAuthUnavailable: (args: ActionArgs, params: FailureParams) => {
    depsOf(args.self).logger.error({ err: params.error }, 'authentication back-end failed');
    write(args, statusLine(tagOf(args.context), 'NO', 'Authentication is temporarily unavailable', { code: 'UNAVAILABLE' }));
    logCommand(args, 'NO', 'UNAVAILABLE');
  },

  replyDone: (args: ActionArgs, params: CompletionParams) => {
    const { context } = args;
    const out = params.completion;
    const name = context.command?.name ?? '';
    write(args, statusLine(tagOf(context), 'OK', out.text ?? `${name} completed`, out.code));
    logCommand(args, 'OK');
  },

  replyFailed: (args: ActionArgs, params: FailureParams) => {
    const { context, self } = args;
    const reply = toFailureReply(params.error);
    if (reply.serverBug) {
      depsOf(self).logger.error({ err: params.error, tag: context.command?.tag, cmd: context.command?.name }, 'command failed');
    }
    write(args, statusLine(tagOf(context), reply.status, reply.text, reply.code));
    logCommand(args, reply.status, reply.code?.code);
  },

  /**
   * A failure after which the session cannot go on truthfully (its outcome is unknown): BYE
   * with the reason instead of a tagged NO (RFC 3501 §7.1.5), then the connection closes.
   */
  replyFailedBye: (args: ActionArgs, params: FailureParams) => {
    const { context, self } = args;
    const reply = toFailureReply(params.error);
    depsOf(self).logger.warn(
      { err: params.error, tag: context.command?.tag, cmd: context.command?.name },
      'command failed; ending the session',
    );
    write(args, statusLine(null, 'BYE', reply.text, reply.code));
    logCommand(args, 'BYE', reply.code?.code);
  },

  /** SELECT or EXAMINE succeeded: its view is the session's selected mailbox now. */
  installView: ({ self }: ActionArgs, params: CompletionParams) => {
    depsOf(self).session.view = params.completion.selected?.view ?? null;
  },

  /** The session has no mailbox selected any more (CLOSE, UNSELECT, a failed SELECT). */
  dropView: ({ self }: ActionArgs) => {
    depsOf(self).session.view = null;
  },

  closeConnection: ({ self }: ActionArgs) => {
    const deps = depsOf(self);
    deps.io.close();
    deps.onFinished();
  },

  releaseConnection: ({ self }: ActionArgs) => depsOf(self).onFinished(),

  /** IDLE accepted (RFC 2177): the continuation, then whatever is already pending. */
  startIdle: (args: ActionArgs) => {
    write(args, '+ idling\r\n');
    actions.pushUpdates(args);
  },

  /** Writes the selected mailbox's changes now, in order with any still being written. */
  pushUpdates: ({ context, self }: ActionArgs) => {
    const deps = depsOf(self);
    if (!deps.session.view) return;
    const scope = { session: sessionInfo(context, sessionState(context)), out: deps.io, deps };
    try {
      // May finish later (a \Recent claim being stored); its output keeps its place meanwhile.
      void deliverUpdates(scope, true);
    } catch (err) {
      // A mailbox deleted meanwhile: its `mailbox.deleted` event ends the session.
      if (err instanceof ImapError && err.disconnect) return;
      deps.logger.error({ err }, 'delivering mailbox updates failed');
    }
  },

  replyIdleDone: (args: ActionArgs) => {
    write(args, statusLine(tagOf(args.context), 'OK', 'IDLE terminated'));
    logCommand(args, 'OK');
  },

  replyIdleNotDone: (args: ActionArgs) => {
    const { event } = args;
    write(args, statusLine(tagOf(args.context), 'BAD', event.type === 'socket.invalid' ? event.text : 'Expected DONE to end IDLE'));
    logCommand(args, 'BAD');
  },
};

/** The user name of a LOGIN-mechanism first step, decoded (validity was checked by a guard). */
export function decodeLoginUsername(line: string): string {
  return (decodeSaslResponse(line.trim()) ?? Buffer.alloc(0)).toString('utf8');
}
