// The MIME walk: raw RFC 5322 message → MessageIndex (RFC 2045 §5-§6, RFC 2046 §5.1-§5.2,
// RFC 3501 §7.4.2). Parsed once at store time; FETCH then serves from offsets.

import { parseAddressList } from './address.js';
import { findBodyStart, firstField, forHumans, parseHeaderFields, type HeaderField } from './header.js';
import { MAX_HEADER_FIELDS, MAX_INDEXED_FIELD_CHARS, MAX_MIME_DEPTH, MAX_MIME_PARTS } from './limits.js';
import { parseStructured } from './params.js';
import { MESSAGE_INDEX_VERSION, type Envelope, type MessageIndex, type Param, type PartIndex } from './types.js';

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/** Fields copied into `MessageIndex.fields`: the ones list views and threading fetch. */
const INDEXED_FIELDS = ['REFERENCES', 'LIST-ID', 'LIST-POST', 'X-PRIORITY', 'IMPORTANCE', 'AUTO-SUBMITTED'];

interface Walk {
  raw: Buffer;
  parts: number;
  warnings: string[];
}

/** Parses a raw message. Never throws: any byte string yields a valid index. */
export function parseMessage(raw: Uint8Array): MessageIndex {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const w: Walk = { raw: buf, parts: 0, warnings: [] };
  const { part: root, fields } = parsePart(w, 0, buf.length, 0, false);
  const indexed: [string, string][] = [];
  for (const name of INDEXED_FIELDS) {
    const f = firstField(fields, name);
    if (f !== null) indexed.push([name, f.value.slice(0, MAX_INDEXED_FIELD_CHARS)]);
  }
  return { v: MESSAGE_INDEX_VERSION, size: raw.length, envelope: envelopeOf(fields), root, fields: indexed, warnings: w.warnings };
}

/**
 * One part in [start, end): header, then a body interpreted by content type. `inDigest`
 * changes the default type to message/rfc822 (RFC 2046 §5.1.5).
 */
function parsePart(
  w: Walk,
  start: number,
  end: number,
  depth: number,
  inDigest: boolean,
  extendTo = end,
): { part: PartIndex; fields: HeaderField[] } {
  w.parts++;
  const raw = w.raw;
  const bodyStart = findBodyStart(raw, start, end);
  const fields = parseHeaderFields(raw, start, bodyStart, MAX_HEADER_FIELDS);
  const ct = firstField(fields, 'Content-Type');
  let type = inDigest ? 'message' : 'text';
  let subtype = inDigest ? 'rfc822' : 'plain';
  let params: Param[] = [];
  if (ct !== null) {
    const sv = parseStructured(ct.value);
    const slash = sv.value.indexOf('/');
    const t = slash < 0 ? '' : sv.value.slice(0, slash).trim();
    const s = slash < 0 ? '' : sv.value.slice(slash + 1).trim();
    // RFC 2045 §5.2: an invalid Content-Type is read as the default, but its parameters
    // (a charset in particular) still apply.
    if (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(t) && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(s)) {
      type = t;
      subtype = s;
    } else {
      w.warnings.push(`invalid Content-Type at ${ct.start}`);
      type = 'text';
      subtype = 'plain';
    }
    params = sv.params;
  }
  const lower = type.toLowerCase();
  const lowerSub = subtype.toLowerCase();
  if (lower === 'text' && !params.some((p) => p[0].toLowerCase() === 'charset')) params.push(['charset', 'us-ascii']);

  const cte = firstField(fields, 'Content-Transfer-Encoding');
  const encoding = cte === null ? '7bit' : cte.value.replace(/\(.*?\)/g, '').trim() || '7bit';
  const disp = firstField(fields, 'Content-Disposition');
  let disposition: PartIndex['disposition'] = null;
  if (disp !== null) {
    const sv = parseStructured(disp.value);
    if (sv.value !== '') disposition = { type: sv.value, params: sv.params };
  }
  const lang = firstField(fields, 'Content-Language');
  const languages =
    lang === null
      ? []
      : lang.value
          .split(',')
          .map((l) => l.replace(/\(.*?\)/g, '').trim())
          .filter((l) => l !== '');

  const part: PartIndex = {
    headerStart: start,
    bodyStart,
    bodyEnd: end,
    type,
    subtype,
    params,
    id: valueOrNull(firstField(fields, 'Content-ID')),
    description: valueOrNull(firstField(fields, 'Content-Description')),
    encoding,
    size: end - bodyStart,
    lines: countLines(raw, bodyStart, end),
    md5: valueOrNull(firstField(fields, 'Content-MD5')),
    disposition,
    language: languages.length === 0 ? null : languages,
    location: valueOrNull(firstField(fields, 'Content-Location')),
    parts: null,
    message: null,
  };

  const tooDeep = depth >= MAX_MIME_DEPTH || w.parts >= MAX_MIME_PARTS;
  if (lower === 'multipart') {
    if (tooDeep) {
      w.warnings.push(`MIME structure too deep or too many parts at ${start}; kept as one opaque part`);
      return { part: opaque(part), fields };
    }
    const mp = parseMultipart(w, part, depth, lowerSub === 'digest', extendTo);
    part.parts = mp.children;
    setBodyEnd(w, part, mp.bodyEnd);
  } else if (lower === 'message' && lowerSub === 'rfc822') {
    if (tooDeep) {
      w.warnings.push(`MIME structure too deep or too many parts at ${start}; kept as one opaque part`);
      return { part: opaque(part), fields };
    }
    const inner = parsePart(w, bodyStart, end, depth + 1, false, extendTo);
    part.message = { envelope: envelopeOf(inner.fields), root: inner.part };
    setBodyEnd(w, part, inner.part.bodyEnd);
  }
  return { part, fields };
}

