// The IMAP connection state machine (RFC 9051 §3: not authenticated → authenticated →
// selected → logout). Every state change of a session happens here and nowhere else; the
// command handlers are plain functions it invokes, the socket is a bridge it sends orders to.
//
// Input is pulled: each `ready` state asks the bridge for the next request on entry, so a
// pipelining client's commands run one after the other in order, and events can never
// arrive in a state that would drop them.

import { assign, setup } from 'xstate';
import type { ConnectionContext, ConnectionEvent, ConnectionInput } from './types.js';
import { mailboxSubscription, runCommand, verifyCredentials } from './actors.js';
import { actions, decodeLoginUsername } from './actions.js';
import { depsOf } from './deps.js';
import { guards } from './guards.js';
import { buildScope, credentialsFromEvent } from './scope.js';
import type { CompletionParams, FailureParams } from './actions.js';
import type { VerifyOutput } from './actors.js';

/** An invoked actor's result as the params of the actions and guards of its transitions. */
const completion = ({ event }: { event: { output: CompletionParams['completion'] } }): CompletionParams => ({ completion: event.output });
const verified = ({ event }: { event: { output: VerifyOutput } }): VerifyOutput => event.output;
const failure = ({ event }: { event: { error: unknown } }): FailureParams => ({ error: event.error });

const connectionSetup = setup({
  // xstate reads only the types of these values: `{} as T` is how its setup() is told them.
  /* eslint-disable @typescript-eslint/consistent-type-assertions -- type-only values for xstate's setup() */
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
  },
  /* eslint-enable @typescript-eslint/consistent-type-assertions */
  actors: { runCommand, verifyCredentials, mailboxSubscription },
  guards,
  actions: {
    ...actions,
    beginCommand: assign({
      command: ({ event }) =>
        event.type === 'socket.request' ? { tag: event.command.tag, name: event.command.name, started: Date.now() } : null,
    }),
    endCommand: assign({ command: null }),
    countBad: assign({ badCommands: ({ context }) => context.badCommands + 1 }),
    countBadUnlessTooBig: assign({
      badCommands: ({ context, event }) =>
        event.type === 'socket.invalid' && event.tooBig ? context.badCommands : context.badCommands + 1,
    }),
    countAuthFailure: assign({ authFailures: ({ context }) => context.authFailures + 1 }),
    markSecure: assign({ secure: true, tlsAvailable: false }),
    markShuttingDown: assign({ shuttingDown: true }),
    recordEnabled: assign(({ context }, params: CompletionParams) => {
      const enabled = params.completion.enabled;
      return { enabled: enabled?.length ? [...context.enabled, ...enabled] : context.enabled };
    }),
    setUser: assign(({ context }, params: VerifyOutput) => ({
      user: params.ok ? params.username : null,
      appendLimit: params.appendLimit ?? context.appendLimit,
      sasl: null,
    })),
    startSasl: assign({
      sasl: ({ event }) =>
        event.type === 'socket.request' && event.command.name === 'AUTHENTICATE'
          ? event.command.mechanism === 'LOGIN'
            ? {
                mechanism: 'LOGIN' as const,
                // RFC 4959: with SASL-IR the LOGIN mechanism's first response is the user name.
                username: event.command.initialResponse === null ? null : decodeLoginUsername(event.command.initialResponse),
              }
            : { mechanism: 'PLAIN' as const, username: null }
          : null,
    }),
    saslUsername: assign({
      sasl: ({ context, event }) =>
        context.sasl && event.type === 'socket.line' ? { ...context.sasl, username: decodeLoginUsername(event.line) } : context.sasl,
    }),
    endSasl: assign({ sasl: null }),
    // The context keeps what the snapshot of a hibernating connection can hold; the view itself
    // is installed beside it (installView), by the machine too.
    recordSelected: assign((_, params: CompletionParams) => {
      const selected = params.completion.selected;
      return { mailbox: selected ? { mailboxId: selected.mailboxId, name: selected.name, readOnly: selected.readOnly } : null };
    }),
    clearSelected: assign({ mailbox: null }),
  },
  delays: {
    authFailureDelay: ({ self }) => depsOf(self).authFailureDelayMs,
  },
});

