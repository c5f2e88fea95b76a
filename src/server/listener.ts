// Accepts connections on one endpoint address (tcp://, tls://, unix://) and hands each
// ready socket to the owner. For tls:// the TLS handshake completes first, with the
// newest certificate (TlsProvider), so a reload applies to the next connection. The socket is
// polled through several handles (accept-handles.ts says why), which share one connection limit.

import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { rmSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EndpointAddress } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { TlsProvider } from './tls.js';
import { copyListeningHandle, type RawHandle } from './accept-handles.js';
import { ACCEPT_HANDLES, LISTEN_BACKLOG, MAX_CONNECTIONS, TLS_HANDSHAKE_TIMEOUT_MS } from './limits.js';

export interface ListenerOptions {
  address: EndpointAddress;
  tls: TlsProvider | null;
  logger: Logger;
  onSocket: (socket: Socket, secure: boolean) => void;
  /** Handles polling the socket (ACCEPT_HANDLES by default; 1 polls it through the first alone). */
  acceptHandles?: number | undefined;
}

export class Listener {
  readonly address: EndpointAddress;
  /** The server that bound the address, then those on copies of its socket. */
  #servers: Server[];
  #opts: ListenerOptions;
  /** Accepted sockets not yet closed, over every handle (MAX_CONNECTIONS bounds them). */
  #open = 0;
  /** Connections accepted since the listener started (observability). */
  accepted = 0;

  constructor(opts: ListenerOptions) {
    this.#opts = opts;
    this.address = opts.address;
    if (opts.address.scheme === 'tls' && !opts.tls) throw new Error(`${opts.address.original}: tls:// needs a tls directive`);
    this.#servers = [this.#createServer()];
  }

  get #server(): Server {
    return this.#servers[0]!;
  }

  /** Handles polling the socket now. */
  get handleCount(): number {
    return this.#servers.length;
  }

  #createServer(): Server {
    return createServer({ noDelay: true }, (socket) => this.#accept(socket));
  }

  /** Starts listening; resolves once bound and polled through every handle it could get. */
  async listen(): Promise<void> {
    await this.#bind();
    const copies = (this.#opts.acceptHandles ?? ACCEPT_HANDLES) - 1;
    if (copies <= 0) return;
    const server = this.#server as Server & { _handle?: RawHandle | null };
    let handles: RawHandle[];
    try {
      handles = await copyListeningHandle(server._handle!, copies);
    } catch (err) {
      // Still a working server: it accepts one connection per event-loop turn.
      this.#opts.logger.warn({ err, address: this.address.original }, 'listening through one handle');
      return;
    }
    for (const handle of handles) {
      const extra = this.#createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          extra.once('error', reject);
          // listen(2) again on the shared socket: without the backlog Node would reset it to 511.
          extra.listen(handle, LISTEN_BACKLOG, () => {
            extra.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        // Node closes a handle that fails to listen.
        this.#opts.logger.warn({ err, address: this.address.original }, 'a copy of the listening socket failed; serving without it');
        continue;
      }
      extra.on('error', (err) => this.#opts.logger.error({ err, address: this.address.original }, 'listener error'));
      this.#servers.push(extra);
    }
  }

  #bind(): Promise<void> {
    const a = this.address;
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      const done = () => {
        this.#server.off('error', reject);
        this.#server.on('error', (err) => this.#opts.logger.error({ err, address: a.original }, 'listener error'));
        resolve();
      };
      if (a.scheme === 'unix') {
        mkdirSync(dirname(a.path), { recursive: true });
        rmSync(a.path, { force: true }); // a stale socket from an unclean stop
        this.#server.listen({ path: a.path, backlog: LISTEN_BACKLOG }, done);
      } else {
        this.#server.listen({ host: a.host, port: a.port, backlog: LISTEN_BACKLOG }, done);
      }
    });
  }

  /** The bound TCP port (useful with port 0), or null for unix sockets. */
  get port(): number | null {
    const info = this.#server.address();
    return info && typeof info === 'object' ? info.port : null;
  }

  /** Stops accepting; existing connections are left to the owner. */
  async close(): Promise<void> {
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  #accept(socket: Socket): void {
    if (this.#open >= MAX_CONNECTIONS) {
      socket.destroy();
      return;
    }
    this.#open++;
    this.accepted++;
    socket.once('close', () => this.#open--);
    if (this.address.scheme !== 'tls') {
      this.#opts.onSocket(socket, false);
      return;
    }
    const secure = new TLSSocket(socket, { isServer: true, secureContext: this.#opts.tls!.context });
    const timer = setTimeout(() => secure.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    const onError = (err: Error) => {
      clearTimeout(timer);
      this.#opts.logger.debug({ err: err.message, address: this.address.original }, 'TLS handshake failed');
      secure.destroy();
    };
    secure.on('error', onError);
    secure.once('secure', () => {
      clearTimeout(timer);
      secure.off('error', onError); // from here on the connection's own handlers take over
      this.#opts.onSocket(secure, true);
    });
  }
}
