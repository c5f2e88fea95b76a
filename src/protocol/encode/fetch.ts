// FETCH responses (RFC 3501 §7.4.2; BINARY RFC 3516 §4.2): the data items of one message, and
// the FLAGS-only FETCH that STORE and mailbox updates send. The caller supplies the message's
// record fields and lazy accessors for its bytes and MIME data, so an item costs only what it
// reads; the stored bytes go out as they are, never re-encoded.

import type { FetchItem, Section } from '../fetch-item.js';
import { formatInternalDate } from './internal-date.js';
import { emailObjectId } from './object-id.js';
import type { MimeSummary } from './mime-summary.js';
import { ResponseBuilder, type Chunk } from './writer.js';

/** The record fields FETCH items show (a stored message record has them). */
export interface FetchedMessage {
  readonly uid: number;
  readonly flags: readonly string[];
  /** ms since the epoch. */
  readonly internalDate: number;
  /** RFC822.SIZE: octets of the stored message. */
  readonly size: number;
  /** MODSEQ (RFC 7162 §3.1.4.2). */
  readonly modseq: number;
  /** SAVEDATE (RFC 8514 §4), ms since the epoch; null when unknown. */
  readonly savedAt: number | null;
  /** The content address of the stored bytes, from which EMAILID comes (RFC 8474 §5.1). */
  readonly blob: string;
}

/** What FETCH items read beyond the record, asked for only when an item needs it. */
export interface FetchedData {
  /** \Recent for the session that fetches (RFC 3501 §2.3.2): shown in FLAGS, never stored. */
  recent(): boolean;
  /** The whole message as stored (RFC822, BODY[]). */
  body(): Buffer;
  /** A section's bytes (BODY[section], RFC822.HEADER, RFC822.TEXT); empty when it names no existing part. */
  section(section: Section): Buffer;
  /** The pre-encoded ENVELOPE, BODYSTRUCTURE and BODY. */
  summary(): MimeSummary;
  /** A part's content with its transfer encoding removed (BINARY), null when there is no such part. */
  binary(part: number[]): Buffer | null;
}

/** A flag list as FETCH FLAGS writes it, with \Recent added for this session's recent messages. */
export function encodeFlags(flags: readonly string[], recent: boolean): string {
  const b = new ResponseBuilder();
  b.flags(recent ? [...flags, '\\Recent'] : [...flags]);
  return b.toString();
}

/**
 * `* seq FETCH ([UID uid ]FLAGS (…)[ MODSEQ (n)])`: a message's flags as STORE reports them (with
 * UID for UID STORE, RFC 3501 §6.4.8) and as updates from other sessions report them (always
 * with UID, so a client can apply them without its sequence map). `modseq` once CONDSTORE is
 * on (RFC 7162 §3.1: every FETCH caused by a flag change then carries it); `flags` null for
 * STORE .SILENT under CONDSTORE, which still reports the new modseq (§3.1.3).
 */
export function encodeFetchFlags(
  seq: number,
  uid: number | null,
  flags: readonly string[] | null,
  recent: boolean,
  modseq: number | null = null,
): string {
  const parts: string[] = [];
  if (uid !== null) parts.push(`UID ${uid}`);
  if (flags !== null) parts.push(`FLAGS ${encodeFlags(flags, recent)}`);
  if (modseq !== null) parts.push(`MODSEQ (${modseq})`);
  return `* ${seq} FETCH (${parts.join(' ')})\r\n`;
}

/** The section spec as the reply names it: `1.2.HEADER.FIELDS (FROM TO)`. */
function sectionName(section: Section): string {
  const part = section.part.join('.');
  const t = section.text;
  if (!t) return part;
  const text = t.kind === 'HEADER.FIELDS' || t.kind === 'HEADER.FIELDS.NOT' ? `${t.kind} (${t.fields.join(' ')})` : t.kind;
  return part ? `${part}.${text}` : text;
}

/** `<origin.length>` (RFC 3501 §6.4.5): clamped at the end; the reply names only the origin. */
function partial(data: Buffer, range: { offset: number; length: number } | null): Buffer {
  if (!range) return data;
  if (range.offset >= data.length) return data.subarray(0, 0);
  return data.subarray(range.offset, Math.min(data.length, range.offset + range.length));
}

/** literal8 (RFC 3516 §4.2) when the data holds NUL, which a plain literal must not carry. */
function writeBinary(b: ResponseBuilder, data: Buffer): void {
  if (data.includes(0)) b.raw('~');
  b.literal(data);
}

const RFC822_HEADER: Section = { part: [], text: { kind: 'HEADER' } };
const RFC822_TEXT: Section = { part: [], text: { kind: 'TEXT' } };

