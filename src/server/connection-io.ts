// The socket side of one connection: framing (Receiver), parsing, writing, TLS upgrade,
// backpressure and the inactivity deadline. It knows nothing of IMAP states: the connection
// actor tells it when it is ready for the next input and in which mode, and it answers with
// events. Input is framed lazily, one request per `ready()`, so pipelined bytes wait here.

import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { Receiver, type ReceiverOutput } from '../protocol/receiver.js';
import { parseCommand, parseTagAndName } from '../protocol/parse/index.js';
import { ParseError } from '../protocol/parse/errors.js';
import type { ParsedCommand } from '../protocol/args.js';
import type { LogSink } from '../log.js';
import {
  INPUT_HIGH_WATER_BYTES,
  MAX_LINE_BYTES,
  MAX_LITERALS_PER_REQUEST,
  MAX_REQUEST_BYTES,
  TLS_HANDSHAKE_TIMEOUT_MS,
  CLOSE_GRACE_MS,
} from './limits.js';
import { maskCommandLine, maskContinuationLine, traceClosed, traceInput, traceOutput } from './wire-trace.js';
import type { DeadlineSweeper } from './deadlines.js';
import type { RequestPriority, RequestScheduler } from './request-scheduler.js';

/** Events the connection sends to its owner (the connection actor). */
export type IoEvent =
  | { type: 'socket.request'; command: ParsedCommand }
  | { type: 'socket.invalid'; tag: string | null; text: string; tooBig?: boolean }
  | {
      type: 'socket.literal';
      tag: string | null;
      name: string | null;
      index: number;
      size: number;
      sync: boolean;
      /** Bytes of the literals already accepted in this request. */
      literalBytes: number;
    }
  | { type: 'socket.line'; line: string }
  | { type: 'socket.secured' }
  | { type: 'socket.timeout' }
  | { type: 'socket.closed' };

export type InputMode = 'command' | 'line';

export type Chunk = string | Buffer;

export interface ConnectionIoOptions {
  socket: Socket;
  /** True when the socket is already TLS (tls:// endpoint). */
  secure: boolean;
  logger: LogSink;
  /** Log every command and response (io_debug), with credentials masked. */
  ioDebug: boolean;
  /** Log socket errors (io_errors). */
  ioErrors: boolean;
  sweeper: DeadlineSweeper;
  /** Decides when each framed request runs (shared by the server's connections). */
  scheduler: RequestScheduler;
}

const OWNER = Symbol('gannet.connectionIo');
type OwnedSocket = Socket & { [OWNER]?: ConnectionIo };

function ownerOf(socket: Socket): ConnectionIo {
  return (socket as OwnedSocket)[OWNER]!;
}

