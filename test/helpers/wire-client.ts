// A minimal IMAP client over a raw socket for wire-level tests: send bytes exactly as
// given, read lines exactly as the server wrote them. Driven by replies, never by time.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

export interface Reply {
  /** Untagged and continuation lines before the tagged line, without CRLF. */
  untagged: string[];
  /** The tagged line, without CRLF. */
  tagged: string;
}

export class WireClient {
  socket: Socket;
  #buffer = '';
  #waiters: Array<() => void> = [];
  #closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.#attach(socket);
  }

  #attach(socket: Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.#buffer += d;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    const socket = netConnect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new WireClient(socket);
  }

  /** Connects, reads the greeting and logs in; throws unless the LOGIN succeeds. */
  static async login(port: number, user: string, password: string): Promise<WireClient> {
    const c = await WireClient.connect(port);
    await c.readLine();
    const r = await c.command('login', `LOGIN "${user}" "${password}"`);
    if (!r.tagged.startsWith('login OK')) throw new Error(`login failed: ${r.tagged}`);
    return c;
  }

  static async connectTls(port: number, options: ConnectionOptions = {}): Promise<WireClient> {
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return new WireClient(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Upgrades this connection to TLS (after the server's OK to STARTTLS). */
  async startTls(options: ConnectionOptions = {}): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    raw.removeAllListeners('error');
    const secure = tlsConnect({ socket: raw, rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.#attach(secure);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /**
   * Reads one line (without CRLF); rejects if the connection closes first or after `ms`. The
   * default leaves room for a worker pool's cold start on a loaded 2-core machine.
   */
  async readLine(ms = 15000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.#buffer.indexOf('\r\n');
      if (i >= 0) {
        const line = this.#buffer.slice(0, i);
        this.#buffer = this.#buffer.slice(i + 2);
        return line;
      }
      if (this.#closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.#buffer)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for a line; unread: ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Reads lines up to and including the one tagged `tag`. */
  async readTagged(tag: string, ms = 15000): Promise<Reply> {
    const untagged: string[] = [];
    for (;;) {
      const line = await this.readLine(ms);
      if (line.startsWith(`${tag} `)) return { untagged, tagged: line };
      untagged.push(line);
    }
  }

  /** Sends `tag command` and reads its reply. */
  async command(tag: string, command: string, ms?: number): Promise<Reply> {
    this.write(`${tag} ${command}\r\n`);
    return this.readTagged(tag, ms);
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.#closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Whatever has been received and not yet read as lines. */
  get unread(): string {
    return this.#buffer;
  }

  close(): void {
    this.socket.destroy();
  }
}
