// What a connection actor works with besides its context: the socket bridge, the
// authenticator, TLS, the logger. These objects are not data (they hold sockets and
// handles), so they stay out of the machine's context, which remains plain and inspectable;
// actions and invoked actors find them through the actor that runs them.

import type { AnyActorRef } from 'xstate';
import type { ConnectionIo } from '../../src/server/connection-io.js';
import type { Authenticator } from '../../src/auth/authenticator.js';
import type { TlsProvider } from '../../src/server/tls.js';
import type { SessionLogger } from '../../src/log.js';
import type { Account, MailStore } from '../../src/storage/types.js';
import type { StorageModuleConfig } from '../../src/config/schema.js';
import type { TextIndexer } from '../../src/indexing/text-indexer.js';
import type { MailboxRegistry } from '../mailbox/registry.js';
import type { SessionView } from './session-view.js';
import type { WorkerPool } from '../../src/pool.js';

/** The mail store as a connection uses it: reads from the store, writes through the registry. */
export interface MailServices {
  store: MailStore;
  registry: MailboxRegistry;
  config: StorageModuleConfig;
  /** MIME parsing at store time and text SEARCH, off the event loop. */
  pool: WorkerPool;
  /** Keeps the store's text index up to date in the background; SEARCH only reads the index. */
  indexer: TextIndexer;
}

/** Per-connection mutable session data too large or too live for the machine's context. */
export interface SessionData {
  account: Account | null;
  /** The selected mailbox's sequence view; set by SELECT/EXAMINE, cleared by CLOSE/UNSELECT. */
  view: SessionView | null;
}

export interface ConnectionDeps {
  io: ConnectionIo;
  authenticator: Authenticator;
  mail: MailServices;
  session: SessionData;
  /** null when the endpoint has no TLS. */
  tls: TlsProvider | null;
  logger: SessionLogger;
  /** Delay before a failed login is answered (AUTH_FAILURE_DELAY_MS; shorter in tests). */
  authFailureDelayMs: number;
  /** Inactivity timeouts (PREAUTH_TIMEOUT_MS, AUTOLOGOUT_TIMEOUT_MS; shorter in tests). */
  timeouts: ConnectionTimeouts;
  /** Called once the actor has finished (logout or closed). */
  onFinished: () => void;
}

export interface ConnectionTimeouts {
  preauthMs: number;
  autologoutMs: number;
}

const registry = new WeakMap<AnyActorRef, ConnectionDeps>();

export function bindDeps(actor: AnyActorRef, deps: ConnectionDeps): void {
  registry.set(actor, deps);
}

export function depsOf(actor: AnyActorRef): ConnectionDeps {
  const deps = registry.get(actor);
  if (!deps) throw new Error('connection actor has no dependencies bound');
  return deps;
}
