// Address lists for ENVELOPE (RFC 5322 §3.4 with the obsolete forms of §4.4; RFC 3501 §7.4.2).
// Lenient: whatever mail carries becomes some list of addresses, never an exception.

import { forHumans } from './header.js';
import type { Address } from './types.js';

/**
 * Host given to an address written without a domain (`To: root`). A NIL host would read as
 * the start of a group (RFC 3501 §7.4.2), so some placeholder is needed; this is the one
 * Dovecot sends, which clients already display sensibly.
 */
export const MISSING_DOMAIN = 'MISSING_DOMAIN';

type Token =
  | { t: 'word'; v: string; quoted: boolean }
  | { t: 'comment'; v: string }
  | { t: 'special'; v: string }
  | { t: 'literal'; v: string };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i];
        i++;
      }
      i++;
      out.push({ t: 'word', v, quoted: true });
    } else if (c === '(') {
      let depth = 1;
      let v = '';
      i++;
      while (i < s.length && depth > 0) {
        const d = s[i]!;
        if (d === '\\' && i + 1 < s.length) {
          v += s[i + 1];
          i += 2;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
        v += d;
        i++;
      }
      i++;
      out.push({ t: 'comment', v });
    } else if (c === '[') {
      const end = s.indexOf(']', i);
      const stop = end < 0 ? s.length : end + 1;
      out.push({ t: 'literal', v: s.slice(i, stop) });
      i = stop;
    } else if ('<>,:;@.'.includes(c)) {
      out.push({ t: 'special', v: c });
      i++;
    } else {
      let j = i;
      while (j < s.length && !' \t\r\n"()[<>,:;@.'.includes(s[j]!)) j++;
      out.push({ t: 'word', v: s.slice(i, j), quoted: false });
      i = j;
    }
  }
  return out;
}

/** Parses an address-list header value into ENVELOPE addresses; null when it holds none. */
export function parseAddressList(value: string): Address[] | null {
  const tokens = tokenize(value);
  const out: Address[] = [];
  let cur: Token[] = [];
  let inGroup = false;
  let angle = false;
  for (const tok of tokens) {
    if (tok.t === 'special') {
      if (tok.v === '<') angle = true;
      else if (tok.v === '>') angle = false;
      else if (!angle && tok.v === ',') {
        pushAddress(cur, out);
        cur = [];
        continue;
      } else if (!angle && tok.v === ':' && !inGroup && !cur.some((x) => x.t === 'special' && x.v === '@')) {
        const name = phrase(cur);
        out.push({ name: null, route: null, mailbox: name, host: null });
        inGroup = true;
        cur = [];
        continue;
      } else if (!angle && tok.v === ';' && inGroup) {
        pushAddress(cur, out);
        cur = [];
        out.push({ name: null, route: null, mailbox: null, host: null });
        inGroup = false;
        continue;
      }
    }
    cur.push(tok);
  }
  pushAddress(cur, out);
  if (inGroup) out.push({ name: null, route: null, mailbox: null, host: null });
  return out.length === 0 ? null : out;
}

/** Display words joined by single spaces; a `.` sticks to the word before it (`J. Doe`, obsolete phrase of RFC 5322 §4.1). */
function phrase(tokens: Token[]): string {
  let s = '';
  for (const t of tokens) {
    if (t.t === 'comment') continue;
    if (t.t === 'special' && t.v === '.') s += '.';
    else s += (s === '' ? '' : ' ') + t.v;
  }
  return s;
}

function pushAddress(tokens: Token[], out: Address[]): void {
  if (tokens.length === 0) return;
  const open = tokens.findIndex((t) => t.t === 'special' && t.v === '<');
  let name: string | null = null;
  let spec: Token[];
  if (open >= 0) {
    const close = tokens.findIndex((t, i) => i > open && t.t === 'special' && t.v === '>');
    name = phrase(tokens.slice(0, open));
    spec = tokens.slice(open + 1, close < 0 ? tokens.length : close);
    if (name === '') {
      // Only a comment may name the address then (`<a@b> (Name)`).
      const after = close < 0 ? [] : tokens.slice(close + 1);
      const c = after.find((t) => t.t === 'comment');
      name = c ? c.v : null;
    }
  } else {
    spec = tokens.filter((t) => t.t !== 'comment');
    const comment = tokens.find((t) => t.t === 'comment');
    name = comment ? comment.v : null;
  }
  let route: string | null = null;
  const colon = spec.findIndex((t) => t.t === 'special' && t.v === ':');
  if (colon >= 0 && spec[0]?.t === 'special' && spec[0].v === '@') {
    route = join(spec.slice(0, colon), true);
    spec = spec.slice(colon + 1);
  }
  spec = spec.filter((t) => t.t !== 'comment');
  let at = -1;
  for (let i = spec.length - 1; i >= 0; i--) {
    const t = spec[i]!;
    if (t.t === 'special' && t.v === '@') {
      at = i;
      break;
    }
  }
  const local = join(at < 0 ? spec : spec.slice(0, at), false);
  const domain = at < 0 ? '' : join(spec.slice(at + 1), false);
  if (local === '' && domain === '' && (name === null || name === '')) return;
  out.push({
    name: name === null ? null : forHumans(name) === '' ? null : forHumans(name),
    route,
    mailbox: local === '' ? null : local,
    host: domain === '' ? (local === '' ? null : MISSING_DOMAIN) : domain,
  });
}

/** addr-spec pieces back to text; quoted local parts keep their quotes (RFC 5322 §3.4.1). */
function join(tokens: Token[], keepCommas: boolean): string {
  let s = '';
  for (const t of tokens) {
    if (t.t === 'comment') continue;
    if (t.t === 'word' && t.quoted) s += `"${t.v.replace(/[\\"]/g, '\\$&')}"`;
    else if (t.t === 'special' && t.v === ',' && !keepCommas) continue;
    else s += t.v;
  }
  return s;
}