/** Writes one FETCH data item (msg-att-dynamic / msg-att-static, RFC 3501 §9). */
export function writeFetchItem(b: ResponseBuilder, item: FetchItem, msg: FetchedMessage, data: FetchedData): void {
  switch (item.type) {
    case 'UID':
      b.raw(`UID ${msg.uid}`);
      return;
    case 'FLAGS':
      b.raw(`FLAGS ${encodeFlags(msg.flags, data.recent())}`);
      return;
    case 'INTERNALDATE':
      b.raw(`INTERNALDATE "${formatInternalDate(msg.internalDate)}"`);
      return;
    case 'RFC822.SIZE':
      b.raw(`RFC822.SIZE ${msg.size}`);
      return;
    case 'MODSEQ':
      b.raw(`MODSEQ (${msg.modseq})`);
      return;
    case 'EMAILID':
      b.raw(`EMAILID (${emailObjectId(msg.blob)})`);
      return;
    case 'THREADID':
      // RFC 8474 §5.2: NIL while the server does not thread messages.
      b.raw('THREADID NIL');
      return;
    case 'SAVEDATE':
      if (msg.savedAt === null) b.raw('SAVEDATE NIL');
      else b.raw(`SAVEDATE "${formatInternalDate(msg.savedAt)}"`);
      return;
    case 'ENVELOPE':
      b.raw(`ENVELOPE ${data.summary().envelope}`);
      return;
    case 'BODYSTRUCTURE':
      b.raw(`BODYSTRUCTURE ${data.summary().bodystructure}`);
      return;
    case 'BODY':
      b.raw(`BODY ${data.summary().body}`);
      return;
    case 'RFC822':
      b.raw('RFC822 ').literal(data.body());
      return;
    case 'RFC822.HEADER':
      b.raw('RFC822.HEADER ').literal(data.section(RFC822_HEADER));
      return;
    case 'RFC822.TEXT':
      b.raw('RFC822.TEXT ').literal(data.section(RFC822_TEXT));
      return;
    case 'BODY[]': {
      const origin = item.partial ? `<${item.partial.offset}>` : '';
      b.raw(`BODY[${sectionName(item.section)}]${origin} `).literal(partial(data.section(item.section), item.partial));
      return;
    }
    case 'BINARY': {
      const origin = item.partial ? `<${item.partial.offset}>` : '';
      const bytes = data.binary(item.part);
      b.raw(`BINARY[${item.part.join('.')}]${origin} `);
      if (bytes === null) b.nil();
      else writeBinary(b, partial(bytes, item.partial));
      return;
    }
    case 'BINARY.SIZE': {
      const bytes = data.binary(item.part);
      b.raw(`BINARY.SIZE[${item.part.join('.')}] ${bytes === null ? 0 : bytes.length}`);
      return;
    }
  }
}

/** Items a message's record answers alone, with no literal: their response is plain text. */
const RECORD_ITEMS = new Set<FetchItem['type']>([
  'UID',
  'FLAGS',
  'MODSEQ',
  'INTERNALDATE',
  'RFC822.SIZE',
  'EMAILID',
  'THREADID',
  'SAVEDATE',
]);

/** Does every item come from the record? Then encodeRecordFetch answers, without a builder. */
export function recordOnlyItems(items: readonly FetchItem[]): boolean {
  return items.every((item) => RECORD_ITEMS.has(item.type));
}

/**
 * The same response as encodeFetch for record-only items, built as one string: a client that
 * resynchronises without CONDSTORE asks `UID FETCH 1:* (FLAGS)` of every message, and this is
 * where that time goes. Stored flags are atoms already (checked when they were stored).
 */
export function encodeRecordFetch(seq: number, items: readonly FetchItem[], msg: FetchedMessage, recent: boolean): string {
  let out = `* ${seq} FETCH (`;
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ' ';
    switch (items[i]!.type) {
      case 'UID':
        out += `UID ${msg.uid}`;
        break;
      case 'FLAGS':
        out += `FLAGS (${msg.flags.join(' ')}${recent ? (msg.flags.length > 0 ? ' \\Recent' : '\\Recent') : ''})`;
        break;
      case 'MODSEQ':
        out += `MODSEQ (${msg.modseq})`;
        break;
      case 'INTERNALDATE':
        out += `INTERNALDATE "${formatInternalDate(msg.internalDate)}"`;
        break;
      case 'RFC822.SIZE':
        out += `RFC822.SIZE ${msg.size}`;
        break;
      case 'EMAILID':
        out += `EMAILID (${emailObjectId(msg.blob)})`;
        break;
      case 'THREADID':
        out += 'THREADID NIL';
        break;
      case 'SAVEDATE':
        out += msg.savedAt === null ? 'SAVEDATE NIL' : `SAVEDATE "${formatInternalDate(msg.savedAt)}"`;
        break;
      default:
        throw new Error(`${items[i]!.type} is not answered from the record`);
    }
  }
  return `${out})\r\n`;
}

/** `* seq FETCH (item SP item …)` CRLF for one message, as chunks: body literals stay Buffers. */
export function encodeFetch(seq: number, items: readonly FetchItem[], msg: FetchedMessage, data: FetchedData): Chunk[] {
  const b = new ResponseBuilder();
  b.raw(`* ${seq} FETCH (`);
  items.forEach((item, i) => {
    if (i > 0) b.sp();
    writeFetchItem(b, item, msg, data);
  });
  return b.raw(')').crlf().toChunks();
}
