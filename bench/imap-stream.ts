// An IMAP client for benches that move a lot of data: replies are framed in a single pass
// (literal bytes are counted and skipped, never copied or rescanned), commands may be
// pipelined, and FETCH responses are counted rather than kept. Raw sockets, no library, so
// the client costs as little CPU as possible next to the server under test.

import { connect, type Socket } from 'node:net';

export interface StreamReply {
  /** The tagged line, without CRLF. */
  tagged: string;
  /** Untagged `* n FETCH` responses received for this command. */
  fetches: number;
  /** Literal bytes received for this command. */
  literalBytes: number;
  /** Every other untagged response, literals left out, without CRLF. */
  untagged: string[];
  /** The `* n FETCH` responses themselves (literals left out), only when the client keeps them. */
  fetchText: string[];
  /** The client's `bytesIn` once the tagged line was read: the exact end of this reply on the wire. */
  bytesIn: number;
}

export interface StreamOptions {
  /** Keep the text of FETCH responses (`StreamReply.fetchText`), for benches that read flags. */
  keepFetchText?: boolean;
}

interface Pending {
  tag: string;
  reply: StreamReply;
  resolve: (r: StreamReply) => void;
  reject: (e: Error) => void;
}

const CLOSE_BRACE = 0x7d;

export class StreamClient {
  #socket: Socket;
  #queue: Pending[] = [];
  #partial: Buffer[] = [];
  #literalLeft = 0;
  /** The response being read started as a FETCH (1), another untagged (2), or tagged (3). */
  #kind = 0;
  #text = '';
  #n = 0;
  #greeting: ((line: string) => void) | null = null;
  #error: Error | null = null;
  #keepFetchText: boolean;
  #bytesIn = 0;
  #bytesOut = 0;

  private constructor(socket: Socket, opts: StreamOptions) {
    this.#socket = socket;
    this.#keepFetchText = opts.keepFetchText ?? false;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    const fail = (err: Error) => {
      this.#error = err;
      for (const p of this.#queue.splice(0)) p.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  /** Connects and reads the greeting. */
  static open(port: number, host = '127.0.0.1', opts: StreamOptions = {}): Promise<StreamClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('error', reject);
      const c = new StreamClient(socket, opts);
      c.#greeting = () => {
        socket.off('error', reject);
        resolve(c);
      };
    });
  }

  /** Sends `tag command CRLF` (command may carry LITERAL+ literals) without waiting for earlier replies. */
  command(command: string | Buffer): Promise<StreamReply> {
    if (this.#error) return Promise.reject(this.#error);
    const tag = `s${++this.#n}`;
    const head = Buffer.from(`${tag} `);
    const wire = typeof command === 'string' ? Buffer.from(`${tag} ${command}\r\n`) : Buffer.concat([head, command, Buffer.from('\r\n')]);
    this.#bytesOut += wire.length;
    this.#socket.write(wire);
    return new Promise((resolve, reject) => {
      this.#queue.push({
        tag,
        resolve,
        reject,
        reply: { tagged: '', fetches: 0, literalBytes: 0, untagged: [], fetchText: [], bytesIn: 0 },
      });
    });
  }

  /** Bytes read from the server so far (the greeting included), up to the end of the last response read. */
  get bytesIn(): number {
    return this.#bytesIn;
  }

  /** Bytes of commands written so far. */
  get bytesOut(): number {
    return this.#bytesOut;
  }

  /** Like `command`, but rejects unless the tagged reply is OK. */
  async ok(command: string | Buffer): Promise<StreamReply> {
    const r = await this.command(command);
    if (!/^\S+ OK/.test(r.tagged)) throw new Error(`${command.toString().slice(0, 80)} → ${r.tagged}`);
    return r;
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, chunk.length - pos);
        this.#literalLeft -= take;
        pos += take;
        this.#bytesIn += take;
        const head = this.#queue[0];
        if (head) head.reply.literalBytes += take;
        continue;
      }
      const lf = chunk.indexOf(0x0a, pos);
      if (lf < 0) {
        this.#partial.push(chunk.subarray(pos));
        this.#bytesIn += chunk.length - pos;
        return;
      }
      this.#bytesIn += lf + 1 - pos;
      let seg = chunk.subarray(pos, lf + 1);
      if (this.#partial.length > 0) {
        seg = Buffer.concat([...this.#partial, seg]);
        this.#partial = [];
      }
      pos = lf + 1;
      this.#segment(seg);
    }
  }

  /** One line of a response; a line ending in `{n}` is followed by n literal bytes, then more of the response. */
  #segment(seg: Buffer): void {
    const literal = literalAtEnd(seg);
    if (this.#kind === 0) {
      if (this.#greeting) {
        const g = this.#greeting;
        this.#greeting = null;
        g(seg.toString('latin1'));
        return;
      }
      const isFetch = seg[0] === 0x2a && /^\* \d+ FETCH/.test(seg.subarray(0, 24).toString('latin1'));
      this.#kind = isFetch ? 1 : seg[0] === 0x2a || seg[0] === 0x2b ? 2 : 3;
      this.#text = '';
    }
    if (this.#kind !== 1 || this.#keepFetchText) this.#text += seg.toString('latin1');
    if (literal >= 0) {
      this.#literalLeft = literal;
      return;
    }
    const head = this.#queue[0];
    const text = this.#text.replace(/\r?\n$/, '');
    if (this.#kind === 1) {
      if (head) {
        head.reply.fetches++;
        if (this.#keepFetchText) head.reply.fetchText.push(text);
      }
    } else if (this.#kind === 2) {
      head?.reply.untagged.push(text);
    } else if (head && text.startsWith(`${head.tag} `)) {
      this.#queue.shift();
      head.reply.tagged = text;
      head.reply.bytesIn = this.#bytesIn;
      head.resolve(head.reply);
    }
    this.#kind = 0;
  }
}

/** n when the line ends with `{n}CRLF` (or `~{n}`), else -1. */
function literalAtEnd(seg: Buffer): number {
  let i = seg.length - 1;
  if (seg[i] === 0x0a) i--;
  if (seg[i] === 0x0d) i--;
  if (seg[i] !== CLOSE_BRACE) return -1;
  let n = 0;
  let mul = 1;
  let digits = 0;
  for (i--; i >= 0 && seg[i]! >= 0x30 && seg[i]! <= 0x39; i--, digits++) {
    n += (seg[i]! - 0x30) * mul;
    mul *= 10;
  }
  return digits > 0 && seg[i] === 0x7b ? n : -1;
}

/**
 * Sends the commands `next` hands out (until it returns null) on `c`, keeping at most `window`
 * unanswered; `onReply` sees each OK reply. Rejects with the first reply that is not OK (or
 * the connection's error), once every command already sent is answered.
 */
export async function pipeline(
  c: StreamClient,
  next: () => string | Buffer | null,
  window: number,
  onReply?: (r: StreamReply) => void,
): Promise<void> {
  const inflight = new Set<Promise<void>>();
  // Set in callbacks, so typed with `as`: an annotation would leave TypeScript sure it is null.
  let failure = null as { error: unknown } | null;
  while (failure === null) {
    const command = next();
    if (command === null) break;
    const p: Promise<void> = c.ok(command).then(
      (r) => {
        inflight.delete(p);
        onReply?.(r);
      },
      (error: unknown) => {
        inflight.delete(p);
        failure ??= { error };
      },
    );
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (failure !== null) throw failure.error;
}