function setBodyEnd(w: Walk, part: PartIndex, bodyEnd: number): void {
  if (bodyEnd === part.bodyEnd) return;
  part.bodyEnd = bodyEnd;
  part.size = bodyEnd - part.bodyStart;
  part.lines = countLines(w.raw, part.bodyStart, bodyEnd);
}

/**
 * A multipart or message part past the depth or count caps: sent as application/octet-stream
 * so BODYSTRUCTURE stays well-formed without its (unparsed) children.
 */
function opaque(part: PartIndex): PartIndex {
  return { ...part, type: 'application', subtype: 'octet-stream', params: part.params.filter((p) => p[0].toLowerCase() !== 'boundary') };
}

/**
 * Splits a multipart body at its boundary delimiter lines (RFC 2046 §5.1.1):
 *
 *   preamble CRLF "--" boundary [ "--" ] *WSP CRLF … part … CRLF "--" boundary …
 *
 * The line break before a delimiter belongs to the delimiter, not to the part. A missing close
 * delimiter ends the last part at the end of the body; a multipart without a boundary parameter,
 * or whose boundary never occurs, gets one empty text/plain child, as Dovecot does, since
 * RFC 3501 §9 requires at least one body in a multipart.
 */
function parseMultipart(
  w: Walk,
  mp: PartIndex,
  depth: number,
  digest: boolean,
  extendTo: number,
): { children: PartIndex[]; bodyEnd: number } {
  const raw = w.raw;
  const boundaryParam = mp.params.find((p) => p[0].toLowerCase() === 'boundary');
  const children: PartIndex[] = [];
  const delims =
    boundaryParam === undefined || boundaryParam[1] === ''
      ? []
      : findDelimiters(raw, mp.bodyStart, mp.bodyEnd, Buffer.from(`--${boundaryParam[1]}`, 'latin1'));
  if (boundaryParam === undefined) w.warnings.push(`multipart without boundary at ${mp.headerStart}`);
  for (let i = 0; i < delims.length; i++) {
    const d = delims[i]!;
    if (d.close) break;
    const next = delims[i + 1];
    const partStart = d.lineEnd;
    const partEnd = next === undefined ? mp.bodyEnd : Math.max(partStart, next.breakStart);
    const partExtendTo = next === undefined ? partEnd : Math.max(partStart, next.at);
    if (next === undefined) w.warnings.push(`multipart at ${mp.headerStart} has no close delimiter`);
    if (w.parts >= MAX_MIME_PARTS) {
      w.warnings.push(`more than ${MAX_MIME_PARTS} MIME parts; the rest stay inside their parent`);
      break;
    }
    children.push(parsePart(w, partStart, partEnd, depth + 1, digest, partExtendTo).part);
  }
  if (children.length === 0) {
    children.push(emptyTextPart(mp.bodyEnd));
  }
  // A close delimiter that ends this part without a line break of its own takes the line break
  // before the enclosing delimiter, which then starts right at the next line. RFC 2046 §5.1.1
  // gives that one CRLF to both the epilogue and the outer delimiter; Dovecot and most parsers
  // give it to the inner part, so a forwarded multipart message keeps its last line break.
  const last = delims[delims.length - 1];
  const bodyEnd = last !== undefined && last.close && last.lineEnd === mp.bodyEnd && !last.hasBreak ? extendTo : mp.bodyEnd;
  return { children, bodyEnd };
}

