// Test helper: frames wire text into a RawRequest the way the receiver does (lines without
// CRLF; a line ending in `{n}` or `{n+}` is followed by n bytes of literal data).

import type { RawRequest } from '../../src/protocol/raw-request.js';

/** Frames one command given in wire form; a trailing CRLF is optional. */
export function frame(wire: string | Buffer): RawRequest {
  const buf = typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire;
  const lines: string[] = [];
  const literals: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const crlf = buf.indexOf('\r\n', pos);
    const end = crlf < 0 ? buf.length : crlf;
    const line = buf.subarray(pos, end).toString('utf8');
    lines.push(line);
    if (crlf < 0) break;
    const m = /\{(\d+)\+?\}$/.exec(line);
    if (m === null) break;
    const n = Number(m[1]);
    literals.push(Buffer.from(buf.subarray(crlf + 2, crlf + 2 + n)));
    pos = crlf + 2 + n;
  }
  return { lines, literals };
}
