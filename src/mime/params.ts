// Structured MIME header values: `type/subtype; name=value; …` (RFC 2045 §5.1) and
// `disposition; name=value` (RFC 2183 §2), with RFC 2231 continuations and charsets.

import iconv from 'iconv-lite';
import { decode as decodeWithLibmime } from 'libmime/lib/charset';
import type { Param } from './types.js';

export interface StructuredValue {
  /** The value before the first `;`, comments removed, trimmed. */
  value: string;
  params: Param[];
}

interface RawParam {
  name: string;
  value: string;
  /** The value was a quoted-string, so RFC 2231 %-decoding does not apply to it. */
  quoted: boolean;
}

/**
 * Splits a structured value into its leading value and its parameters. Lenient in the ways
 * real mail needs: comments anywhere outside quotes, missing `=`, unterminated quotes, stray
 * `;`. Parameter names keep their case (servers echo them as written).
 */
export function parseStructured(input: string): StructuredValue {
  const tokens = splitParams(input);
  const head = tokens.shift()?.text ?? '';
  const raw: RawParam[] = [];
  for (const t of tokens) {
    const eq = t.text.indexOf('=');
    if (eq <= 0) continue;
    const name = t.text.slice(0, eq).trim();
    if (name === '' || /[\s"]/.test(name)) continue;
    const rest = t.text.slice(eq + 1).trim();
    const quoted = t.quotedFrom >= 0 && t.quotedFrom > eq;
    raw.push({ name, value: quoted ? t.quotedValue : rest, quoted });
  }
  return { value: head.trim(), params: joinRfc2231(raw) };
}

interface Segment {
  text: string;
  /** Index in `text` where a quoted-string began, -1 when none. */
  quotedFrom: number;
  quotedValue: string;
}

/** Splits on `;` outside quoted strings, dropping comments (RFC 822 §3.4.3). */
function splitParams(input: string): Segment[] {
  const out: Segment[] = [];
  let text = '';
  let quotedFrom = -1;
  let quotedValue = '';
  let depth = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      continue;
    }
    if (c === '"') {
      quotedFrom = text.length;
      let v = '';
      i++;
      for (; i < input.length && input[i] !== '"'; i++) {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        v += input[i];
      }
      quotedValue = v;
      text += `"${v}"`;
      continue;
    }
    if (c === '(') {
      depth = 1;
      continue;
    }
    if (c === ';') {
      out.push({ text, quotedFrom, quotedValue });
      text = '';
      quotedFrom = -1;
      quotedValue = '';
      continue;
    }
    text += c;
  }
  out.push({ text, quotedFrom, quotedValue });
  return out;
}

/**
 * RFC 2231 §3-§4: `name*0`, `name*1`… are joined in number order; a segment whose name ends in
 * `*` is %-encoded, and the first one carries `charset'language'`. The joined parameter takes
 * the place of its first segment. Plain parameters pass through unchanged.
 */
function joinRfc2231(raw: RawParam[]): Param[] {
  const out: (Param | { group: string })[] = [];
  const groups = new Map<string, { name: string; segs: { n: number; ext: boolean; value: string }[] }>();
  for (const p of raw) {
    const m = /^(.*?)\*(?:(\d+)(\*)?)?$/.exec(p.name);
    if (m === null || m[1] === '') {
      out.push([p.name, p.value]);
      continue;
    }
    const base = m[1]!;
    const n = m[2] === undefined ? 0 : Number(m[2]);
    const ext = m[2] === undefined ? true : m[3] === '*';
    const key = base.toLowerCase();
    let g = groups.get(key);
    if (g === undefined) {
      g = { name: base, segs: [] };
      groups.set(key, g);
      out.push({ group: key });
    }
    if (g.segs.some((s) => s.n === n)) continue; // duplicate segment: first one wins
    g.segs.push({ n, ext, value: p.value });
  }
  return out.map((o) => {
    if (Array.isArray(o)) return o;
    const g = groups.get(o.group)!;
    g.segs.sort((a, b) => a.n - b.n);
    const bytes: number[] = [];
    let charset = '';
    let language = '';
    let extended = false;
    g.segs.forEach((s, i) => {
      let v = s.value;
      if (s.ext) {
        extended = true;
        if (i === 0) {
          const q1 = v.indexOf("'");
          const q2 = q1 < 0 ? -1 : v.indexOf("'", q1 + 1);
          if (q2 >= 0) {
            charset = v.slice(0, q1);
            language = v.slice(q1 + 1, q2);
            v = v.slice(q2 + 1);
          }
        }
        percentDecode(v, bytes);
      } else {
        for (const b of Buffer.from(v, 'utf8')) bytes.push(b);
      }
    });
    const buf = Buffer.from(bytes);
    if (!extended) return [g.name, buf.toString('utf8')] as Param;
    return [g.name, decodeCharset(buf, charset), charset, language] as Param;
  });
}