function emptyTextPart(at: number): PartIndex {
  return {
    headerStart: at,
    bodyStart: at,
    bodyEnd: at,
    type: 'text',
    subtype: 'plain',
    params: [['charset', 'us-ascii']],
    id: null,
    description: null,
    encoding: '7bit',
    size: 0,
    lines: 0,
    md5: null,
    disposition: null,
    language: null,
    location: null,
    parts: null,
    message: null,
  };
}

interface Delimiter {
  /** Where the line break before the delimiter starts (or the delimiter itself at body start). */
  breakStart: number;
  /** Where `--boundary` starts. */
  at: number;
  /** The delimiter line ends with a line break (not at the end of the range). */
  hasBreak: boolean;
  /** First byte after the delimiter line's line break. */
  lineEnd: number;
  close: boolean;
}

/** Delimiter lines of `dash` (`--boundary`) in [start, end), followed only by `--` and/or white space. */
function findDelimiters(raw: Buffer, start: number, end: number, dash: Buffer): Delimiter[] {
  const out: Delimiter[] = [];
  let pos = start;
  while (pos < end) {
    const at = raw.indexOf(dash, pos);
    if (at < 0 || at + dash.length > end) break;
    if (at !== start && raw[at - 1] !== LF) {
      pos = at + 1;
      continue;
    }
    let i = at + dash.length;
    let close = false;
    if (i + 1 < end && raw[i] === DASH && raw[i + 1] === DASH) {
      close = true;
      i += 2;
    }
    while (i < end && (raw[i] === 0x20 || raw[i] === 0x09)) i++;
    let lineEnd: number;
    if (i >= end) lineEnd = end;
    else if (raw[i] === LF) lineEnd = i + 1;
    else if (raw[i] === CR && i + 1 < end && raw[i + 1] === LF) lineEnd = i + 2;
    else if (raw[i] === CR && i + 1 >= end) lineEnd = end;
    else {
      pos = at + 1;
      continue;
    }
    let breakStart = at;
    if (at > start && raw[at - 1] === LF) breakStart = at >= start + 2 && raw[at - 2] === CR ? at - 2 : at - 1;
    out.push({ breakStart, at, lineEnd, hasBreak: raw[lineEnd - 1] === LF && lineEnd > i, close });
    if (close) break;
    pos = lineEnd;
  }
  return out;
}

function countLines(raw: Uint8Array, start: number, end: number): number {
  let n = 0;
  let i = start;
  for (;;) {
    const lf = raw.indexOf(LF, i);
    if (lf < 0 || lf >= end) return n;
    n++;
    i = lf + 1;
  }
}

function valueOrNull(f: HeaderField | null): string | null {
  return f === null ? null : f.value;
}

/** ENVELOPE fields from a header (RFC 3501 §7.4.2); see `Envelope` for the string rules. */
function envelopeOf(fields: readonly HeaderField[]): Envelope {
  const text = (name: string): string | null => {
    const f = firstField(fields, name);
    return f === null || f.value.trim() === '' ? null : f.value;
  };
  const addrs = (name: string) => {
    const v = text(name);
    return v === null ? null : parseAddressList(v);
  };
  const subject = firstField(fields, 'Subject');
  return {
    date: text('Date'),
    subject: subject === null ? null : forHumans(subject.value),
    from: addrs('From'),
    sender: addrs('Sender'),
    replyTo: addrs('Reply-To'),
    to: addrs('To'),
    cc: addrs('Cc'),
    bcc: addrs('Bcc'),
    inReplyTo: text('In-Reply-To'),
    messageId: text('Message-ID'),
  };
}
