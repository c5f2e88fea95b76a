// ENVELOPE and BODY/BODYSTRUCTURE wire text (RFC 3501 §7.4.2, §9 `envelope`, `body`).
// Strings follow the ResponseBuilder rules: quoted when possible, else a literal; NIL for absent.

import { encodeRfc2231Value } from '../../mime/params.js';
import type { Address, Envelope, MessageIndex, Param, PartIndex } from '../../mime/types.js';
import { ResponseBuilder } from './writer.js';

/** ENVELOPE of the message, e.g. `("date" "subject" ((…)) …)`. */
export function encodeEnvelope(index: MessageIndex): string {
  const b = new ResponseBuilder();
  writeEnvelope(b, index.envelope);
  return b.toString();
}

/**
 * BODY (`extensible` false: RFC 3501 `body` without extension data) or BODYSTRUCTURE
 * (`extensible` true: adds MD5, disposition, language and location; for multiparts the
 * parameters, disposition, language and location).
 */
export function encodeBodyStructure(index: MessageIndex, extensible: boolean): string {
  const b = new ResponseBuilder();
  writePart(b, index.root, extensible);
  return b.toString();
}

/** NUL can travel in neither a quoted string nor a literal (RFC 3501 §4.3 CHAR8). */
function clean(s: string): string {
  return s.includes('\0') ? s.replace(/\0/g, '\uFFFD') : s;
}

function nstring(b: ResponseBuilder, s: string | null): void {
  b.nstring(s === null ? null : clean(s));
}

function writeEnvelope(b: ResponseBuilder, e: Envelope): void {
  b.open();
  nstring(b, e.date);
  b.sp();
  nstring(b, e.subject);
  // RFC 3501 §7.4.2: "If the Sender or Reply-To lines are absent in the [RFC-2822] header, or
  // are present but empty, the server sets the corresponding member of the envelope to be the
  // same value as the from member".
  for (const list of [e.from, e.sender ?? e.from, e.replyTo ?? e.from, e.to, e.cc, e.bcc]) {
    b.sp();
    writeAddresses(b, list);
  }
  b.sp();
  nstring(b, e.inReplyTo);
  b.sp();
  nstring(b, e.messageId);
  b.close();
}

function writeAddresses(b: ResponseBuilder, list: Address[] | null): void {
  if (list === null || list.length === 0) {
    b.nil();
    return;
  }
  b.open();
  for (const a of list) {
    b.open();
    nstring(b, a.name);
    b.sp();
    nstring(b, a.route);
    b.sp();
    nstring(b, a.mailbox);
    b.sp();
    nstring(b, a.host);
    b.close();
  }
  b.close();
}

/**
 * body-fld-param: `("name" "value" …)` or NIL. RFC 2231 parameters go back out in their
 * extended form (`name*` with `charset'lang'%XX`), joined: clients decode that form for
 * attachment names, while decoded 8-bit text would need UTF8=ACCEPT (RFC 6855).
 */
function writeParams(b: ResponseBuilder, params: Param[]): void {
  if (params.length === 0) {
    b.nil();
    return;
  }
  b.list(params, (bb, p) => {
    if (p.length === 4) {
      bb.string(clean(`${p[0]}*`))
        .sp()
        .string(clean(encodeRfc2231Value(p[1], p[2], p[3])));
    } else {
      bb.string(clean(p[0])).sp().string(clean(p[1]));
    }
  });
}

function writeDisposition(b: ResponseBuilder, part: PartIndex): void {
  if (part.disposition === null) {
    b.nil();
    return;
  }
  b.open().string(clean(part.disposition.type)).sp();
  writeParams(b, part.disposition.params);
  b.close();
}

/** body-fld-lang: NIL or a list (the grammar also allows one bare string; Dovecot, like us, always sends the list). */
function writeLanguage(b: ResponseBuilder, part: PartIndex): void {
  const l = part.language;
  if (l === null || l.length === 0) b.nil();
  else b.list(l, (bb, s) => bb.string(clean(s)));
}

function writePart(b: ResponseBuilder, part: PartIndex, ext: boolean): void {
  b.open();
  if (part.parts !== null) {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    for (const child of part.parts) writePart(b, child, ext);
    b.sp().string(clean(part.subtype));
    if (ext) {
      b.sp();
      writeParams(b, part.params);
      writeExtensionTail(b, part);
    }
    b.close();
    return;
  }
  // body-type-1part: type subtype params id description encoding size [type-specific] [ext]
  b.string(clean(part.type)).sp().string(clean(part.subtype)).sp();
  writeParams(b, part.params);
  b.sp();
  nstring(b, part.id);
  b.sp();
  nstring(b, part.description);
  b.sp().string(clean(part.encoding)).sp().number(part.size);
  const type = part.type.toLowerCase();
  if (part.message !== null) {
    // body-type-msg: envelope SP body SP body-fld-lines
    b.sp();
    writeEnvelope(b, part.message.envelope);
    b.sp();
    writePart(b, part.message.root, ext);
    b.sp().number(part.lines);
  } else if (type === 'text') {
    b.sp().number(part.lines);
  }
  if (ext) {
    b.sp();
    nstring(b, part.md5);
    writeExtensionTail(b, part);
  }
  b.close();
}

/** SP body-fld-dsp SP body-fld-lang SP body-fld-loc: the end of body-ext-1part and body-ext-mpart. */
function writeExtensionTail(b: ResponseBuilder, part: PartIndex): void {
  b.sp();
  writeDisposition(b, part);
  b.sp();
  writeLanguage(b, part);
  b.sp();
  nstring(b, part.location);
}
