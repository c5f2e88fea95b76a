// The top level of an RFC 5322 message as stored bytes: where the header ends, and header
// field selection for BODY[HEADER.FIELDS (...)] (RFC 3501 §6.4.5). Byte-exact: sections are
// subarrays of the stored message, never re-encoded.

const CR = 0x0d;
const LF = 0x0a;

/**
 * Length of the header including the empty line that ends it (RFC 3501 §6.4.5: HEADER
 * includes the blank line). A message with no empty line is all header; one starting with an
 * empty line has an empty header.
 */
export function headerLength(msg: Buffer): number {
  if (msg.length > 0 && msg[0] === LF) return 1;
  if (msg.length > 1 && msg[0] === CR && msg[1] === LF) return 2;
  for (let i = 0; i < msg.length; i++) {
    if (msg[i] !== LF) continue;
    // LF followed by LF, or by CRLF: the end of the header.
    if (msg[i + 1] === LF) return i + 2;
    if (msg[i + 1] === CR && msg[i + 2] === LF) return i + 3;
  }
  return msg.length;
}

export function headerOf(msg: Buffer): Buffer {
  return msg.subarray(0, headerLength(msg));
}

export function textOf(msg: Buffer): Buffer {
  return msg.subarray(headerLength(msg));
}

/** Splits a header block into fields, each with its continuation lines and line ends. */
export function headerFields(header: Buffer): Array<{ name: string; raw: Buffer }> {
  const fields: Array<{ name: string; raw: Buffer }> = [];
  let start = -1;
  let i = 0;
  const close = (end: number) => {
    if (start < 0) return;
    const raw = header.subarray(start, end);
    const colon = raw.indexOf(0x3a);
    const name = (colon >= 0 ? raw.subarray(0, colon) : raw).toString('latin1').trim().toUpperCase();
    fields.push({ name, raw });
    start = -1;
  };
  while (i < header.length) {
    let eol = header.indexOf(LF, i);
    eol = eol < 0 ? header.length : eol + 1;
    const first = header[i];
    const blank = first === LF || (first === CR && header[i + 1] === LF);
    if (blank) {
      close(i);
      break;
    }
    const continuation = first === 0x20 || first === 0x09;
    if (!continuation) {
      close(i);
      start = i;
    }
    i = eol;
  }
  close(i);
  return fields;
}

/**
 * HEADER.FIELDS / HEADER.FIELDS.NOT: the selected fields in message order, followed by the
 * empty line (RFC 3501 §6.4.5, and the CRLF every header section ends with).
 */
export function selectHeaderFields(msg: Buffer, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toUpperCase()));
  const parts = headerFields(headerOf(msg))
    .filter((f) => wanted.has(f.name) !== not)
    .map((f) => f.raw);
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}
