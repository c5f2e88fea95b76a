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

export type ReceiverOutput =
  | { kind: 'request'; request: RawRequest }
  | { kind: 'line'; line: string }
  | LiteralAnnouncement
  | FramingError;

// `{123}` or `{123+}` at the very end of a line (RFC 9051 §9 literal, RFC 7888 literal-plus).
const LITERAL_MARKER = /\{(\d{1,20})(\+?)\}$/;

type Phase =
  | { name: 'line' }
  | { name: 'skip-line'; firstLine: string; reason: FramingError['reason']; size?: number } // discard to CRLF
  | { name: 'await-decision'; size: number; sync: boolean }
  | { name: 'literal'; remaining: number; parts: Buffer[] }
  | { name: 'discard-literal'; remaining: number; firstLine: string; size: number };

const CR = 0x0d;
const LF = 0x0a;

/**
 * The framer. `push` adds bytes; `next` / `nextLine` frame as far as the buffered bytes allow
 * and return `null` when more input is needed.
 */
export class Receiver {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #phase: Phase = { name: 'line' };
  // The request being assembled.
  #lines: string[] = [];
  #literals: Buffer[] = [];
  #requestBytes = 0;
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
    this.#phase = { name: 'discard-literal', remaining: phase.size, firstLine, size: phase.size };
    return null;
  }

  /** Frames the next command (command mode). */
  next(): ReceiverOutput | null {
    for (;;) {
      const phase = this.#phase;
      switch (phase.name) {
        case 'await-decision':
          return null; // the owner has not decided yet
        case 'discard-literal': {
          const n = this.#drop(phase.remaining);
          phase.remaining -= n;
          if (phase.remaining > 0) return null;
          this.#phase = { name: 'skip-line', firstLine: phase.firstLine, reason: 'literal-rejected', size: phase.size };
          // The rest of the command line after the literal is skipped too; the error is
          // reported once that line ends.
          continue;
        }
        case 'literal': {
          const part = this.#take(phase.remaining);
          if (part) {
            phase.parts.push(part);
            phase.remaining -= part.length;
          }
          if (phase.remaining > 0) return null;
          this.#literals.push(phase.parts.length === 1 ? phase.parts[0]! : Buffer.concat(phase.parts));
          this.#phase = { name: 'line' };
          continue;
        }
        case 'skip-line': {
          const end = this.#findLf();
          if (end < 0) {
            this.#drop(this.#buffered);
            return null;
          }
          this.#drop(end + 1);
          this.#phase = { name: 'line' };
          const error: FramingError = { kind: 'error', firstLine: phase.firstLine, reason: phase.reason };
          if (phase.size !== undefined) error.size = phase.size;
          return error;
        }
        case 'line': {
          const line = this.#readLine();
          if (line === undefined) return null;
          if (typeof line !== 'string') return line;
          const firstLine = this.#lines.length === 0 ? line : this.#lines[0]!;
          this.#requestBytes += line.length;
          if (this.#requestBytes > this.#limits.maxRequestBytes) {
            this.#clearRequest();
            return { kind: 'error', firstLine, reason: 'request-too-large' };
          }
          this.#lines.push(line);
          const m = LITERAL_MARKER.exec(line);
          if (!m) {
            const request: RawRequest = { lines: this.#lines, literals: this.#literals };
            this.#clearRequest();
            return { kind: 'request', request };
          }
          if (this.#literals.length >= this.#limits.maxLiterals) {
            this.#clearRequest();
            return { kind: 'error', firstLine, reason: 'too-many-literals' };
          }
          const size = Number(m[1]);
          const sync = m[2] !== '+';
          this.#phase = { name: 'await-decision', size, sync };
          return { kind: 'literal', firstLine, index: this.#literals.length, size, sync };
        }
      }
    }
  }

  /** Frames the next plain line (line mode: IDLE's DONE, a SASL response). */
  nextLine(): ReceiverOutput | null {
    if (this.#phase.name !== 'line' || this.#lines.length > 0) {
      // Line mode is only entered between requests; anything else is a caller bug.
      throw new Error('nextLine in the middle of a request');
    }
    const line = this.#readLine();
    if (line === undefined) return null;
    if (typeof line !== 'string') return line;
    return { kind: 'line', line };
  }

  #clearRequest(): void {
    this.#lines = [];
    this.#literals = [];
    this.#requestBytes = 0;
  }

  /**
   * Reads one line without its CRLF (a bare LF is accepted too, as most servers do). Returns
   * undefined when no full line is buffered, or an error when the line is too long (the line is
   * then skipped up to its end).
   */
  #readLine(): string | FramingError | undefined {
    const end = this.#findLf();
    const max = this.#limits.maxLineBytes;
    if (end < 0) {
      if (this.#buffered > max + 1) {
        const firstLine = this.#lines[0] ?? this.#peek(Math.min(max, 200)).toString('utf8');
        this.#clearRequest();
        this.#phase = { name: 'skip-line', firstLine, reason: 'line-too-long' };
        this.#drop(this.#buffered);
      }
      return undefined;
    }
    const raw = this.#take(end + 1)!;
    let len = raw.length - 1;
    if (len > 0 && raw[len - 1] === CR) len--;
    if (len > max) {
      const firstLine = this.#lines[0] ?? raw.subarray(0, Math.min(max, 200)).toString('utf8');
      this.#clearRequest();
      return { kind: 'error', firstLine, reason: 'line-too-long' };
    }
    return raw.toString('utf8', 0, len);
  }

  /** Offset of the first LF in the buffered bytes, or -1. */
  #findLf(): number {
    let offset = 0;
    for (const chunk of this.#chunks) {
      const i = chunk.indexOf(LF);
      if (i >= 0) return offset + i;
      offset += chunk.length;
    }
    return -1;
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.#chunks).subarray(0, n);
  }

  /** Removes and returns up to n buffered bytes (null when nothing is buffered). */
  #take(n: number): Buffer | null {
    if (this.#buffered === 0 || n === 0) return null;
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
