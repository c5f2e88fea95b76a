// Starts one connection: the socket bridge, the actor, and the wiring between them.

import { createActor, type Actor, type InspectionEvent } from 'xstate';
import type { Socket } from 'node:net';
import { ConnectionIo } from '../../src/server/connection-io.js';
import type { DeadlineSweeper } from '../../src/server/deadlines.js';
import type { Authenticator } from '../../src/auth/authenticator.js';
import type { TlsProvider } from '../../src/server/tls.js';
import type { Logger } from '../../src/log.js';
import type { ImapEndpointConfig } from '../../src/config/schema.js';
import { statusLine } from './reply.js';
import { connectionMachine } from './machine.js';
import { bindDeps, type ConnectionTimeouts, type MailServices } from './deps.js';
import type { TransitionTracer } from './trace.js';

export interface ConnectionOptions {
  socket: Socket;
  cid: string;
  secure: boolean;
  endpoint: ImapEndpointConfig;
  authenticator: Authenticator;
  mail: MailServices;
  tls: TlsProvider | null;
  logger: Logger;
  sweeper: DeadlineSweeper;
  authFailureDelayMs: number;
  timeouts: ConnectionTimeouts;
  tracer: TransitionTracer | null;
  onFinished: (conn: Connection) => void;
}

export type ConnectionActor = Actor<typeof connectionMachine>;

export class Connection {
  readonly cid: string;
  readonly io: ConnectionIo;
  readonly actor: ConnectionActor;
  #finished = false;

  constructor(opts: ConnectionOptions) {
    this.cid = opts.cid;
    this.io = new ConnectionIo({
      socket: opts.socket,
      secure: opts.secure,
      logger: opts.logger,
      ioDebug: opts.endpoint.ioDebug,
      ioErrors: opts.endpoint.ioErrors,
      sweeper: opts.sweeper,
    });
    const tracer = opts.tracer;
    this.actor = createActor(connectionMachine, {
      input: {
        cid: opts.cid,
        secure: opts.secure,
        tlsAvailable: opts.tls !== null,
        insecureAuth: opts.endpoint.insecureAuth,
        saslLogin: opts.endpoint.saslLogin,
        appendLimit: opts.mail.config.appendLimit,
      },
      ...(tracer ? { inspect: (ev: InspectionEvent) => tracer.record(opts.cid, ev) } : {}),
    });
    bindDeps(this.actor, {
      io: this.io,
      authenticator: opts.authenticator,
      mail: opts.mail,
      session: { account: null, view: null },
      tls: opts.tls,
      logger: opts.logger,
      authFailureDelayMs: opts.authFailureDelayMs,
      timeouts: opts.timeouts,
      onFinished: () => {
        if (this.#finished) return;
        this.#finished = true;
        opts.onFinished(this);
      },
    });
    // An action that throws would otherwise put the actor in an error state and crash the
    // process asynchronously (xstate rethrows unobserved errors): log it and drop the
    // connection instead, so one bad session never takes others down.
    this.actor.subscribe({
      error: (err) => {
        opts.logger.error({ err }, 'connection actor failed');
        this.io.write(statusLine(null, 'BYE', 'Internal server error'));
        this.io.close();
        if (!this.#finished) {
          this.#finished = true;
          opts.onFinished(this);
        }
      },
    });
    this.io.setSink((event) => this.actor.send(event));
  }

  start(greeting: string): void {
    this.io.write(greeting);
    this.actor.start();
  }

  shutdown(): void {
    this.actor.send({ type: 'server.shutdown' });
  }
}