export class ConnectionIo {
  #socket: Socket;
  #receiver = new Receiver({
    maxLineBytes: MAX_LINE_BYTES,
    maxRequestBytes: MAX_REQUEST_BYTES,
    maxLiterals: MAX_LITERALS_PER_REQUEST,
  });
  #wanting = false;
  #mode: InputMode = 'command';
  #pendingRejection: { tag: string | null; text: string } | null = null;
  #closed = false;
  #corked = false;
  #secure: boolean;
  #sink: (event: IoEvent) => void = () => {};
  #logger: LogSink;
  #ioDebug: boolean;
  #ioErrors: boolean;
  #sweeper: DeadlineSweeper;
  #scheduler: RequestScheduler;
  /** The owner's requests queue as a session's once it says the client has logged in. */
  #priority: RequestPriority = 'login';
  /** Inactivity timeout in ms (0 = none) and the absolute deadline it gives. */
  #timeoutMs = 0;
  deadline = 0;
  /** Created on first use only: most connections never run work that needs cancelling. */
  #closedController: AbortController | null = null;
  /**
   * Output behind a place reserved with reserve() and not filled yet, in order; null while
   * nothing is reserved (almost always), so a plain write costs no queue.
   */
  #queue: Array<{ ready: boolean; data: Chunk[] }> | null = null;
  /** close() came while output was still reserved: the socket ends once it is written. */
  #endWhenWritten = false;

  constructor(opts: ConnectionIoOptions) {
    this.#socket = opts.socket;
    this.#secure = opts.secure;
    this.#logger = opts.logger;
    this.#ioDebug = opts.ioDebug;
    this.#ioErrors = opts.ioErrors;
    this.#sweeper = opts.sweeper;
    this.#scheduler = opts.scheduler;
    this.#attach(this.#socket);
  }

  get secure(): boolean {
    return this.#secure;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Aborted when the connection closes: long work for it (a SEARCH in the pool) stops. */
  get closedSignal(): AbortSignal {
    this.#closedController ??= new AbortController();
    if (this.#closed) this.#closedController.abort();
    return this.#closedController.signal;
  }

  /** The owner asked for input and nothing is buffered: the connection is only waiting. */
  get waitingForInput(): boolean {
    return this.#wanting && !this.#closed && this.#receiver.buffered === 0;
  }

  /** How the scheduler ranks this connection's requests (request-scheduler.ts). */
  set priority(priority: RequestPriority) {
    this.#priority = priority;
  }

  /** Where events go; set once by the actor wrapper before the first `ready()`. */
  setSink(sink: (event: IoEvent) => void): void {
    this.#sink = sink;
  }

  /** The owner is ready for the next input, framed in `mode`. */
  ready(mode: InputMode): void {
    if (this.#closed) return;
    this.#mode = mode;
    this.#wanting = true;
    // The inactivity clock runs only while the client is the one we wait for.
    if (this.#timeoutMs > 0) this.deadline = Date.now() + this.#timeoutMs;
    this.#pump();
  }

  /** Accepts the literal just announced; a synchronising one gets its `+` (RFC 9051 §4.3). */
  acceptLiteral(sync: boolean): void {
    this.#receiver.acceptLiteral();
    if (sync) this.write('+ Ready for literal data\r\n');
    this.ready('command');
  }

  /**
   * Refuses the literal just announced. The owner's answer (`text`, for `tag`) is delivered
   * back as a `socket.invalid` event once the refused bytes are out of the way, so replies
   * stay in order.
   */
  rejectLiteral(tag: string | null, text: string): void {
    this.#pendingRejection = { tag, text };
    const immediate = this.#receiver.rejectLiteral();
    if (immediate) this.#deliverRejection();
    else this.ready('command');
  }

  /** Queues output. Writes within one tick go out in one segment (cork/uncork). */
  write(data: Chunk | Chunk[]): void {
    if (this.#closed) return;
    const queue = this.#queue;
    if (queue !== null) {
      // Something before this is not known yet: wait behind it.
      const last = queue[queue.length - 1]!;
      if (last.ready) last.data.push(...(Array.isArray(data) ? data : [data]));
      else queue.push({ ready: true, data: Array.isArray(data) ? [...data] : [data] });
      return;
    }
    this.#send(data);
  }

  /**
   * Reserves the next place in the output for data known later (mailbox updates waiting for a
   * write to be stored): everything written after this waits until the returned function is
   * called, once, with that data, so responses keep their order without the caller blocking.
   */
  reserve(): (data: Chunk | Chunk[]) => void {
    const slot = { ready: false, data: [] as Chunk[] };
    (this.#queue ??= []).push(slot);
    return (data) => {
      if (slot.ready) return;
      slot.ready = true;
      slot.data = Array.isArray(data) ? [...data] : [data];
      this.#writeQueue();
    };
  }

  /** Sends the queued output up to the first place still reserved. */
  #writeQueue(): void {
    while (this.#queue !== null && this.#queue[0]!.ready) {
      const slot = this.#queue.shift()!;
      if (this.#queue.length === 0) this.#queue = null;
      if (!this.#socket.destroyed) this.#send(slot.data);
    }
    if (this.#queue === null && this.#endWhenWritten) {
      this.#endWhenWritten = false;
      this.#end();
    }
  }

  #send(data: Chunk | Chunk[]): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    if (Array.isArray(data)) {
      for (const c of data) this.#writeChunk(c);
    } else {
      this.#writeChunk(data);
    }
  }

  /**
   * Resolves once the socket's send buffer is below its high-water mark, so a command that
   * produces a lot of output (FETCH of many bodies) holds at most that much in memory.
   */
  drained(): Promise<void> {
    const socket = this.#socket;
    if (this.#closed || !socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** Sets the inactivity timeout (client input renews it); 0 turns it off. */
  setTimeout(ms: number): void {
    this.#timeoutMs = ms;
    this.#renewDeadline();
  }

  /**
   * Upgrades to TLS after `OK Begin TLS` (RFC 9051 §6.2.1). Anything the client sent after
   * STARTTLS in plaintext is discarded, so it cannot be injected into the protected session.
   */
  startTls(context: SecureContext): void {
    const raw = this.#socket;
    this.#receiver.reset();
    this.#detach(raw);
    if (this.#corked) {
      this.#corked = false;
      raw.uncork();
    }
    const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
    this.#socket = secure;
    const handshakeTimer = setTimeout(() => secure.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
    handshakeTimer.unref();
    secure.once('secure', () => {
      clearTimeout(handshakeTimer);
      this.#secure = true;
      this.#sink({ type: 'socket.secured' });
    });
    this.#attach(secure);
  }

  /** Flushes queued output (reserved places included, once filled), then closes the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.remove(this);
    if (this.#queue !== null) {
      // A reserved place is filled once a write is stored, which settles either way; the
      // grace timer of #end still bounds how long a close can take.
      this.#endWhenWritten = true;
      const timer = setTimeout(() => this.#end(), CLOSE_GRACE_MS);
      timer.unref();
      return;
    }
    this.#end();
  }

  #end(): void {
    if (this.#socket.writableEnded) return;
    this.#queue = null;
    this.#socket.end();
    // A peer that never reads would keep the socket open forever; cut it after a grace time.
    const timer = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    this.#socket.once('close', () => clearTimeout(timer));
  }

  /** Closes without flushing (shutdown grace exceeded, protocol violation). */
  destroy(): void {
    this.#closed = true;
    this.#queue = null;
    this.#sweeper.remove(this);
    this.#socket.destroy();
  }

  /** Called by the deadline sweeper when the inactivity deadline passed. */
  expire(): void {
    this.deadline = 0;
    if (!this.#closed) this.#sink({ type: 'socket.timeout' });
  }

  #renewDeadline(): void {
    if (this.#timeoutMs > 0) {
      this.deadline = Date.now() + this.#timeoutMs;
      this.#sweeper.add(this);
    } else {
      this.deadline = 0;
      this.#sweeper.remove(this);
    }
  }

  // Socket listeners are shared functions that find their ConnectionIo through the socket,
  // rather than three closures per connection: at tens of thousands of idle connections
  // every per-connection allocation counts.
  static #onData(this: Socket, chunk: Buffer): void {
    const io = ownerOf(this);
    io.#receiver.push(chunk);
    if (io.#timeoutMs > 0 && io.#wanting) io.deadline = Date.now() + io.#timeoutMs;
    io.#pump();
  }

  static #onClose(this: Socket): void {
    const io = ownerOf(this);
    const wasClosed = io.#closed;
    io.#closed = true;
    io.#closedController?.abort();
    io.#sweeper.remove(io);
    io.#wanting = false;
    io.#sink({ type: 'socket.closed' });
    if (!wasClosed && io.#ioDebug) traceClosed(io.#logger);
  }

  static #onError(this: Socket, err: Error): void {
    const io = ownerOf(this);
    // warn, above the info of a logger with `debug no`: io_errors alone decides (maddy-imap(5)).
    if (io.#ioErrors) io.#logger.warn({ err }, 'connection I/O error');
  }

  #attach(socket: Socket): void {
    (socket as OwnedSocket)[OWNER] = this;
    socket.on('data', ConnectionIo.#onData);
    socket.on('close', ConnectionIo.#onClose);
    socket.on('error', ConnectionIo.#onError);
  }

  #detach(socket: Socket): void {
    socket.off('data', ConnectionIo.#onData);
    socket.off('close', ConnectionIo.#onClose);
    socket.off('error', ConnectionIo.#onError);
  }

  #writeChunk(c: Chunk): void {
    if (this.#ioDebug) traceOutput(this.#logger, c);
    this.#socket.write(c);
  }

  /** Frames input while the owner wants it; pauses the socket when too much is waiting. */
  #pump(): void {
    if (!this.#wanting || this.#closed) {
      if (this.#receiver.buffered > INPUT_HIGH_WATER_BYTES && !this.#socket.isPaused()) this.#socket.pause();
      return;
    }
    let out: ReceiverOutput | null;
    try {
      out = this.#mode === 'line' ? this.#receiver.nextLine() : this.#receiver.next();
    } catch (err) {
      // A framing bug must cost this connection, never the process (this runs in a socket
      // event handler, where a throw would be uncaught).
      this.#logger.error({ err }, 'input framing failed; closing the connection');
      this.destroy();
      return;
    }
    if (out === null) {
      if (this.#socket.isPaused()) this.#socket.resume();
      return;
    }
    this.#wanting = false;
    // A command is running: the client is not idle, however long the command takes (a slow
    // password check must not be cut by the pre-authentication timeout).
    this.deadline = 0;
    this.#deliver(out);
  }

  #deliver(out: ReceiverOutput): void {
    switch (out.kind) {
      case 'request': {
        let event: IoEvent;
        try {
          event = { type: 'socket.request', command: parseCommand(out.request) };
        } catch (err) {
          if (!(err instanceof ParseError)) throw err;
          event = { type: 'socket.invalid', tag: err.tag, text: err.text };
        }
        if (this.#ioDebug) traceInput(this.#logger, maskCommandLine(out.request.lines));
        // Framed and parsed here, in the read callback; run when the scheduler picks it.
        this.#scheduler.submit(this.#priority, () => this.#run(event));
        return;
      }
      case 'line':
        // Continuation lines are SASL responses or DONE: mask all but DONE.
        if (this.#ioDebug) traceInput(this.#logger, maskContinuationLine(out.line));
        this.#sink({ type: 'socket.line', line: out.line });
        return;
      case 'literal': {
        const head = parseTagAndName(out.firstLine);
        this.#sink({
          type: 'socket.literal',
          tag: head?.tag ?? null,
          name: head?.name ?? null,
          index: out.index,
          size: out.size,
          sync: out.sync,
          literalBytes: out.literalBytes,
        });
        return;
      }
      case 'error': {
        if (out.reason === 'literal-rejected') {
          this.#deliverRejection();
          return;
        }
        const head = parseTagAndName(out.firstLine);
        const text =
          out.reason === 'line-too-long'
            ? 'Line too long'
            : out.reason === 'request-too-large'
              ? 'Command too long'
              : 'Too many literals in one command';
        this.#sink({ type: 'socket.invalid', tag: head?.tag ?? null, text });
        return;
      }
    }
  }

  /**
   * A request the scheduler picked: the owner handles it unless the connection closed meanwhile
   * (the peer went, or shutdown said BYE); then it is dropped, as one still unread in the socket
   * would have been.
   */
  #run(event: IoEvent): void {
    if (this.#closed) return;
    try {
      this.#sink(event);
    } catch (err) {
      // As with framing: a bug costs this connection, never the process or the queue.
      this.#logger.error({ err }, 'request handling failed; closing the connection');
      this.destroy();
    }
  }

  #deliverRejection(): void {
    const rejection = this.#pendingRejection ?? { tag: null, text: 'Literal refused' };
    this.#pendingRejection = null;
    this.#wanting = false;
    this.#sink({ type: 'socket.invalid', tag: rejection.tag, text: rejection.text, tooBig: true });
  }
}
