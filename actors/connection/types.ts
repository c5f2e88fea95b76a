// The connection actor's context, events and input. Context is plain data only: the socket,
// the authenticator and the logger live in ConnectionDeps (deps.ts), looked up by actor.

import type { IoEvent } from '../../src/server/connection-io.js';
import type { ParsedCommand } from '../../src/protocol/args.js';

/** The command being worked on, for the tagged reply and the logs. */
export interface CurrentCommand {
  tag: string;
  name: string;
  /** When it was received (ms), for the per-command log line. */
  started: number;
}

/** A SASL exchange in progress (RFC 9051 §6.2.2): which mechanism and how far it got. */
export interface SaslProgress {
  mechanism: 'PLAIN' | 'LOGIN';
  /** LOGIN mechanism only: the user name sent in the first step. */
  username: string | null;
}

export interface ConnectionContext {
  cid: string;
  /** TLS is active on the connection. */
  secure: boolean;
  /** STARTTLS can still be offered. */
  tlsAvailable: boolean;
  insecureAuth: boolean;
  saslLogin: boolean;
  /** The normalised account name once authenticated. */
  user: string | null;
  authFailures: number;
  badCommands: number;
  /** Extensions turned on with ENABLE (RFC 5161). */
  enabled: string[];
  command: CurrentCommand | null;
  sasl: SaslProgress | null;
  /** Largest APPEND literal accepted once authenticated (APPENDLIMIT, RFC 7889). */
  appendLimit: number;
  /** server.shutdown was received: say BYE as soon as no command is running. */
  shuttingDown: boolean;
  /** The selected mailbox (selected state only). */
  mailbox: { mailboxId: number; name: string; readOnly: boolean } | null;
}

export interface ConnectionInput {
  cid: string;
  secure: boolean;
  tlsAvailable: boolean;
  insecureAuth: boolean;
  saslLogin: boolean;
  appendLimit: number;
}

/** Credentials to check, from LOGIN or a finished SASL exchange. */
export interface Credentials {
  username: string;
  password: string;
  /** SASL PLAIN authorization identity; must be empty or equal the user. */
  authzid: string;
}

export type { IoEvent, ParsedCommand };

export type ConnectionEvent =
  | IoEvent
  | { type: 'server.shutdown' }
  /** The selected mailbox changed: the session pulls what it owes its client. */
  | { type: 'mailbox.changed' }
  /** The selected mailbox is gone (deleted by another session or process): the session ends. */
  | { type: 'mailbox.deleted' };
