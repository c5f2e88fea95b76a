// ResponseBuilder: builds one server response as a list of chunks, choosing the right string
// form (atom, quoted, literal; RFC 3501 §4.1-§4.3) and never joining large literals into one string.

import { MAX_QUOTED_OUTPUT_BYTES } from '../limits.js';
import { allChars, isAstringChar } from '../syntax.js';
import { encodeMailboxName } from '../utf7.js';

/** One piece of a response: text (sent as UTF-8) or raw literal bytes. */
export type Chunk = string | Buffer;

/**
 * Builds one response. Text accumulates in a pending string; a Buffer literal closes it and is
 * kept as its own chunk, so message bodies are written to the socket without being copied.
 */
export class ResponseBuilder {
  readonly #chunks: Chunk[] = [];
  #pending = '';
  /** Bytes of the chunks already closed; the pending text is measured only when asked. */
  #closedBytes = 0;

  /**
   * @param utf8 UTF8=ACCEPT is enabled (RFC 6855 §3): 8-bit text may go in quoted strings and
   *   mailbox names are written as UTF-8 rather than modified UTF-7.
   */
  constructor(readonly utf8 = false) {}

  // FETCH responses are built from thousands of small pieces: appending stays a plain string
  // concatenation, and byte lengths are computed once per chunk rather than per piece.
  #text(s: string): this {
    this.#pending += s;
    return this;
  }

  /** Total bytes built so far. */
  get byteLength(): number {
    return this.#closedBytes + Buffer.byteLength(this.#pending);
  }

  /** Writes trusted protocol text as it is (keywords, `*`, tags, flag names). */
  raw(s: string): this {
    return this.#text(s);
  }

  /** Writes an atom (or any bare token the caller has validated). */
  atom(s: string): this {
    return this.#text(s);
  }

  sp(): this {
    return this.#text(' ');
  }

  /** number = 1*DIGIT; integers only. */
  number(n: number | bigint): this {
    if (typeof n === 'number' && (!Number.isInteger(n) || n < 0)) throw new RangeError(`Not an IMAP number: ${n}`);
    return this.#text(String(n));
  }

  nil(): this {
    return this.#text('NIL');
  }

  /** quoted = DQUOTE *QUOTED-CHAR DQUOTE; the caller ensures `s` may be quoted (see `string`). */
  quoted(s: string): this {
    const escaped = s.includes('\\') || s.includes('"') ? s.replace(/[\\"]/g, '\\$&') : s;
    return this.#text(`"${escaped}"`);
  }

  /**
   * Whether a string must go out as a literal rather than quoted (RFC 3501 §4.3, §9
   * QUOTED-CHAR). One pass over the characters: this runs for every string of every
   * ENVELOPE and BODYSTRUCTURE a FETCH writes.
   */
  needsLiteral(s: string): boolean {
    let wide = false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c === 10 || c === 13) return true;
      if (c > 0x7f) {
        if (!this.utf8) return true;
        wide = true;
      }
    }
    // Without multi-byte characters the length is the byte count.
    return (wide ? Buffer.byteLength(s) : s.length) > MAX_QUOTED_OUTPUT_BYTES;
  }

  /** string = quoted / literal: quoted when possible, else a literal. */
  string(s: string): this {
    return this.needsLiteral(s) ? this.literal(s) : this.quoted(s);
  }

  /** astring = 1*ASTRING-CHAR / string; `NIL` is quoted so it never reads as nil. */
  astring(s: string): this {
    if (allChars(s, isAstringChar) && s.toUpperCase() !== 'NIL') return this.#text(s);
    return this.string(s);
  }

  /** nstring = string / nil */
  nstring(s: string | null): this {
    return s === null ? this.nil() : this.string(s);
  }

  /**
   * literal = "{" number "}" CRLF *CHAR8. A string literal stays in the text (sent as UTF-8); a
   * Buffer becomes its own chunk. Always a literal, `{0}` when empty, never quoted: FETCH
   * section data (BODY[...], BINARY[...], RFC822*) goes out this way, as Dovecot and Cyrus
   * send it, because client parsers expect a literal there although `""` would be legal.
   */
  literal(data: string | Buffer): this {
    if (typeof data === 'string') return this.#text(`{${Buffer.byteLength(data)}}\r\n${data}`);
    this.#text(`{${data.length}}\r\n`);
    this.#flush();
    this.#chunks.push(data);
    this.#closedBytes += data.length;
    return this;
  }

  open(): this {
    return this.#text('(');
  }

  close(): this {
    return this.#text(')');
  }

  /** A parenthesised list: `each` writes one item; items are separated by SP. */
  list<T>(items: Iterable<T>, each: (b: this, item: T) => void): this {
    this.open();
    let first = true;
    for (const item of items) {
      if (!first) this.sp();
      first = false;
      each(this, item);
    }
    return this.close();
  }

  /**
   * mailbox = "INBOX" / astring. Modified UTF-7 (RFC 3501 §5.1.3) unless UTF-8 is enabled
   * (RFC 6855 §3); `utf8` defaults to the builder's setting.
   */
  mailbox(name: string, utf8: boolean = this.utf8): this {
    if (name.toUpperCase() === 'INBOX') return this.#text('INBOX');
    return this.astring(utf8 ? name : encodeMailboxName(name));
  }

  /** flag-list = "(" [flag *(SP flag)] ")"; flags are written as they are. */
  flags(flags: Iterable<string>): this {
    return this.list(flags, (b, f) => b.atom(f));
  }

  crlf(): this {
    return this.#text('\r\n');
  }

  #flush(): void {
    if (this.#pending !== '') {
      this.#chunks.push(this.#pending);
      this.#closedBytes += Buffer.byteLength(this.#pending);
      this.#pending = '';
    }
  }

  /** The response so far as chunks; text chunks are UTF-8 on the wire. */
  toChunks(): Chunk[] {
    this.#flush();
    return [...this.#chunks];
  }

  /** The response as one Buffer (for small responses and tests). */
  toBuffer(): Buffer {
    return Buffer.concat(this.toChunks().map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
  }

  /** The response as text; only for responses without Buffer literals. */
  toString(): string {
    const chunks = this.toChunks();
    if (chunks.some((c) => typeof c !== 'string')) throw new TypeError('Response holds binary literals');
    return chunks.join('');
  }
}
