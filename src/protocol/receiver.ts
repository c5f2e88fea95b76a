// Incremental framer for client input (RFC 9051 §2.2.1, §4.3; LITERAL+ RFC 7888).
// Bytes in, framed requests out; it never tokenises beyond what framing needs, and never
// buffers more than the caller-supplied limits allow.
//
//   command  = tag SP ... *(literal-marker CRLF literal-bytes ...) CRLF
//   literal  = "{" number64 ["+"] "}" CRLF *CHAR8
//
// Framing is *pulled*: the connection asks for the next request only when it is ready to run
// it. Unread bytes stay here, so a client that pipelines `a IDLE\r\nDONE\r\n` in one packet
// has its DONE read in line mode, and `STARTTLS` can drop whatever followed it in plaintext.

import type { RawRequest } from './raw-request.js';

/** What the receiver needs from its owner: the limits, which may depend on the state. */
export interface ReceiverLimits {
  /** Longest line (without its CRLF) that is buffered; a longer one is skipped with an error. */
  maxLineBytes: number;
  /** Most bytes a request may hold outside its message literal (all lines plus small literals). */
  maxRequestBytes: number;
  /** Most literals in one request. */
  maxLiterals: number;
}

/** A literal announced at the end of a line; the owner must accept or reject it. */
export interface LiteralAnnouncement {
  kind: 'literal';
  /** The first line of the request so far (for the tag and the command name). */
  firstLine: string;
  /** Which literal of the request this is (0-based). */
  index: number;
  size: number;
  /** false for a LITERAL+ `{n+}` literal, whose bytes the client sends without waiting. */
  sync: boolean;
  /** Bytes of the literals already accepted in this request (for a per-request cap). */
  literalBytes: number;
}

/** A line-level error: the offending input was skipped; the session can go on. */
export interface FramingError {
  kind: 'error';
  /** The first line of the failed request, or its start, for the tag. */
  firstLine: string;
  reason: 'line-too-long' | 'request-too-large' | 'too-many-literals' | 'literal-rejected';
  /** For a rejected literal: its announced size. */
  size?: number;
}

export type ReceiverOutput = { kind: 'request'; request: RawRequest } | { kind: 'line'; line: string } | LiteralAnnouncement | FramingError;

// `{123}` or `{123+}` at the very end of a line (RFC 9051 §9 literal, RFC 7888 literal-plus).
const LITERAL_MARKER = /\{(\d{1,20})(\+?)\}$/;

/** The error to report once skipped input ends; null when it was reported already. */
type PendingError = Omit<FramingError, 'kind'> | null;

type Phase =
  | { name: 'line' }
  // Discard up to the end of the line; `tail` keeps its last bytes, to see whether it
  // announces a LITERAL+ literal whose bytes must be discarded too.
  | { name: 'skip-line'; pending: PendingError; tail: Buffer; literals: boolean }
  | { name: 'await-decision'; size: number; sync: boolean }
  | { name: 'literal'; remaining: number; parts: Buffer[] }
  | { name: 'discard-literal'; remaining: number; pending: PendingError };

// The longest literal marker, `{` + 20 digits + `+}`, plus a CR.
const MAX_MARKER_BYTES = 24;

const CR = 0x0d;
const LF = 0x0a;

/** A line as read: its text (UTF-8 decoded, without CRLF) and its length in bytes. */
interface ReadLine {
  text: string;
  bytes: number;
}

/** The LITERAL+ literal a line announces at its end, if any (`{n+}`, RFC 7888). */
function nonSyncLiteral(line: string): number | null {
  const m = LITERAL_MARKER.exec(line);
  return m && m[2] === '+' ? Number(m[1]) : null;
}

/**
 * The framer. `push` adds bytes; `next` / `nextLine` frame as far as the buffered bytes allow
 * and return `null` when more input is needed.
 */
export class Receiver {
  #chunks: Buffer[] = [];
  #buffered = 0;
  // The first #scannedChunks chunks (#scannedBytes bytes) are known to hold no LF, so a line
  // arriving in many small pieces is scanned once, not once per piece.
  #scannedChunks = 0;
  #scannedBytes = 0;
  #phase: Phase = { name: 'line' };
  // The request being assembled.
  #lines: string[] = [];
  #literals: Buffer[] = [];
  #requestBytes = 0;
  #literalBytes = 0;
  #limits: ReceiverLimits;

  constructor(limits: ReceiverLimits) {
    this.#limits = limits;
  }

  /** Bytes received but not yet framed. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True while a literal's data is being read or awaited (so the socket must keep flowing). */
  get inLiteral(): boolean {
    return this.#phase.name === 'literal' || this.#phase.name === 'discard-literal';
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** Drops everything buffered and any request in progress (STARTTLS, RFC 9051 §6.2.1). */
  reset(): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.#forgetScan();
    this.#phase = { name: 'line' };
    this.#clearRequest();
  }

  /** After a `literal` announcement: read the literal's bytes into the request. */
  acceptLiteral(): void {
    const phase = this.#phase;
    if (phase.name !== 'await-decision') throw new Error('acceptLiteral without a pending literal');
    this.#phase = { name: 'literal', remaining: phase.size, parts: [] };
  }