// How a command run ends, shared by the authenticated and the selected state's `running`.
/** SELECT or EXAMINE succeeded: the mailbox, its view, the tagged OK. */
const enterMailboxActions = [
  { type: 'recordSelected', params: completion },
  // SELECT (CONDSTORE) enables CONDSTORE for the rest of the session (RFC 7162 §3.1).
  { type: 'recordEnabled', params: completion },
  { type: 'installView', params: completion },
  { type: 'replyDone', params: completion },
  'endCommand',
] as const;
/** Any other success: the session stays in its state. */
const completedInPlace = {
  target: 'ready',
  actions: [{ type: 'recordEnabled', params: completion }, { type: 'replyDone', params: completion }, 'endCommand'],
} as const;
/** A failure whose outcome cannot be told to the client (ImapError `disconnect`): BYE, then logout. */
const failureEndingSession = {
  guard: { type: 'failureEndsSession', params: failure },
  target: '#conn.logout',
  actions: [{ type: 'replyFailedBye', params: failure }, 'endCommand'],
} as const;

/**
 * What every `ready` state does with a literal announcement and with unusable input: a
 * literal within its limit is accepted (`+` for a synchronising one, RFC 9051 §4.3); an
 * absurd LITERAL+ one ends the session; others are refused with TOOBIG; too many BADs end it.
 */
const literalAndErrorTransitions = connectionSetup.createStateConfig({
  on: {
    'socket.literal': [
      { guard: 'literalAcceptable', target: '.receivingLiteral', actions: 'acceptLiteral' },
      { guard: 'literalUnreasonable', target: '#conn.logout', actions: { type: 'sayBye', params: { text: 'Literal too large' } } },
      { actions: 'rejectLiteral' },
    ],
    'socket.invalid': [
      {
        guard: 'tooManyBad',
        target: '#conn.logout',
        actions: ['replyInvalid', { type: 'sayBye', params: { text: 'Too many invalid commands' } }],
      },
      { target: 'ready', reenter: true, actions: ['replyInvalid', 'countBadUnlessTooBig'] },
    ],
  },
}).on;

/**
 * What every `ready` state shares: it asks the bridge for the next command on entry, says BYE
 * once a shutdown is pending, and has `receivingLiteral` while the bridge reads a literal's
 * bytes (RFC 9051 §4.3); the request that literal completes is handled in `ready` itself.
 */
const readyBase = connectionSetup.createStateConfig({
  entry: 'awaitCommand',
  // `receivingLiteral`: the bridge is reading a literal's bytes (RFC 9051 §4.3); the
  // request it completes is handled here in `ready` like any other.
  initial: 'waiting',
  states: { waiting: {}, receivingLiteral: {} },
  always: { guard: 'shuttingDown', target: '#conn.logout', actions: 'sayShutdown' },
});

/** The ready state after login: wait for the next command; IDLE is valid here. */
const sessionReady = connectionSetup.createStateConfig({
  ...readyBase,
  on: {
    ...literalAndErrorTransitions,
    // While a command runs, its own delivery of updates finds the mailbox gone and fails.
    'mailbox.deleted': { target: '#conn.logout', actions: { type: 'sayBye', params: { text: 'Selected mailbox was deleted' } } },
    'socket.request': [
      { guard: 'notAdmitted', target: 'ready', reenter: true, actions: ['rejectCommand', 'countBad'] },
      { guard: { type: 'isCommand', params: { name: 'LOGOUT' } }, target: '#conn.logout', actions: 'sayGoodbye' },
      { guard: { type: 'isCommand', params: { name: 'IDLE' } }, target: 'idling', actions: 'beginCommand' },
      { target: 'running', actions: 'beginCommand' },
    ],
  },
});

