// Header blocks and header fields (RFC 5322 §2.2, §3.6; RFC 2045 §3). Works on the raw bytes so
// that offsets stay exact; values become strings only when a field is actually needed.

import { isUtf8 } from 'node:buffer';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

/** One header field: `start`/`end` cover its lines (continuations and line break included). */
export interface HeaderField {
  /** The name as written, without trailing white space. */
  name: string;
  /** Unfolded value (RFC 5322 §2.2.3: line breaks removed, white space kept), leading WSP dropped. */
  value: string;
  start: number;
  end: number;
}

/**
 * Text of header bytes. RFC 6532 allows UTF-8 in headers; anything else that is 8-bit is
 * undeclared legacy text, read byte for byte as Latin-1 so nothing is lost or replaced.
 */
export function headerText(raw: Uint8Array, start: number, end: number): string {
  const bytes = raw.subarray(start, end);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) return isUtf8(bytes) ? Buffer.from(bytes).toString('utf8') : Buffer.from(bytes).toString('latin1');
  }
  return Buffer.from(bytes).toString('latin1');
}

/**
 * Where the body starts: just after the first empty line at or after `start` (RFC 5322 §2.1).
 * A part that opens with an empty line has no header; a part with no empty line is all header
 * and has an empty body (Dovecot reads it the same way).
 */
export function findBodyStart(raw: Uint8Array, start: number, end: number): number {
  if (start >= end) return end;
  if (raw[start] === LF) return start + 1;
  if (raw[start] === CR && start + 1 < end && raw[start + 1] === LF) return start + 2;
  let i = start;
  for (;;) {
    const lf = indexOfByte(raw, LF, i, end);
    if (lf < 0) return end;
    const next = lf + 1;
    if (next >= end) return end;
    if (raw[next] === LF) return next + 1;
    if (raw[next] === CR && next + 1 < end && raw[next + 1] === LF) return next + 2;
    i = next;
  }
}

export function indexOfByte(raw: Uint8Array, byte: number, from: number, end: number): number {
  const i = raw.indexOf(byte, from);
  return i < 0 || i >= end ? -1 : i;
}

/** Where one header field lies, before its value is decoded: enough to copy fields out as written. */
export interface HeaderFieldSpan {
  /** The name as written, without trailing white space. */
  name: string;
  /** Where the value starts: after the colon, or at the line break of a line without one. */
  valueStart: number;
  start: number;
  end: number;
}

/**
 * The fields of the header block [start, end), each with its continuation lines, as spans:
 * no value is unfolded or decoded, so selecting fields by name (FETCH BODY[HEADER.FIELDS],
 * asked of every message by clients listing a mailbox) costs a scan and nothing more. A line
 * without a colon becomes a field whose name is the whole line and whose value is empty.
 */
export function headerFieldSpans(raw: Uint8Array, start: number, end: number, maxFields = Infinity): HeaderFieldSpan[] {
  const fields: HeaderFieldSpan[] = [];
  let pos = start;
  let current: HeaderFieldSpan | null = null;
  while (pos < end && fields.length < maxFields) {
    const lf = indexOfByte(raw, LF, pos, end);
    const lineEnd = lf < 0 ? end : lf + 1;
    const first = raw[pos];
    if (first === LF || (first === CR && raw[pos + 1] === LF)) break; // the empty line ending the block
    if ((first === SP || first === TAB) && current !== null) {
      current.end = lineEnd;
    } else {
      if (current !== null) fields.push(current);
      const colon = indexOfByte(raw, COLON, pos, lineEnd);
      let nameEnd: number;
      let valueStart: number;
      if (colon > pos) {
        nameEnd = colon;
        while (nameEnd > pos && (raw[nameEnd - 1] === SP || raw[nameEnd - 1] === TAB)) nameEnd--;
        valueStart = colon + 1;
      } else {
        // Not a field, but part of the header: kept as a name with no value, so that
        // HEADER.FIELDS.NOT still returns it and no real field name can match it.
        nameEnd = lineEnd;
        while (nameEnd > pos && (raw[nameEnd - 1] === LF || raw[nameEnd - 1] === CR)) nameEnd--;
        valueStart = nameEnd;
      }
      current = { name: latin1(raw, pos, nameEnd), valueStart, start: pos, end: lineEnd };
    }
    pos = lineEnd;
  }
  if (current !== null && fields.length < maxFields) fields.push(current);
  return fields;
}

/** The fields of the header block [start, end) with their unfolded values (see headerFieldSpans). */
export function parseHeaderFields(raw: Uint8Array, start: number, end: number, maxFields = Infinity): HeaderField[] {
  return headerFieldSpans(raw, start, end, maxFields).map((f) => ({
    name: f.name,
    value: unfold(raw, f.valueStart, f.end),
    start: f.start,
    end: f.end,
  }));
}

function latin1(raw: Uint8Array, start: number, end: number): string {
  const b = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return b.toString('latin1', start, end);
}

/** Value text: CR and LF removed (unfolding), leading white space after the colon dropped. */
function unfold(raw: Uint8Array, start: number, end: number): string {
  let s = start;
  while (s < end && (raw[s] === SP || raw[s] === TAB)) s++;
  let hasBreak = false;
  for (let i = s; i < end; i++) {
    if (raw[i] === CR || raw[i] === LF) {
      hasBreak = true;
      break;
    }
  }
  if (!hasBreak) return headerText(raw, s, end);
  const out: number[] = [];
  for (let i = s; i < end; i++) {
    const b = raw[i]!;
    if (b !== CR && b !== LF) out.push(b);
  }
  const bytes = Uint8Array.from(out);
  return headerText(bytes, 0, bytes.length);
}

/** First field named `name` (case-insensitive), or null. */
export function firstField(fields: readonly HeaderField[], name: string): HeaderField | null {
  const want = name.toLowerCase();
  for (const f of fields) if (f.name.toLowerCase() === want) return f;
  return null;
}

/**
 * Whitespace rules Dovecot applies to subjects and display names: tabs become spaces, runs of
 * white space collapse to one, and leading and trailing white space go. Folding left a mix of
 * tabs and spaces whose only meaning was "a line break was here" (RFC 5322 §2.2.3).
 */
export function forHumans(s: string): string {
  return s.replace(/[\t ]+/g, ' ').replace(/^ | $/g, '');
}