  /**
   * After a `literal` announcement: refuse it. A synchronising literal is never sent by the
   * client, so the request simply ends; a LITERAL+ literal's bytes are already on their way
   * and are read and thrown away (RFC 7888 §4), and `next` reports the rejection afterwards.
   */
  rejectLiteral(): FramingError | null {
    const phase = this.#phase;
    if (phase.name !== 'await-decision') throw new Error('rejectLiteral without a pending literal');
    const firstLine = this.#lines[0] ?? '';
    this.#clearRequest();
    if (phase.sync) {
      this.#phase = { name: 'line' };
      return { kind: 'error', firstLine, reason: 'literal-rejected', size: phase.size };
    }
    this.#phase = {
      name: 'discard-literal',
      remaining: phase.size,
      pending: { firstLine, reason: 'literal-rejected', size: phase.size },
    };
    return null;
  }

  /** Frames the next command (command mode). */
  next(): ReceiverOutput | null {
    for (;;) {
      const phase = this.#phase;
      switch (phase.name) {
        case 'await-decision':
          return null; // the owner has not decided yet
        case 'discard-literal':
        case 'skip-line': {
          const out = this.#skip();
          if (out === undefined) return null;
          if (out !== null) return out;
          continue;
        }
        case 'literal': {
          const part = this.#take(phase.remaining);
          if (part) {
            phase.parts.push(part);
            phase.remaining -= part.length;
          }
          if (phase.remaining > 0) return null;
          const literal = phase.parts.length === 1 ? phase.parts[0]! : Buffer.concat(phase.parts);
          this.#literals.push(literal);
          this.#literalBytes += literal.length;
          this.#phase = { name: 'line' };
          continue;
        }
        case 'line': {
          const read = this.#readLine(true);
          if (read === undefined) return null;
          if ('kind' in read) return read;
          const line = read.text;
          const firstLine = this.#lines.length === 0 ? line : this.#lines[0]!;
          this.#requestBytes += read.bytes;
          if (this.#requestBytes > this.#limits.maxRequestBytes) return this.#failAtLineEnd(firstLine, line, 'request-too-large');
          const m = LITERAL_MARKER.exec(line);
          if (!m) {
            this.#lines.push(line);
            const request: RawRequest = { lines: this.#lines, literals: this.#literals };
            this.#clearRequest();
            return { kind: 'request', request };
          }
          if (this.#literals.length >= this.#limits.maxLiterals) return this.#failAtLineEnd(firstLine, line, 'too-many-literals');
          this.#lines.push(line);
          const size = Number(m[1]);
          const sync = m[2] !== '+';
          this.#phase = { name: 'await-decision', size, sync };
          return { kind: 'literal', firstLine, index: this.#literals.length, size, sync, literalBytes: this.#literalBytes };
        }
      }
    }
  }

  /** Frames the next plain line (line mode: IDLE's DONE, a SASL response). */
  nextLine(): ReceiverOutput | null {
    if (this.#phase.name === 'skip-line' || this.#phase.name === 'discard-literal') {
      // The rest of an overlong line from an earlier call (or of a failed request).
      const out = this.#skip();
      if (out === undefined) return null;
      if (out !== null) return out;
    }
    if (this.#phase.name !== 'line' || this.#lines.length > 0) {
      // Line mode is only entered between requests; anything else is a caller bug.
      throw new Error('nextLine in the middle of a request');
    }
    const read = this.#readLine(false);
    if (read === undefined) return null;
    if ('kind' in read) return read;
    return { kind: 'line', line: read.text };
  }

  #clearRequest(): void {
    this.#lines = [];
    this.#literals = [];
    this.#requestBytes = 0;
    this.#literalBytes = 0;
  }

  /**
   * Ends a request that failed on a complete line. If that line announced a LITERAL+
   * literal, its bytes are on their way and are discarded, so they are never read as commands.
   */
  #failAtLineEnd(firstLine: string, line: string, reason: FramingError['reason']): FramingError {
    this.#clearRequest();
    const size = nonSyncLiteral(line);
    if (size !== null) this.#phase = { name: 'discard-literal', remaining: size, pending: null };
    return { kind: 'error', firstLine, reason };
  }

  /**
   * Works through a `discard-literal` / `skip-line` phase. Returns undefined when more input
   * is needed, the error to report, or null once the skipped input has ended silently.
   */
  #skip(): FramingError | null | undefined {
    for (;;) {
      const phase = this.#phase;
      if (phase.name === 'discard-literal') {
        phase.remaining -= this.#drop(phase.remaining);
        if (phase.remaining > 0) return undefined;
        // The rest of the command line after the literal is skipped too; an error is
        // reported once that line ends.
        this.#phase = { name: 'skip-line', pending: phase.pending, tail: Buffer.alloc(0), literals: true };
        continue;
      }
      if (phase.name !== 'skip-line') return null;
      const end = this.#findLf();
      if (end < 0) {
        phase.tail = this.#tailOf(phase.tail, this.#buffered);
        this.#drop(this.#buffered);
        return undefined;
      }
      const tail = this.#tailOf(phase.tail, end);
      this.#drop(end + 1);
      const size = phase.literals ? nonSyncLiteral(tail.toString('latin1').replace(/\r$/, '')) : null;
      this.#phase = size === null ? { name: 'line' } : { name: 'discard-literal', remaining: size, pending: null };
      if (phase.pending === null) {
        if (size === null) return null;
        continue;
      }
      const error: FramingError = { kind: 'error', firstLine: phase.pending.firstLine, reason: phase.pending.reason };
      if (phase.pending.size !== undefined) error.size = phase.pending.size;
      return error;
    }
  }

  /** The last MAX_MARKER_BYTES bytes of `before` followed by the first n buffered bytes. */
  #tailOf(before: Buffer, n: number): Buffer {
    const parts: Buffer[] = [before];
    let offset = 0;
    for (const chunk of this.#chunks) {
      if (offset >= n) break;
      const end = Math.min(chunk.length, n - offset);
      if (n - (offset + end) < MAX_MARKER_BYTES) parts.push(chunk.subarray(Math.max(0, end - MAX_MARKER_BYTES), end));
      offset += chunk.length;
    }
    const all = Buffer.concat(parts);
    return Buffer.from(all.subarray(Math.max(0, all.length - MAX_MARKER_BYTES)));
  }

  /**
   * Reads one line without its CRLF (a bare LF is accepted too, as most servers do). Returns
   * undefined when no full line is buffered, or an error when the line is too long (the line is
   * then skipped up to its end). In command mode (`literals`) a skipped line that announces a
   * LITERAL+ literal has that literal's bytes skipped as well.
   */
  #readLine(literals: boolean): ReadLine | FramingError | undefined {
    const end = this.#findLf();
    const max = this.#limits.maxLineBytes;
    if (end < 0) {
      // A line of `max` bytes plus its CR fits in max + 1 bytes; more without an LF is too long.
      if (this.#buffered > max + 1) {
        const firstLine = this.#lines[0] ?? this.#peek(Math.min(max, 200)).toString('utf8');
        this.#clearRequest();
        const tail = this.#tailOf(Buffer.alloc(0), this.#buffered);
        this.#drop(this.#buffered);
        this.#phase = { name: 'skip-line', pending: { firstLine, reason: 'line-too-long' }, tail, literals };
      }
      return undefined;
    }
    const raw = this.#take(end + 1)!;
    let len = raw.length - 1;
    if (len > 0 && raw[len - 1] === CR) len--;
    if (len > max) {
      const firstLine = this.#lines[0] ?? raw.subarray(0, Math.min(max, 200)).toString('utf8');
      const line = literals ? raw.toString('latin1', Math.max(0, len - MAX_MARKER_BYTES), len) : '';
      return this.#failAtLineEnd(firstLine, line, 'line-too-long');
    }
    return { text: raw.toString('utf8', 0, len), bytes: len };
  }

  /** Offset of the first LF in the buffered bytes, or -1. */
  #findLf(): number {
    let offset = this.#scannedBytes;
    for (let i = this.#scannedChunks; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      const at = chunk.indexOf(LF);
      if (at >= 0) return offset + at;
      offset += chunk.length;
      this.#scannedChunks = i + 1;
      this.#scannedBytes = offset;
    }
    return -1;
  }

  /** Buffered bytes were consumed: the scan restarts at the (new) first chunk. */
  #forgetScan(): void {
    this.#scannedChunks = 0;
    this.#scannedBytes = 0;
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.#chunks).subarray(0, n);
  }

  /** Removes and returns up to n buffered bytes (null when nothing is buffered). */
  #take(n: number): Buffer | null {
    if (this.#buffered === 0 || n === 0) return null;
    this.#forgetScan();
    const first = this.#chunks[0]!;
    if (first.length > n) {
      this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      return first.subarray(0, n);
    }
    if (first.length === n || this.#chunks.length === 1) {
      this.#chunks.shift();
      this.#buffered -= first.length;
      return first;
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0 && this.#chunks.length > 0) {
      const c = this.#chunks[0]!;
      if (c.length <= need) {
        parts.push(c);
        this.#chunks.shift();
        need -= c.length;
      } else {
        parts.push(c.subarray(0, need));
        this.#chunks[0] = c.subarray(need);
        need = 0;
      }
    }
    const out = Buffer.concat(parts);
    this.#buffered -= out.length;
    return out;
  }

  /** Discards up to n buffered bytes; returns how many were dropped. */
  #drop(n: number): number {
    if (n > 0) this.#forgetScan();
    let dropped = 0;
    while (dropped < n && this.#chunks.length > 0) {
      const c = this.#chunks[0]!;
      const want = n - dropped;
      if (c.length <= want) {
        this.#chunks.shift();
        dropped += c.length;
      } else {
        this.#chunks[0] = c.subarray(want);
        dropped += want;
      }
    }
    this.#buffered -= dropped;
    return dropped;
  }
}