/** IDLE (RFC 2177), in the authenticated and the selected state alike. */
const idling = connectionSetup.createStateConfig({
  // IDLE (RFC 2177): updates are written as they happen; DONE ends it. The client's
  // DONE renews the inactivity timer, so a client that re-issues IDLE stays connected.
  // Updates are written synchronously, so none can trail the tagged reply.
  entry: ['startIdle', 'awaitLine'],
  // RFC 2177 §3: the server may end an IDLE with BYE, as on shutdown.
  always: { guard: 'shuttingDown', target: '#conn.logout', actions: 'sayShutdown' },
  on: {
    'mailbox.changed': { actions: 'pushUpdates' },
    'mailbox.deleted': { target: '#conn.logout', actions: { type: 'sayBye', params: { text: 'Selected mailbox was deleted' } } },
    'socket.invalid': { target: 'ready', actions: ['replyIdleNotDone', 'endCommand', 'countBad'] },
    'socket.line': [
      { guard: 'lineIsDone', target: 'ready', actions: ['replyIdleDone', 'endCommand'] },
      { target: 'ready', actions: ['replyIdleNotDone', 'endCommand', 'countBad'] },
    ],
  },
});

export const connectionMachine = connectionSetup.createMachine({
  id: 'conn',
  context: ({ input }) => ({
    cid: input.cid,
    secure: input.secure,
    tlsAvailable: input.tlsAvailable && !input.secure,
    insecureAuth: input.insecureAuth,
    saslLogin: input.saslLogin,
    user: null,
    authFailures: 0,
    badCommands: 0,
    enabled: [],
    command: null,
    sasl: null,
    appendLimit: input.appendLimit,
    shuttingDown: false,
    mailbox: null,
  }),
  initial: 'notAuthenticated',
  on: {
    'socket.closed': '.closed',
    'socket.timeout': { target: '.logout', actions: { type: 'sayBye', params: { text: 'Autologout; idle for too long' } } },
    'server.shutdown': { actions: 'markShuttingDown' },
  },
  states: {
    notAuthenticated: {
      entry: { type: 'armTimeout', params: { phase: 'preauth' } },
      initial: 'ready',
      states: {
        ready: {
          ...readyBase,
          on: {
            ...literalAndErrorTransitions,
            'socket.request': [
              { guard: 'notAdmitted', target: 'ready', reenter: true, actions: ['rejectCommand', 'countBad'] },
              { guard: { type: 'isCommand', params: { name: 'STARTTLS' } }, target: 'tlsHandshake', actions: 'beginTls' },
              { guard: { type: 'isCommand', params: { name: 'LOGOUT' } }, target: '#conn.logout', actions: 'sayGoodbye' },
              { guard: 'passwordAuthRefused', target: 'ready', reenter: true, actions: 'replyPrivacyRequired' },
              { guard: { type: 'isCommand', params: { name: 'LOGIN' } }, target: 'authenticating', actions: 'beginCommand' },
              { guard: 'unsupportedMechanism', target: 'ready', reenter: true, actions: 'replyUnsupportedMechanism' },
              { guard: 'initialResponseInvalid', target: 'ready', reenter: true, actions: ['replySaslInvalid', 'countBad'] },
              { guard: 'hasInitialResponse', target: 'authenticating', actions: 'beginCommand' },
              {
                guard: { type: 'isCommand', params: { name: 'AUTHENTICATE' } },
                target: 'saslExchange',
                actions: ['beginCommand', 'startSasl', 'sendSaslChallenge'],
              },
              { target: 'running', actions: 'beginCommand' },
            ],
          },
        },
        running: {
          invoke: {
            id: 'command',
            src: 'runCommand',
            input: ({ context, event, self }) => buildScope(context, event, self, 'notAuthenticated'),
            onDone: completedInPlace,
            onError: { target: 'ready', actions: [{ type: 'replyFailed', params: failure }, 'endCommand'] },
          },
        },
        tlsHandshake: {
          on: { 'socket.secured': { target: 'ready', actions: 'markSecure' } },
        },
        saslExchange: {
          entry: 'awaitLine',
          on: {
            // An unreadable response (overlong line) ends the exchange; the session goes on.
            'socket.invalid': { target: 'ready', actions: ['replySaslInvalid', 'endSasl', 'endCommand', 'countBad'] },
            'socket.line': [
              { guard: 'saslCancelled', target: 'ready', actions: ['replySaslCancelled', 'endSasl', 'endCommand'] },
              { guard: 'saslResponseInvalid', target: 'ready', actions: ['replySaslInvalid', 'endSasl', 'endCommand', 'countBad'] },
              { guard: 'saslNeedsPassword', target: 'saslExchange', reenter: true, actions: ['saslUsername', 'sendPasswordPrompt'] },
              { target: 'authenticating' },
            ],
          },
        },
        authenticating: {
          invoke: {
            id: 'verify',
            src: 'verifyCredentials',
            input: ({ context, event, self }) => credentialsFromEvent(context, event, self),
            onDone: [
              {
                guard: { type: 'credentialsValid', params: verified },
                target: '#conn.authenticated',
                actions: [
                  { type: 'setUser', params: verified },
                  { type: 'installAccount', params: verified },
                  'queueAsSession',
                  { type: 'replyLoggedIn', params: verified },
                  'endCommand',
                ],
              },
              { target: 'authFailed', actions: ['countAuthFailure', { type: 'logAuthFailure', params: verified }, 'endSasl'] },
            ],
            onError: { target: 'ready', actions: [{ type: 'replyAuthUnavailable', params: failure }, 'endSasl', 'endCommand'] },
          },
        },
        authFailed: {
          // The delay runs before the NO, so a guesser learns nothing sooner (limits.ts).
          after: {
            authFailureDelay: [
              {
                guard: 'tooManyAuthFailures',
                target: '#conn.logout',
                actions: ['replyAuthFailed', { type: 'sayBye', params: { text: 'Too many authentication failures' } }],
              },
              { target: 'ready', actions: ['replyAuthFailed', 'endCommand'] },
            ],
          },
        },
      },
    },
    authenticated: {
      entry: { type: 'armTimeout', params: { phase: 'authenticated' } },
      initial: 'ready',
      states: {
        ready: sessionReady,
        idling,
        running: {
          invoke: {
            id: 'command',
            src: 'runCommand',
            input: ({ context, event, self }) => buildScope(context, event, self, 'authenticated'),
            onDone: [
              {
                guard: { type: 'enteredMailbox', params: completion },
                target: '#conn.selected',
                actions: enterMailboxActions,
              },
              completedInPlace,
            ],
            onError: [failureEndingSession, { target: 'ready', actions: [{ type: 'replyFailed', params: failure }, 'endCommand'] }],
          },
        },
      },
    },
    selected: {
      // Change notices for the selected mailbox arrive as `mailbox.changed` while selected;
      // leaving the state (CLOSE, UNSELECT, another SELECT, logout) unsubscribes.
      invoke: {
        id: 'subscription',
        src: 'mailboxSubscription',
        input: ({ context }) => ({ mailboxId: context.mailbox?.mailboxId ?? 0 }),
      },
      initial: 'ready',
      states: {
        ready: sessionReady,
        idling,
        running: {
          invoke: {
            id: 'command',
            src: 'runCommand',
            input: ({ context, event, self }) => buildScope(context, event, self, 'selected'),
            onDone: [
              {
                guard: { type: 'enteredMailbox', params: completion },
                target: '#conn.selected',
                reenter: true,
                actions: enterMailboxActions,
              },
              {
                guard: { type: 'leftMailbox', params: completion },
                target: '#conn.authenticated',
                actions: ['clearSelected', 'dropView', { type: 'replyDone', params: completion }, 'endCommand'],
              },
              completedInPlace,
            ],
            onError: [
              failureEndingSession,
              // RFC 9051 §6.3.2: a SELECT or EXAMINE that fails leaves no mailbox selected.
              {
                guard: 'selectFailed',
                target: '#conn.authenticated',
                actions: ['clearSelected', 'dropView', { type: 'replyFailed', params: failure }, 'endCommand'],
              },
              { target: 'ready', actions: [{ type: 'replyFailed', params: failure }, 'endCommand'] },
            ],
          },
        },
      },
    },
    logout: {
      type: 'final',
      entry: 'closeConnection',
    },
    closed: {
      type: 'final',
      entry: 'releaseConnection',
    },
  },
});

export type ConnectionMachine = typeof connectionMachine;
