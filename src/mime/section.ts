// Body sections (RFC 3501 §6.4.5 BODY[section]) and BINARY (RFC 3516 §4.2), served from the
// offsets in the index. Nothing here re-parses MIME structure.

import { headerFieldSpans } from './header.js';
import { decodeBase64, decodeQuotedPrintable } from './decode.js';
import type { MessageIndex, PartIndex } from './types.js';

/** The text part of a section after the part numbers (`section-msgtext` / `"MIME"`). */
export type SectionText =
  | { kind: 'HEADER' }
  | { kind: 'TEXT' }
  /** Only valid after at least one part number (RFC 3501 §6.4.5). */
  | { kind: 'MIME' }
  /** Field names are upper-cased, since header field names are case-insensitive. */
  | { kind: 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT'; fields: string[] };

/**
 * A body section (`section-spec`): `part` is the list of part numbers (`1.2.3` is `[1, 2, 3]`,
 * `[]` for the whole message) and `text` the optional text specifier. `BODY[]` is
 * `{ part: [], text: null }`.
 */
export interface Section {
  part: number[];
  text: SectionText | null;
}

const CRLF = Buffer.from('\r\n');

/**
 * The part a part-number path names (RFC 3501 §6.4.5): `[]` is the message itself; in a
 * multipart, n is the n-th child; after a message/rfc822 part, numbering continues inside the
 * embedded message. A message that is not multipart has only a part 1, its body ("non-multipart
 * messages … only have a part 1"). The RFC numbers nothing below a leaf of a multipart; like
 * Dovecot, `n.1` of such a leaf is the leaf itself, so clients that append `.1` to any leaf get
 * data rather than an empty string. Null when no such part exists.
 */
export function resolvePart(index: MessageIndex, path: readonly number[]): PartIndex | null {
  let node = index.root;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    let container = node;
    if (i > 0) {
      if (node.message !== null) container = node.message.root;
      else if (node.parts === null && node === index.root) return null;
    }
    if (container.parts !== null) {
      const child = container.parts[n - 1];
      if (child === undefined) return null;
      node = child;
    } else if (n === 1) {
      node = container;
    } else {
      return null;
    }
  }
  return node;
}

function slice(raw: Uint8Array, start: number, end: number): Buffer {
  const b = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return b.subarray(start, end);
}

/**
 * The bytes of a body section, or null when the section names a part that does not exist or
 * a HEADER/TEXT of a part that is not a message/rfc822 (Dovecot then sends an empty string;
 * RFC 3501 leaves it open). The result is a view into `raw` where it can be.
 */
export function sectionBytes(index: MessageIndex, raw: Uint8Array, section: Section): Buffer | null {
  const node = resolvePart(index, section.part);
  if (node === null) return null;
  const text = section.text;
  if (text === null) {
    if (section.part.length === 0) return slice(raw, 0, index.size);
    return slice(raw, node.bodyStart, node.bodyEnd);
  }
  if (text.kind === 'MIME') {
    if (section.part.length === 0) return null; // RFC 3501 §6.4.5: MIME needs a part number
    return slice(raw, node.headerStart, node.bodyStart);
  }
  // HEADER, HEADER.FIELDS[.NOT] and TEXT address a message: the top level, or an embedded one.
  const msg = section.part.length === 0 ? index.root : (node.message?.root ?? null);
  if (msg === null) return null;
  if (text.kind === 'TEXT') return slice(raw, msg.bodyStart, msg.bodyEnd);
  if (text.kind === 'HEADER') return slice(raw, msg.headerStart, msg.bodyStart);
  return headerFields(raw, msg.headerStart, msg.bodyStart, text.fields, text.kind === 'HEADER.FIELDS.NOT');
}

/**
 * HEADER, HEADER.FIELDS or HEADER.FIELDS.NOT of the message itself (`section.part` empty),
 * from its header block alone (the bytes up to where its body starts): the same bytes
 * sectionBytes gives from the whole message, without reading the body.
 */
export function topHeaderSection(header: Uint8Array, section: Section): Buffer {
  const text = section.text;
  if (
    section.part.length > 0 ||
    text === null ||
    (text.kind !== 'HEADER' && text.kind !== 'HEADER.FIELDS' && text.kind !== 'HEADER.FIELDS.NOT')
  ) {
    throw new Error('topHeaderSection takes a header section of the message itself');
  }
  if (text.kind === 'HEADER') return slice(header, 0, header.length);
  return headerFields(header, 0, header.length, text.fields, text.kind === 'HEADER.FIELDS.NOT');
}

/**
 * HEADER.FIELDS / HEADER.FIELDS.NOT: the selected fields as they are in the message (folding
 * kept), in message order, then the empty line that ends a header (RFC 3501 §6.4.5). Field
 * names compare case-insensitively.
 */
function headerFields(raw: Uint8Array, headerStart: number, end: number, names: readonly string[], not: boolean): Buffer {
  const want = new Set(names.map((n) => n.toUpperCase()));
  const out: Buffer[] = [];
  for (const f of headerFieldSpans(raw, headerStart, end)) {
    if (want.has(f.name.toUpperCase()) === not) continue;
    out.push(slice(raw, f.start, f.end));
    if (raw[f.end - 1] !== 0x0a) out.push(CRLF);
  }
  // The empty line that ends the header. HEADER.FIELDS always gets one; HEADER.FIELDS.NOT
  // passes it on only when the message has one, as Dovecot does for a message that is all header.
  if (!not) out.push(CRLF);
  else if (
    end > headerStart &&
    raw[end - 1] === 0x0a &&
    (end - 1 === headerStart || raw[end - 2] === 0x0a || (raw[end - 2] === 0x0d && (end - 2 === headerStart || raw[end - 3] === 0x0a)))
  )
    out.push(CRLF);
  return Buffer.concat(out);
}

/** RFC 3516 §4.2: BINARY of a part whose encoding is not one the server can undo. */
export interface UnknownCte {
  unknownCte: true;
}

/**
 * BINARY[part]: the part's body with its Content-Transfer-Encoding removed (RFC 3516 §4.2).
 * `[]` is the whole message as stored. 7bit, 8bit and binary pass through; base64 and
 * quoted-printable are decoded; any other encoding is `{ unknownCte: true }`
 * (→ `NO [UNKNOWN-CTE]`). Null when the part does not exist.
 */
export function binaryPart(index: MessageIndex, raw: Uint8Array, part: readonly number[]): Buffer | UnknownCte | null {
  const node = resolvePart(index, part);
  if (node === null) return null;
  if (part.length === 0) return slice(raw, 0, index.size);
  const body = slice(raw, node.bodyStart, node.bodyEnd);
  if (node.parts !== null || node.message !== null) return body;
  switch (node.encoding.toLowerCase()) {
    case '7bit':
    case '8bit':
    case 'binary':
      return body;
    case 'base64':
      return decodeBase64(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return { unknownCte: true };
  }
}
