// The tokenizer: a cursor over one framed request (RawRequest) that reads the IMAP lexical
// tokens of RFC 3501 §4 / §9 (atoms, numbers, quoted strings, literals, NIL) and throws
// ParseError on the first deviation.

import type { RawRequest } from '../raw-request.js';
import { MAX_UINT32 } from '../sequence-set.js';
import { isAstringChar, isAtomChar } from '../syntax.js';
import { ParseError } from './errors.js';

// literal = "{" number ["+"] "}" CRLF *CHAR8   (the "+" form is LITERAL+, RFC 7888)
const LITERAL_MARKER = /\{([0-9]+)(\+?)\}$/;
const WHOLE_MARKER = /^\{[0-9]+\+?\}$/;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** mod-sequence-value: a positive unsigned 63-bit integer (RFC 7162 §7). */
const MAX_MODSEQ = 2n ** 63n - 1n;

/**
 * Reads tokens from a RawRequest. The position is a line index and an offset in that line; a
 * literal marker ends a line, and reading the literal moves on to the start of the next line.
 */
export class Reader {
  readonly #lines: readonly string[];
  readonly #literals: readonly Buffer[];
  #index = 0;
  #pos = 0;

  /**
   * @param raw  the framed command
   * @param tag  the tag, once known, for the errors this reader throws
   * @param utf8 whether UTF-8 was enabled (RFC 6855 §3): mailbox names are then not mUTF-7
   */
  constructor(
    raw: RawRequest,
    readonly tag: string | null,
    readonly utf8 = false,
  ) {
    this.#lines = raw.lines;
    this.#literals = raw.literals;
    if (raw.lines.length !== raw.literals.length + 1) this.fail('Malformed request');
    for (let i = 0; i < raw.literals.length; i++) {
      const m = LITERAL_MARKER.exec(raw.lines[i]!);
      if (m === null || Number(m[1]) !== raw.literals[i]!.length) this.fail('Malformed literal');
    }
  }

  /** Throws a ParseError carrying this command's tag. */
  fail(text: string): never {
    throw new ParseError(this.tag, text);
  }

