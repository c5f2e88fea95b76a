// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): a strict decoder and a canonical encoder.

/*
 * Printable US-ASCII (0x20-0x7E) except "&" stands for itself; "&" is written "&-"; any other
 * run of UTF-16 code units is written "&" + modified BASE64 (RFC 2152 with "," for "/", no
 * padding) + "-". Shifted runs must not encode characters that can represent themselves.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const VALUE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

function isDirect(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

function encodeRun(units: number[]): string {
  let out = '&';
  let bits = 0;
  let acc = 0;
  for (const u of units) {
    acc = (acc << 16) | u;
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(acc >> bits) & 0x3f];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 0x3f];
  return out + '-';
}

/**
 * Encodes a Unicode mailbox name to modified UTF-7 (RFC 3501 §5.1.3). Surrogate pairs are kept
 * as the two UTF-16 units they are, as the RFC's UTF-16 base requires.
 */
export function encodeMailboxName(name: string): string {
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (isDirect(code)) {
      if (run.length > 0) {
        out += encodeRun(run);
        run = [];
      }
      out += code === 0x26 ? '&-' : name[i];
    } else {
      run.push(code);
    }
  }
  if (run.length > 0) out += encodeRun(run);
  return out;
}

/** Decodes one shifted run's BASE64 body to UTF-16 units, or null when it is not well formed. */
function decodeRun(body: string): number[] | null {
  const units: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of body) {
    const v = VALUE.get(c);
    if (v === undefined) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 16) {
      bits -= 16;
      units.push((acc >> bits) & 0xffff);
    }
  }
  // Leftover bits must be padding: fewer than 6 of them, all zero (RFC 2152 canonical form).
  if (bits >= 6 || (acc & ((1 << bits) - 1)) !== 0) return null;
  return units.length === 0 ? null : units;
}

/**
 * Strictly decodes a modified UTF-7 mailbox name (RFC 3501 §5.1.3). Returns null when the name
 * is not in canonical modified UTF-7: a raw character outside 0x20-0x7E, an unterminated or
 * empty shift, bad BASE64 padding, a shifted printable ASCII character, adjacent shifted runs,
 * or an unpaired surrogate.
 */
export function decodeMailboxName(s: string): string | null {
  let out = '';
  let i = 0;
  let lastRunEnd = -1;
  while (i < s.length) {
    const code = s.charCodeAt(i);
    if (!isDirect(code)) return null;
    if (code !== 0x26) {
      out += s[i];
      i++;
      continue;
    }
    const end = s.indexOf('-', i + 1);
    if (end < 0) return null;
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      continue;
    }
    // Two shifted runs back to back must have been written as one (canonical form).
    if (lastRunEnd === i) return null;
    const units = decodeRun(s.slice(i + 1, end));
    if (units === null) return null;
    for (let k = 0; k < units.length; k++) {
      const u = units[k]!;
      if (isDirect(u)) return null;
      if (u >= 0xd800 && u <= 0xdbff) {
        const next = units[k + 1];
        if (next === undefined || next < 0xdc00 || next > 0xdfff) return null;
        out += String.fromCharCode(u, next);
        k++;
      } else if (u >= 0xdc00 && u <= 0xdfff) {
        return null;
      } else {
        out += String.fromCharCode(u);
      }
    }
    i = end + 1;
    lastRunEnd = i;
  }
  return out;
}
