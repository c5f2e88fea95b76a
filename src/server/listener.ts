// Accepts connections on one endpoint address (tcp://, tls://, unix://) and hands each
// ready socket to the owner. For tls:// the TLS handshake completes first, with the
// newest certificate (TlsProvider), so a reload applies to the next connection.

import { createServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { rmSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EndpointAddress } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { TlsProvider } from './tls.js';
import { LISTEN_BACKLOG, MAX_CONNECTIONS, TLS_HANDSHAKE_TIMEOUT_MS } from './limits.js';

export interface ListenerOptions {
  address: EndpointAddress;
  tls: TlsProvider | null;
  logger: Logger;
  onSocket: (socket: Socket, secure: boolean) => void;
}

export class Listener {
  readonly address: EndpointAddress;
  #server: Server;
  #opts: ListenerOptions;

  constructor(opts: ListenerOptions) {
    this.#opts = opts;
    this.address = opts.address;
    if (opts.address.scheme === 'tls' && !opts.tls) throw new Error(`${opts.address.original}: tls:// needs a tls directive`);
    this.#server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server.maxConnections = MAX_CONNECTIONS;
  }

  /** Starts listening; resolves once bound. */
  listen(): Promise<void> {
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
    return info && typeof info === 'object' ? (info as AddressInfo).port : null;
  }

  /** Stops accepting; existing connections are left to the owner. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
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
