// Transfer decodings: base64 (RFC 2045 §6.8) and quoted-printable (RFC 2045 §6.7).

/**
 * Base64 body → bytes. Characters outside the alphabet are ignored (RFC 2045 §6.8: "Any
 * characters outside of the base64 alphabet are to be ignored"); decoding stops at the first
 * `=` pad, and a trailing partial quantum is decoded as far as it goes.
 */
export function decodeBase64(body: Uint8Array): Buffer {
  return Buffer.from(
    Buffer.from(body)
      .toString('latin1')
      .replace(/[^A-Za-z0-9+/=]/g, '')
      .replace(/=.*$/s, ''),
    'base64',
  );
}

function hex(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/**
 * Quoted-printable body → bytes. `=XX` becomes the byte (lower-case hex accepted, as RFC 2045
 * §6.7 note 1 suggests), `=` at a line end is a soft break, white space before a line break is
 * transport padding and dropped (rule 3); a malformed `=` stays as it is.
 */
export function decodeQuotedPrintable(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(body.length);
  let o = 0;
  let lineStart = 0;
  let i = 0;
  const n = body.length;
  while (i < n) {
    const b = body[i]!;
    if (b === 0x3d) {
      // Soft line break: "=" [WSP] CRLF
      let j = i + 1;
      while (j < n && (body[j] === 0x20 || body[j] === 0x09)) j++;
      if (j >= n) {
        i = n;
        continue;
      }
      if (body[j] === 0x0a) {
        i = j + 1;
        lineStart = o;
        continue;
      }
      if (body[j] === 0x0d && body[j + 1] === 0x0a) {
        i = j + 2;
        lineStart = o;
        continue;
      }
      const h = hex(body[i + 1] ?? 0);
      const l = hex(body[i + 2] ?? 0);
      if (h >= 0 && l >= 0) {
        out[o++] = (h << 4) | l;
        lineStart = o; // encoded white space is data, not padding
        i += 3;
        continue;
      }
      out[o++] = b;
      i++;
      continue;
    }
    if (b === 0x0a || (b === 0x0d && body[i + 1] === 0x0a)) {
      // Rule 3: drop trailing white space of the encoded line.
      while (o > lineStart && (out[o - 1] === 0x20 || out[o - 1] === 0x09)) o--;
      if (b === 0x0d) {
        out[o++] = 0x0d;
        i++;
      }
      out[o++] = 0x0a;
      i++;
      lineStart = o;
      continue;
    }
    out[o++] = b;
    i++;
  }
  return out.subarray(0, o);
}
