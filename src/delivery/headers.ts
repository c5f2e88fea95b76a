// The trace fields final delivery prepends (RFC 5321 §4.4: Return-Path and Received; the
// de-facto Delivered-To), in maddy's order and wording, and the few reads of the incoming
// header that delivery needs (Subject for filters, the quarantine marker).

import { findBodyStart, parseHeaderFields, type HeaderField } from '../mime/header.js';
import { decodeWords } from '../mime/words.js';

/** What the Received field says about where the message came from. */
export interface TraceInfo {
  /** Our name (the endpoint's `hostname`). */
  hostname: string;
  /** Envelope sender; '' is the null reverse-path. */
  sender: string;
  /** The client's HELO/LHLO name, '' when unknown (local delivery). */
  heloName: string;
  /** The client's address, '' when unknown. */
  sourceIp: string;
  /** The client's reverse-DNS name, '' when unknown. */
  sourceRdns: string;
  /** RFC 3848 `with` keyword: LMTP, LMTPA…; 'local' for `gannet deliver`. */
  protocol: string;
  /** The delivery's id, also `{msg_id}` for filters. */
  id: string;
  date: Date;
}

// CR, LF and other controls must never reach a header field: a value from the network (a HELO
// name, an XCLIENT attribute) could otherwise inject whole fields (RFC 5322 §2.2).
// eslint-disable-next-line no-control-regex -- matching the control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f]/g;

function clean(s: string): string {
  return s.replace(CONTROLS, '');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC: `Tue, 1 Jul 2003 10:52:37 +0000` (numeric zone, not the obsolete GMT). */
export function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * The Received field value (RFC 5321 §4.4 Time-stamp-line), worded as maddy's:
 * `from HELO (RDNS [IP]) by HOST (envelope-sender <S>) with LMTP id ID; DATE`. Like maddy it
 * has no `for` clause, so one recipient's address is not shown to another.
 */
export function receivedValue(t: TraceInfo): string {
  const parts: string[] = [];
  if (t.heloName !== '' || t.sourceIp !== '') {
    let from = `from ${clean(t.heloName) || 'unknown'}`;
    if (t.sourceIp !== '') from += ` (${t.sourceRdns !== '' ? `${clean(t.sourceRdns)} ` : ''}[${clean(t.sourceIp)}])`;
    parts.push(from);
  }
  parts.push(`by ${clean(t.hostname)}`);
  if (t.sender !== '') parts.push(`(envelope-sender <${clean(t.sender)}>)`);
  parts.push(`with ${clean(t.protocol)} id ${clean(t.id)}`);
  return `${parts.join(' ')}; ${rfc5322Date(t.date)}`;
}

/**
 * The block prepended to a message for one account: Delivered-To (the account name, as maddy
 * writes it), Return-Path (RFC 5321 §4.4: the reverse-path, `<>` for the null sender) unless
 * `returnPath` is false, then Received.
 */
export function traceBlock(account: string, trace: TraceInfo, returnPath: boolean): Buffer {
  let s = `Delivered-To: ${clean(account)}\r\n`;
  if (returnPath) s += `Return-Path: <${clean(trace.sender)}>\r\n`;
  s += `Received: ${receivedValue(trace)}\r\n`;
  return Buffer.from(s, 'utf8');
}

/** RFC 5322 §2.1: lines end in CRLF. A bare LF (Unix files, sloppy clients) becomes CRLF. */
export function toCrlf(body: Buffer): Buffer {
  let bare = false;
  for (let i = body.indexOf(0x0a); i !== -1; i = body.indexOf(0x0a, i + 1)) {
    if (i === 0 || body[i - 1] !== 0x0d) {
      bare = true;
      break;
    }
  }
  if (!bare) return body;
  return Buffer.from(body.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** The top-level header fields of a message (unfolded values, raw text). */
export function headerFields(raw: Buffer): HeaderField[] {
  return parseHeaderFields(raw, 0, findBodyStart(raw, 0, raw.length));
}

/** The first Subject, unfolded and RFC 2047-decoded; '' when absent. */
export function subjectOf(fields: readonly HeaderField[]): string {
  const f = fields.find((x) => x.name.toLowerCase() === 'subject');
  return f === undefined ? '' : decodeWords(f.value).trim();
}

/** Whether some field `name` has the value `value` (both compared case-insensitively, value trimmed). */
export function hasFieldValue(fields: readonly HeaderField[], name: string, value: string): boolean {
  const n = name.toLowerCase();
  const v = value.toLowerCase();
  return fields.some((f) => f.name.toLowerCase() === n && f.value.trim().toLowerCase() === v);
}
