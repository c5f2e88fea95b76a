// The one table of IMAP commands: for each command Gannet parses, what the rest of the server
// needs to know of it. Admission (which state it is valid in), the read-only gate of EXAMINE,
// EXPUNGE hold-back, TRYCREATE, literal limits, the capability list and the handler table are
// all derived from here, so adding a command means an entry here, its parser and its handler.

import type { CommandName } from './args.js';

/** The IMAP states a command can be issued in (RFC 9051 §3). */
export type SessionState = 'notAuthenticated' | 'authenticated' | 'selected';

export interface CommandSpec {
  /** States the command is valid in (RFC 9051 §6.1-6.4 and each extension's RFC). */
  readonly states: readonly SessionState[];
  /** It has a UID form (RFC 3501 §6.4.8; UID EXPUNGE RFC 4315 §2.1, UID MOVE RFC 6851). */
  readonly uid: boolean;
  /** It changes the selected mailbox's messages: refused in a mailbox opened with EXAMINE (RFC 3501 §6.3.2). */
  readonly writes: boolean;
  /**
   * No EXPUNGE response may be sent while it runs (RFC 3501 §7.4.1), since the client could
   * not tell which message a sequence number meant; its UID form may.
   */
  readonly holdsExpunge: boolean;
  /** A missing target mailbox is NO [TRYCREATE] (RFC 3501 §6.3.11, §6.4.7; RFC 6851 §3.3). */
  readonly tryCreate: boolean;
  /** It leaves the selected mailbox, so no updates of that mailbox follow it. */
  readonly leavesMailbox: boolean;
  /**
   * Its literals: 'message' is a message to store (APPEND: up to the account's APPENDLIMIT, RFC
   * 7889), 'argument' an argument (small, server/limits.ts).
   */
  readonly literal: 'message' | 'argument';
  /** Who runs it: a command handler, or the connection machine itself (it changes the session). */
  readonly runs: 'handler' | 'machine';
  /** Capabilities that its presence (or its extended syntax) brings, for CAPABILITY. */
  readonly capabilities: readonly string[];
  /** Its capabilities are listed before login too, so a client can plan its session early. */
  readonly announcedBeforeLogin: boolean;
}

const ANY: readonly SessionState[] = ['notAuthenticated', 'authenticated', 'selected'];
const NOT_AUTHENTICATED: readonly SessionState[] = ['notAuthenticated'];
const AUTHENTICATED: readonly SessionState[] = ['authenticated', 'selected'];
const SELECTED: readonly SessionState[] = ['selected'];

const base: Omit<CommandSpec, 'states'> = {
  uid: false,
  writes: false,
  holdsExpunge: false,
  tryCreate: false,
  leavesMailbox: false,
  literal: 'argument',
  runs: 'handler',
  capabilities: [],
  announcedBeforeLogin: false,
};

function spec(states: readonly SessionState[], rest: Partial<Omit<CommandSpec, 'states'>> = {}): CommandSpec {
  return { ...base, ...rest, states };
}