  get #line(): string {
    return this.#lines[this.#index]!;
  }

  /** The next character of the current line, or '' at the end of the line. */
  peek(offset = 0): string {
    return this.#line.charAt(this.#pos + offset);
  }

  /** The unread rest of the current line. */
  rest(): string {
    return this.#line.slice(this.#pos);
  }

  /** True when the whole request has been read. */
  atEnd(): boolean {
    return this.#index === this.#lines.length - 1 && this.#pos >= this.#line.length;
  }

  /** Consumes `n` characters of the current line. */
  advance(n = 1): void {
    this.#pos += n;
  }

  /** Consumes the longest run of characters satisfying `pred` (possibly empty). */
  take(pred: (c: string) => boolean): string {
    const line = this.#line;
    const start = this.#pos;
    let end = start;
    while (end < line.length && pred(line.charAt(end))) end++;
    this.#pos = end;
    return line.slice(start, end);
  }

  /** Consumes `c` or fails with `Expected <what>`. */
  expect(c: string, what: string): void {
    if (this.peek() !== c) this.fail(`Expected ${what}`);
    this.#pos++;
  }

  /** SP: exactly one space. */
  sp(): void {
    this.expect(' ', 'SP');
  }

  /** Fails unless the whole request has been consumed: extra arguments are a BAD. */
  end(): void {
    if (!this.atEnd()) this.fail('Unexpected extra arguments');
  }

  /** atom = 1*ATOM-CHAR */
  atom(what: string): string {
    const s = this.take(isAtomChar);
    if (s === '') this.fail(`Expected ${what}`);
    return s;
  }

  /** Consumes `word` (case-insensitive) when it is the whole next atom; else reads nothing. */
  tryWord(word: string): boolean {
    const n = word.length;
    if (this.#line.slice(this.#pos, this.#pos + n).toUpperCase() !== word) return false;
    if (isAtomChar(this.peek(n))) return false;
    this.#pos += n;
    return true;
  }

  /** number = 1*DIGIT ; unsigned 32-bit (RFC 3501 §4.2) */
  number(what: string): number {
    const s = this.take((c) => c >= '0' && c <= '9');
    if (s === '') this.fail(`Expected ${what}`);
    const n = Number(s);
    if (s.replace(/^0+/, '').length > 10 || n > MAX_UINT32) this.fail('Number out of range');
    return n;
  }

  /**
   * mod-sequence-valzer = "0" / mod-sequence-value ; 1*DIGIT, at most 2^63-1 (RFC 7162 §7).
   * Gannet's own modseqs stay below 2^53, so a larger value, read here as the nearest double,
   * still compares above every one of them.
   */
  modseq(what: string, zeroAllowed: boolean): number {
    const s = this.take((c) => c >= '0' && c <= '9');
    if (s === '') this.fail(`Expected ${what}`);
    if (BigInt(s) > MAX_MODSEQ) this.fail('Mod-sequence out of range');
    const n = Number(s);
    if (n === 0 && !zeroAllowed) this.fail(`Expected ${what}`);
    return n;
  }

  /** nz-number = digit-nz *DIGIT */
  nzNumber(what: string): number {
    if (this.peek() === '0') this.fail(`Expected ${what}`);
    return this.number(what);
  }

  /** True when the next token is a literal marker that ends this line. */
  atLiteral(): boolean {
    return this.peek() === '{' && this.#index < this.#literals.length && WHOLE_MARKER.test(this.rest());
  }

  /** literal = "{" number ["+"] "}" CRLF *CHAR8 ; returns the literal's bytes. */
  literal(what: string): Buffer {
    if (!this.atLiteral()) this.fail(`Expected ${what}`);
    const data = this.#literals[this.#index]!;
    this.#index++;
    this.#pos = 0;
    return data;
  }

  /**
   * quoted = DQUOTE *QUOTED-CHAR DQUOTE
   * QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials / UTF8-2..4
   * (RFC 9051 §9 admits UTF-8 here; the line was decoded as UTF-8 by the receiver.)
   */
  quoted(what: string): string {
    this.expect('"', what);
    const line = this.#line;
    let out = '';
    for (;;) {
      const c = line.charAt(this.#pos);
      if (c === '') this.fail('Unterminated quoted string');
      this.#pos++;
      if (c === '"') return out;
      if (c === '\\') {
        const e = line.charAt(this.#pos);
        if (e !== '"' && e !== '\\') this.fail('Invalid escape in quoted string');
        this.#pos++;
        out += e;
      } else if (c === '\0' || c === '\r' || c === '\n') {
        this.fail('Invalid character in quoted string');
      } else {
        out += c;
      }
    }
  }

  /** string = quoted / literal ; a literal is decoded as UTF-8 and may not contain NUL. */
  string(what: string): string {
    if (this.peek() === '"') return this.quoted(what);
    return decodeText(this, this.literal(what));
  }

  /** astring = 1*ASTRING-CHAR / string */
  astring(what: string): string {
    const c = this.peek();
    if (c === '"' || c === '{') return this.string(what);
    const s = this.take(isAstringChar);
    if (s === '') this.fail(`Expected ${what}`);
    return s;
  }

  /** nstring = string / nil */
  nstring(what: string): string | null {
    if (this.tryWord('NIL')) return null;
    return this.string(what);
  }
}

/** Decodes literal bytes used as text: strict UTF-8, no NUL (CHAR8 excludes %x00). */
export function decodeText(reader: Reader, data: Buffer): string {
  if (data.includes(0)) reader.fail('NUL in literal');
  try {
    return utf8Decoder.decode(data);
  } catch {
    return reader.fail('Invalid UTF-8 in literal');
  }
}
