// Starts one connection: the socket bridge, the actor, and the wiring between them.

import { createActor, type Actor } from 'xstate';
import type { Socket } from 'node:net';
import { ConnectionIo } from '../../src/server/connection-io.js';
import type { DeadlineSweeper } from '../../src/server/deadlines.js';
import type { RequestScheduler } from '../../src/server/request-scheduler.js';
import type { Authenticator } from '../../src/auth/authenticator.js';
import type { TlsProvider } from '../../src/server/tls.js';
import type { SessionLogger } from '../../src/log.js';
import type { ImapEndpointConfig } from '../../src/config/schema.js';
import { IDLE_HIBERNATE_AFTER_MS } from '../../src/server/limits.js';
import { statusLine } from './reply.js';
import { connectionMachine } from './machine.js';
import { bindDeps, type ConnectionDeps, type ConnectionTimeouts, type MailServices } from './deps.js';
import { sessionInfo } from './scope.js';
import { sessionState } from './guards.js';
import { ImapError } from '../../src/errors.js';
import { deliverUpdates } from './commands/mail-common.js';
import type { CommandScope } from './commands/types.js';
import type { TransitionTracer } from './trace.js';
import type { ConnectionSystem } from './connection-system.js';

export interface ConnectionOptions {
  socket: Socket;
  cid: string;
  secure: boolean;
  endpoint: ImapEndpointConfig;
  authenticator: Authenticator;
  mail: MailServices;
  tls: TlsProvider | null;
  logger: SessionLogger;
  sweeper: DeadlineSweeper;
  scheduler: RequestScheduler;
  authFailureDelayMs: number;
  timeouts: ConnectionTimeouts;
  tracer: TransitionTracer | null;
  /** The actor system shared by the server's connections. */
  system: ConnectionSystem;
  /** Rest this long before hibernating; 0 hibernates at once (tests), null never. */
  hibernateAfterMs: number | null;
  onFinished: (conn: Connection) => void;
}

export type ConnectionActor = Actor<typeof connectionMachine>;
type ConnectionSnapshot = ReturnType<ConnectionActor['getSnapshot']>;

/** IDLE, in which a client only listens: such a rest hibernates sooner (IDLE_HIBERNATE_AFTER_MS). */
const IDLING_STATES = [{ authenticated: 'idling' }, { selected: 'idling' }] as const;

/**
 * States in which a connection only waits for its client: nothing runs, no timer of the
 * machine is pending, and the next thing to happen is input (or, in IDLE, a mailbox
 * change, which needs no machine to be written).
 */
const RESTING_STATES = [
  { notAuthenticated: { ready: 'waiting' } },
  { authenticated: { ready: 'waiting' } },
  { selected: { ready: 'waiting' } },
  ...IDLING_STATES,
] as const;

/**
 * One connection: the socket bridge, its xstate actor, and their wiring.
 *
 * Hibernation: a connection that rests (see RESTING_STATES) for `hibernateAfterMs` (in IDLE:
 * IDLE_HIBERNATE_AFTER_MS) gives up its actor and keeps only the actor's persisted snapshot,
 * a few hundred bytes of plain data; its next input (or shutdown) brings the actor back from
 * that snapshot before the event is delivered, so the machine sees exactly what it would have
 * seen. An IDLE connection keeps receiving mailbox updates while hibernating: they are written
 * by the same code the machine uses. This is how many mostly idle connections stay cheap.
 */
export class Connection {
  readonly cid: string;
  readonly io: ConnectionIo;
  #actor: ConnectionActor | null;
  /**
   * While hibernating: the actor's persisted snapshot as JSON. One flat string of about half a
   * kilobyte holds the same as the snapshot's dozen small objects in a fraction of the memory
   * (xstate builds each snapshot object with its own hidden class, ~1 KB per connection), and
   * holds nothing else by construction.
   */
  #persisted: string | null = null;
  #deps: ConnectionDeps;
  #opts: ConnectionOptions;
  #finished = false;
  /** While hibernating in IDLE: the mailbox subscription that writes updates. */
  #idleUnsubscribe: (() => void) | null = null;
  /** Time the connection came to rest (0 = busy); read by the hibernation sweep. */
  restingSince = 0;

  constructor(opts: ConnectionOptions) {
    this.cid = opts.cid;
    this.#opts = opts;
    this.io = new ConnectionIo({
      socket: opts.socket,
      secure: opts.secure,
      logger: opts.logger,
      ioDebug: opts.endpoint.ioDebug,
      ioErrors: opts.endpoint.ioErrors,
      sweeper: opts.sweeper,
      scheduler: opts.scheduler,
    });
    this.#deps = {
      io: this.io,
      authenticator: opts.authenticator,
      mail: opts.mail,
      session: { account: null, view: null },
      tls: opts.tls,
      logger: opts.logger,
      authFailureDelayMs: opts.authFailureDelayMs,
      timeouts: opts.timeouts,
      onFinished: () => this.#finish(),
    };
    this.#actor = this.#createActor(null);
    this.io.setSink((event) => this.#wake().send(event));
  }

  /** Hibernation is possible (not while transitions are being traced for study). */
  get canHibernate(): boolean {
    return this.#opts.tracer === null && this.#opts.hibernateAfterMs !== null;
  }