export const COMMANDS = {
  // Any state (RFC 9051 §6.1; ID RFC 2971).
  CAPABILITY: spec(ANY),
  NOOP: spec(ANY),
  LOGOUT: spec(ANY, { runs: 'machine' }),
  ID: spec(ANY, { capabilities: ['ID'], announcedBeforeLogin: true }),
  // Not authenticated (RFC 9051 §6.2). STARTTLS, SASL-IR and AUTH= depend on the connection's
  // TLS and insecure_auth, so server/capabilities.ts decides those.
  STARTTLS: spec(NOT_AUTHENTICATED, { runs: 'machine' }),
  LOGIN: spec(NOT_AUTHENTICATED, { runs: 'machine' }),
  AUTHENTICATE: spec(NOT_AUTHENTICATED, { runs: 'machine' }),
  // Authenticated (RFC 9051 §6.3). ENABLE only before a mailbox is selected (RFC 5161 §3.1).
  ENABLE: spec(['authenticated'], { capabilities: ['ENABLE'], announcedBeforeLogin: true }),
  // SELECT's CONDSTORE and QRESYNC parameters (RFC 7162 §3.1.8, §3.2.5); MAILBOXID in its
  // answer, STATUS and CREATE (OBJECTID, RFC 8474).
  SELECT: spec(AUTHENTICATED, { leavesMailbox: true, capabilities: ['CONDSTORE', 'QRESYNC', 'OBJECTID'] }),
  EXAMINE: spec(AUTHENTICATED, { leavesMailbox: true }),
  CREATE: spec(AUTHENTICATED),
  DELETE: spec(AUTHENTICATED),
  RENAME: spec(AUTHENTICATED),
  SUBSCRIBE: spec(AUTHENTICATED),
  UNSUBSCRIBE: spec(AUTHENTICATED),
  // CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154) are LIST's attributes.
  LIST: spec(AUTHENTICATED, { capabilities: ['CHILDREN', 'SPECIAL-USE'] }),
  LSUB: spec(AUTHENTICATED),
  STATUS: spec(AUTHENTICATED),
  // APPEND: APPENDUID (UIDPLUS, RFC 4315 §3); literal8 of BINARY (RFC 3516 §4.4).
  APPEND: spec(AUTHENTICATED, { tryCreate: true, literal: 'message' }),
  NAMESPACE: spec(AUTHENTICATED, { capabilities: ['NAMESPACE'] }),
  IDLE: spec(AUTHENTICATED, { runs: 'machine', capabilities: ['IDLE'] }),
  // Selected (RFC 9051 §6.4).
  CHECK: spec(SELECTED),
  CLOSE: spec(SELECTED, { leavesMailbox: true }),
  UNSELECT: spec(SELECTED, { leavesMailbox: true, capabilities: ['UNSELECT'] }),
  EXPUNGE: spec(SELECTED, { uid: true, writes: true, capabilities: ['UIDPLUS'] }),
  SEARCH: spec(SELECTED, { uid: true, holdsExpunge: true, capabilities: ['ESEARCH'] }),
  // SAVEDATE (RFC 8514): a FETCH item and SEARCH keys.
  FETCH: spec(SELECTED, { uid: true, holdsExpunge: true, capabilities: ['BINARY', 'SAVEDATE'] }),
  STORE: spec(SELECTED, { uid: true, writes: true, holdsExpunge: true }),
  COPY: spec(SELECTED, { uid: true, tryCreate: true }),
  MOVE: spec(SELECTED, { uid: true, writes: true, tryCreate: true, capabilities: ['MOVE'] }),
} as const satisfies Record<CommandName, CommandSpec>;

/** Commands a handler runs; the others are transitions of the connection machine. */
export type HandlerCommandName = {
  [N in CommandName]: (typeof COMMANDS)[N]['runs'] extends 'handler' ? N : never;
}[CommandName];

export function commandSpec(name: CommandName): CommandSpec {
  return COMMANDS[name];
}

/** Is `name` a command Gannet knows (for the parser's dispatch)? */
export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** Commands with a UID form (RFC 3501 §6.4.8: uid = "UID" SP (copy / fetch / search / store ...)). */
export function hasUidForm(name: string): boolean {
  return isCommandName(name) && COMMANDS[name].uid;
}

/**
 * May `name` send EXPUNGE responses? Not FETCH, STORE and SEARCH (RFC 3501 §7.4.1), though
 * their UID forms may.
 */
export function expungeAllowed(name: CommandName, uid: boolean): boolean {
  return !COMMANDS[name].holdsExpunge || uid;
}

function broughtCapabilities(authenticated: boolean): ReadonlySet<string> {
  const out = new Set<string>();
  for (const s of Object.values<CommandSpec>(COMMANDS)) {
    if (authenticated || s.announcedBeforeLogin) for (const c of s.capabilities) out.add(c);
  }
  return out;
}

/** Computed once: the registry is constant, and the list is asked for at every login. */
const AFTER_LOGIN = broughtCapabilities(true);
const BEFORE_LOGIN = broughtCapabilities(false);

/**
 * Capabilities the commands bring: after login those of every command (the list does not
 * change when a mailbox is selected), before login those announced early.
 */
export function commandCapabilities(authenticated: boolean): ReadonlySet<string> {
  return authenticated ? AFTER_LOGIN : BEFORE_LOGIN;
}