function percentDecode(v: string, into: number[]): void {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) {
      into.push(parseInt(v.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      into.push(c);
    } else {
      for (const b of Buffer.from(v[i]!, 'utf8')) into.push(b);
    }
  }
}

/** Bytes in a declared charset → Unicode; unknown charsets read as Latin-1 so every byte survives. */
export function decodeCharset(buf: Uint8Array, charset: string): string {
  const cs = normaliseCharset(charset);
  if (cs === 'utf-8' || cs === 'us-ascii' || cs === '') return Buffer.from(buf).toString('utf8');
  if (iconv.encodingExists(cs)) return iconv.decode(Buffer.from(buf), cs);
  // ISO-2022-JP and its variants: libmime carries a decoder that iconv-lite lacks.
  if (/^iso-2022-jp/.test(cs) || cs === 'jis' || cs === 'csiso2022jp') return decodeWithLibmime(Buffer.from(buf), 'iso-2022-jp');
  return Buffer.from(buf).toString('latin1');
}

/** Unicode → bytes in `charset`, the inverse of decodeCharset. */
export function encodeCharset(s: string, charset: string): Buffer {
  const cs = normaliseCharset(charset);
  if (cs === 'utf-8' || cs === 'us-ascii' || cs === '') return Buffer.from(s, 'utf8');
  if (iconv.encodingExists(cs)) return iconv.encode(s, cs);
  return Buffer.from(s, 'latin1');
}

/** Charset labels as mail writes them → names iconv-lite knows; `ks_c_5601-1987` is Outlook's name for CP949. */
export function normaliseCharset(charset: string): string {
  const cs = charset.trim().toLowerCase().replace(/^"|"$/g, '');
  if (cs === 'utf8') return 'utf-8';
  if (cs === 'ascii' || cs === 'us-ascii' || cs === 'ansi_x3.4-1968') return 'us-ascii';
  if (cs === 'ks_c_5601-1987') return 'cp949';
  // Latin-1 labels are read as windows-1252, as the WHATWG Encoding Standard and mail clients
  // do: real "ISO-8859-1" mail is full of 0x80-0x9F bytes meaning €, curly quotes and dashes.
  if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'iso_8859-1' || cs === 'l1' || cs === 'cp819') return 'windows-1252';
  // GB2312 text is commonly GBK in practice; GB18030 is a superset of both.
  if (cs === 'gb2312' || cs === 'gbk' || cs === 'x-gbk') return 'gb18030';
  return cs;
}

/** RFC 2231 §7 attribute-char: CHAR except SP, CTLs, `*`, `'`, `%` and RFC 2045 tspecials. */
const ATTRIBUTE_CHAR = /^[!#$&+\-.0-9A-Z^_`a-z{|}~]$/;

/** The RFC 2231 wire form of an extended parameter: `charset'language'%XX…`. */
export function encodeRfc2231Value(value: string, charset: string, language: string): string {
  let out = `${charset}'${language}'`;
  for (const b of encodeCharset(value, charset)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && ATTRIBUTE_CHAR.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