  get hibernating(): boolean {
    return this.#actor === null;
  }

  /** While hibernating: a copy of the persisted snapshot the connection keeps (observability, tests). */
  get hibernatedSnapshot(): Readonly<ConnectionSnapshot> | null {
    return this.#persisted === null ? null : (JSON.parse(this.#persisted) as ConnectionSnapshot);
  }

  start(greeting: string): void {
    this.io.write(greeting);
    this.#actor!.start();
  }

  shutdown(): void {
    this.#wake().send({ type: 'server.shutdown' });
  }

  /** Gives up the actor if the connection is still resting; returns whether it did. */
  hibernate(): boolean {
    const actor = this.#actor;
    if (!actor || this.#finished || !this.canHibernate) return false;
    const snapshot = actor.getSnapshot();
    if (snapshot.status !== 'active' || !RESTING_STATES.some((s) => snapshot.matches(s))) return false;
    if (!this.io.waitingForInput) return false;
    this.#persisted = JSON.stringify(actor.getPersistedSnapshot());
    this.#actor = null;
    // A child of the shared root cannot be stopped with stop(); _stop() is what the root's
    // own stopChild does (xstate 5.33, pinned; the hibernating transcript runs cover it).
    (actor as unknown as { _stop(): void })._stop();
    const view = this.#deps.session.view;
    const context = snapshot.context;
    if (view && snapshot.matches({ selected: 'idling' })) {
      this.#keepIdling(view.mailboxId, { session: sessionInfo(context, sessionState(context)), out: this.io, deps: this.#deps });
    }
    return true;
  }

  /**
   * A hibernating IDLE session still hears of its mailbox's changes. A method of its own so
   * that the listener closes over the scope alone: a closure made inside hibernate() would keep
   * that function's variables, the live snapshot among them, and with it the stopped actor.
   */
  #keepIdling(mailboxId: number, scope: CommandScope): void {
    const deliver = (): void => {
      try {
        void deliverUpdates(scope, true);
      } catch (err) {
        // The mailbox is gone: the machine, woken, ends the session.
        if (err instanceof ImapError && err.disconnect) this.#wake().send({ type: 'mailbox.deleted' });
        else this.#deps.logger.error({ err }, 'delivering mailbox updates failed');
      }
    };
    this.#idleUnsubscribe = this.#deps.mail.registry.subscribe(mailboxId, deliver);
    // Anything that changed between the machine's last flush and now.
    deliver();
  }

  /** Hibernates after IDLE_HIBERNATE_AFTER_MS if the rest that began at `since` lasts that long. */
  #hibernateSoon(since: number): void {
    setTimeout(() => {
      if (this.restingSince === since) this.hibernate();
    }, IDLE_HIBERNATE_AFTER_MS).unref();
  }

  /** The live actor, restored from its persisted snapshot if the connection hibernates. */
  #wake(): ConnectionActor {
    if (this.#actor) return this.#actor;
    this.#idleUnsubscribe?.();
    this.#idleUnsubscribe = null;
    const actor = this.#createActor(this.#persisted === null ? null : (JSON.parse(this.#persisted) as ConnectionSnapshot));
    this.#persisted = null;
    this.#actor = actor;
    actor.start();
    return actor;
  }

  #createActor(snapshot: ConnectionSnapshot | null): ConnectionActor {
    const opts = this.#opts;
    const actor = createActor(connectionMachine, {
      input: {
        cid: opts.cid,
        secure: opts.secure,
        tlsAvailable: opts.tls !== null,
        insecureAuth: opts.endpoint.insecureAuth,
        saslLogin: opts.endpoint.saslLogin,
        appendLimit: opts.mail.config.appendLimit,
      },
      parent: opts.system.root,
      ...(snapshot ? { snapshot } : {}),
    });
    if (opts.tracer) opts.system.trace(actor, opts.tracer, opts.cid);
    bindDeps(actor, this.#deps);
    // An action that throws would otherwise put the actor in an error state and crash the
    // process asynchronously (xstate rethrows unobserved errors): log it and drop the
    // connection instead, so one bad session never takes others down. `next` tracks when
    // the connection comes to rest, for the hibernation sweep.
    actor.subscribe({
      next: (s) => {
        const resting = s.status === 'active' && RESTING_STATES.some((r) => s.matches(r));
        this.restingSince = resting ? Date.now() : 0;
        if (!resting) return;
        // Out of the actor's own processing, and only if it is still resting by then.
        if (opts.hibernateAfterMs === 0) setImmediate(() => this.hibernate());
        else if (
          opts.hibernateAfterMs !== null &&
          opts.hibernateAfterMs > IDLE_HIBERNATE_AFTER_MS &&
          IDLING_STATES.some((r) => s.matches(r))
        ) {
          this.#hibernateSoon(this.restingSince);
        }
      },
      error: (err) => {
        opts.logger.error({ err }, 'connection actor failed');
        this.io.write(statusLine(null, 'BYE', 'Internal server error'));
        this.io.close();
        this.#finish();
      },
    });
    return actor;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#idleUnsubscribe?.();
    this.#idleUnsubscribe = null;
    this.#opts.onFinished(this);
  }
}
