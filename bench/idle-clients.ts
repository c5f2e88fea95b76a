// The client side of bench/idle.ts, run as a child process with an IPC channel: holds a few
// thousand loopback IMAP connections, each logged in with INBOX selected and in IDLE, and
// tells the parent when each one saw a new `* n EXISTS`. The parent spreads its clients over
// several of these because one process may hold only so many open files.
//
// Times are `performance.timeOrigin + performance.now()` (sharedClock): milliseconds on a
// clock that the parent and every child share, so a child's "seen at" can be set against the
// parent's "APPEND written at". Not run by hand: bench/idle.ts forks it (idle-pool.ts).

import { connect, type Socket } from 'node:net';

import { sharedClock, type FromClients, type ToClients } from './idle-pool.js';

/** Setting up one connection (greeting, LOGIN, SELECT, IDLE) longer than this fails the run. */
const HANDSHAKE_TIMEOUT_MS = 120_000;

/** One IDLE connection: a tiny line reader and the handshake LOGIN → SELECT → IDLE. */
class IdleClient {
  readonly socket: Socket;
  /** Highest EXISTS this connection was told about. */
  exists = 0;
  /** When it first saw EXISTS ≥ the armed number (NaN: not yet). */
  seenAt = NaN;
  closed = false;
  #partial = '';
  #onLine: (line: string) => void = () => {};

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\r\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) this.#line(line);
    });
  }

  #line(line: string): void {
    // Every untagged EXISTS counts, during SELECT and during IDLE alike.
    const m = /^\* (\d+) EXISTS$/.exec(line);
    if (m) {
      const n = Number(m[1]);
      if (n > this.exists) {
        this.exists = n;
        watcher?.(this);
      }
    }
    this.#onLine(line);
  }

  /** Connects and walks the handshake; resolves once the server accepted IDLE. */
  static open(port: number, user: string, password: string): Promise<IdleClient> {
    return new Promise((resolve, reject) => {
      const c = new IdleClient(connect({ port, host: '127.0.0.1' }));
      // A handshake the server never answers fails the run instead of hanging it.
      const timer = setTimeout(() => fail(`no ${step} reply within ${HANDSHAKE_TIMEOUT_MS / 1000} s`), HANDSHAKE_TIMEOUT_MS);
      const fail = (why: string) => {
        clearTimeout(timer);
        c.socket.destroy();
        reject(new Error(why));
      };
      c.socket.once('error', (err) => fail(err.message));
      c.socket.once('close', () => {
        c.closed = true;
        fail('connection closed during the handshake');
      });
      let step: 'greeting' | 'login' | 'select' | 'idle' = 'greeting';
      c.#onLine = (line) => {
        if (step === 'greeting') {
          step = 'login';
          c.socket.write(`a LOGIN ${user} ${password}\r\n`);
        } else if (step === 'login' && line.startsWith('a ')) {
          if (!line.startsWith('a OK')) return fail(line);
          step = 'select';
          c.socket.write('b SELECT INBOX\r\n');
        } else if (step === 'select' && line.startsWith('b ')) {
          if (!line.startsWith('b OK')) return fail(line);
          step = 'idle';
          c.socket.write('c IDLE\r\n');
        } else if (step === 'idle' && (line.startsWith('+') || line.startsWith('c '))) {
          if (!line.startsWith('+')) return fail(line);
          // From here on only EXISTS matters; a lost connection is counted, not thrown.
          c.#onLine = () => {};
          c.socket.removeAllListeners('error').removeAllListeners('close');
          c.socket.on('error', () => {});
          c.socket.on('close', () => (c.closed = true));
          clearTimeout(timer);
          resolve(c);
        }
      };
    });
  }
}

const clients: IdleClient[] = [];
/** Set while armed: called when a connection's EXISTS grows. */
let watcher: ((c: IdleClient) => void) | null = null;
let armedExists = Infinity;
let seenCount = 0;
let allSeen: (() => void) | null = null;

function send(m: FromClients): void {
  process.send?.(m);
}

async function open(m: Extract<ToClients, { type: 'open' }>): Promise<void> {
  let left = m.count;
  const worker = async () => {
    while (left > 0) {
      left--;
      clients.push(await IdleClient.open(m.port, m.user, m.password));
    }
  };
  await Promise.all(Array.from({ length: Math.min(m.concurrency, m.count) }, worker));
  send({ type: 'opened', total: clients.length });
}

function arm(exists: number): void {
  armedExists = exists;
  seenCount = 0;
  for (const c of clients) c.seenAt = NaN;
  watcher = (c) => {
    if (c.exists < armedExists || !Number.isNaN(c.seenAt)) return;
    c.seenAt = sharedClock();
    if (++seenCount === clients.length) allSeen?.();
  };
  // A connection already past the number (should not happen: the parent arms before the APPEND).
  for (const c of clients) watcher(c);
  send({ type: 'armed' });
}

async function collect(deadline: number): Promise<void> {
  if (seenCount < clients.length) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - sharedClock()));
      allSeen = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  allSeen = null;
  watcher = null;
  const times = clients.filter((c) => !Number.isNaN(c.seenAt)).map((c) => c.seenAt);
  send({ type: 'seen', times, missing: clients.length - times.length, closed: clients.filter((c) => c.closed).length });
}

function drop(): void {
  for (const c of clients.splice(0)) c.socket.destroy();
  send({ type: 'dropped' });
}

process.on('message', (m: ToClients) => {
  const work =
    m.type === 'open' ? open(m) : m.type === 'collect' ? collect(m.deadline) : Promise.resolve(m.type === 'arm' ? arm(m.exists) : drop());
  work.catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});
// The parent going away (or closing the channel) ends this process and its sockets.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
