// Address lists for ENVELOPE and SEARCH (RFC 5322 §3.4 with the obsolete forms of §4.4; RFC 3501
// §7.4.2, §6.4.4). Lenient: whatever mail carries becomes some list of addresses, never an exception.

import { forHumans } from './header.js';
import type { Address } from './types.js';

/**
 * Host given to an address written without a domain (`To: root`). A NIL host would read as
 * the start of a group (RFC 3501 §7.4.2), so some placeholder is needed; this is the one
 * Dovecot sends, which clients already display sensibly.
 */
export const MISSING_DOMAIN = 'MISSING_DOMAIN';

/** Mailbox given to an address written without a local part (`@example.com`): a NIL mailbox would read as a group end. */
export const MISSING_MAILBOX = 'MISSING_MAILBOX';

/**
 * The lexical tokens of a structured field (RFC 5322 §3.2). White space separates tokens and is
 * otherwise dropped (FWS, §3.2.2). Comments stay tokens: everywhere they are CFWS, but the one
 * after a bare addr-spec is what mailers have long written as its display name.
 */
type Token =
  /** A run of atext (and of stray `)`, `]`, `\` that close nothing): one atom or dot-atom piece. */
  | { t: 'atom'; v: string }
  /** quoted-string content, quoted-pairs resolved (§3.2.4). */
  | { t: 'quoted'; v: string }
  /** ccontent, quoted-pairs resolved, nested comments kept with their parentheses (§3.2.2). */
  | { t: 'comment'; v: string }
  /** domain-literal as written, brackets and quoted-pairs included (§3.4.1). */
  | { t: 'literal'; v: string }
  /** One of the specials that structure an address list: `<>,:;@.` */
  | { t: 'special'; v: string };

const WSP = ' \t\r\n';
const SPECIALS = '<>,:;@.';
/** What ends an atom: white space, a special, or the opening of a quoted string, comment or domain literal. */
const ATOM_END = `${WSP}${SPECIALS}"([`;

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (WSP.includes(c)) {
      i++;
    } else if (c === '"') {
      // quoted-string = [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS]; unterminated: to the end.
      let v = '';
      for (i++; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i];
      }
      i++;
      out.push({ t: 'quoted', v });
    } else if (c === '(') {
      // comment = "(" *([FWS] ccontent) [FWS] ")", ccontent = ctext / quoted-pair / comment.
      let depth = 1;
      let v = '';
      for (i++; i < s.length; i++) {
        let d = s[i]!;
        if (d === '\\' && i + 1 < s.length) d = s[++i]!;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
        v += d;
      }
      i++;
      out.push({ t: 'comment', v });
    } else if (c === '[') {
      // domain-literal: kept as written, so the host is the literal the sender gave.
      let j = i + 1;
      while (j < s.length && s[j] !== ']') j += s[j] === '\\' ? 2 : 1;
      j = Math.min(j + 1, s.length);
      out.push({ t: 'literal', v: s.slice(i, j) });
      i = j;
    } else if (SPECIALS.includes(c)) {
      out.push({ t: 'special', v: c });
      i++;
    } else {
      let j = i + 1;
      while (j < s.length && !ATOM_END.includes(s[j]!)) j++;
      out.push({ t: 'atom', v: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

function isSpecial(tok: Token | undefined, v: string): boolean {
  return tok !== undefined && tok.t === 'special' && tok.v === v;
}

const notComment = (tok: Token): boolean => tok.t !== 'comment';

const groupEnd = (): Address => ({ name: null, route: null, mailbox: null, host: null });

/**
 * Parses an address-list header value into ENVELOPE addresses; null when it holds none.
 *
 *     address-list = (address *("," address)) / obs-addr-list
 *     obs-addr-list = *([CFWS] ",") address *("," [address / CFWS])
 *     address = mailbox / group
 */
export function parseAddressList(value: string): Address[] | null {
  const toks = tokenize(value);
  const out: Address[] = [];
  let i = 0;
  while (i < toks.length) {
    const tok = toks[i]!;
    // Empty elements (obs-addr-list), and separators no element claimed: a `;` outside a group
    // has no meaning in RFC 5322, and mailers that write it mean a comma.
    if (isSpecial(tok, ',') || isSpecial(tok, ';') || isSpecial(tok, '>')) {
      i++;
      continue;
    }
    const colon = groupColon(toks, i);
    i = colon < 0 ? readMailbox(toks, i, out) : readGroup(toks, i, colon, out);
  }
  return out.length === 0 ? null : out;
}

/**
 * Where the `:` of a group starting at `i` is, or -1: a group's display-name is a phrase (words,
 * obs-phrase dots, CFWS), so the first special other than `.` decides.
 */
function groupColon(toks: Token[], i: number): number {
  for (let j = i; j < toks.length; j++) {
    const tok = toks[j]!;
    if (tok.t !== 'special' || tok.v === '.') continue;
    return tok.v === ':' ? j : -1;
  }
  return -1;
}

/**
 *     group = display-name ":" [group-list] ";" [CFWS]
 *     group-list = mailbox-list / CFWS / obs-group-list
 *     obs-mbox-list = *([CFWS] ",") mailbox *("," [mailbox / CFWS])
 *
 * Only mailboxes are members: a comment there is CFWS and adds nothing. A group the field leaves
 * open is closed at its end, so the ENVELOPE list stays balanced.
 */
function readGroup(toks: Token[], start: number, colon: number, out: Address[]): number {
  out.push({ name: null, route: null, mailbox: phrase(toks.slice(start, colon)), host: null });
  let i = colon + 1;
  while (i < toks.length) {
    const tok = toks[i]!;
    if (isSpecial(tok, ';')) {
      i++;
      break;
    }
    if (isSpecial(tok, ',') || isSpecial(tok, '>')) {
      i++;
      continue;
    }
    // Groups do not nest (§3.4); an inner `name:` is dropped and its members kept in this group.
    const inner = groupColon(toks, i);
    i = inner >= 0 ? inner + 1 : readMailbox(toks, i, out);
  }
  out.push(groupEnd());
  return i;
}

/**
 * One list element from `start`, up to the `,` or `;` that ends it (`;` ends a group, or,
 * outside one, separates as a comma would). Inside an angle-addr a comma belongs to an obs-route
 * while more of the route follows (`@`, another comma, or the route's closing `:`, §4.4
 * obs-domain-list); any other comma means the `>` is missing, and the element ends as though it
 * were there rather than swallowing the rest of the field.
 */
function readMailbox(toks: Token[], start: number, out: Address[]): number {
  let angle = false;
  let i = start;
  for (; i < toks.length; i++) {
    const tok = toks[i]!;
    if (tok.t !== 'special') continue;
    if (tok.v === '<') angle = true;
    else if (tok.v === '>') angle = false;
    else if (tok.v === ';') break;
    else if (tok.v === ',' && !(angle && routeGoesOn(toks, i + 1))) break;
  }
  addMailbox(toks.slice(start, i), out);
  return i;
}

function routeGoesOn(toks: Token[], i: number): boolean {
  while (toks[i]?.t === 'comment') i++;
  return isSpecial(toks[i], '@') || isSpecial(toks[i], ',') || isSpecial(toks[i], ':');
}

/**
 *     mailbox = name-addr / addr-spec
 *     name-addr = [display-name] angle-addr
 *     angle-addr = [CFWS] "<" addr-spec ">" [CFWS] / obs-angle-addr
 *     obs-angle-addr = [CFWS] "<" obs-route addr-spec ">" [CFWS]
 */
function addMailbox(tokens: Token[], out: Address[]): void {
  const open = tokens.findIndex((t) => isSpecial(t, '<'));
  let name: string | null;
  let spec: Token[];
  if (open >= 0) {
    let close = tokens.findIndex((t, j) => j > open && isSpecial(t, '>'));
    if (close < 0) close = tokens.length;
    name = phrase(tokens.slice(0, open));
    spec = tokens.slice(open + 1, close);
    // Only a comment after the angle-addr may name it then (`<a@b> (Name)`), never one inside it.
    if (name === '') name = tokens.slice(close + 1).find((t) => t.t === 'comment')?.v ?? null;
  } else {
    // A bare addr-spec: comments inside it are CFWS; the one after it is the display name by
    // the RFC 822 usage (`jane@example.org (Jane Roe)`).
    let last = tokens.length - 1;
    while (last >= 0 && tokens[last]!.t === 'comment') last--;
    // Nothing but CFWS: no address (a comment in a group is not a member, RFC 5322 §3.4).
    if (last < 0) return;
    spec = tokens.slice(0, last + 1);
    name = tokens[last + 1]?.v ?? null;
  }
  // Angle brackets are never part of an addr-spec; stray ones are dropped with the CFWS.
  const { route, local, domain } = addrSpec(spec.filter((t) => notComment(t) && !isSpecial(t, '<') && !isSpecial(t, '>')));
  const display = name === null ? '' : forHumans(name);
  // A bare `<>` carries nothing to list.
  if (local === '' && domain === '' && display === '') return;
  out.push({
    name: display === '' ? null : display,
    route,
    mailbox: local === '' ? MISSING_MAILBOX : local,
    host: domain === '' ? MISSING_DOMAIN : domain,
  });
}

/**
 * The pieces of an addr-spec with its CFWS already removed:
 *
 *     addr-spec = local-part "@" domain
 *     obs-route = obs-domain-list ":"
 *     obs-domain-list = *(CFWS / ",") "@" domain *("," [CFWS] ["@" domain])
 *
 * The route comes out as ENVELOPE's adl, `@a,@b` (RFC 3501 §7.4.2), its empty elements gone.
 */
function addrSpec(spec: Token[]): { route: string | null; local: string; domain: string } {
  let route: string | null = null;
  const colon = spec.findIndex((t) => isSpecial(t, ':'));
  const first = spec.findIndex((t) => !isSpecial(t, ','));
  if (colon > first && isSpecial(spec[first], '@')) {
    const hops: string[] = [];
    let from = first;
    for (let j = first; j <= colon; j++) {
      if (j < colon && !isSpecial(spec[j], ',')) continue;
      if (j > from) hops.push(text(spec.slice(from, j)));
      from = j + 1;
    }
    route = hops.join(',');
    spec = spec.slice(colon + 1);
  }
  let at = spec.length - 1;
  while (at >= 0 && !isSpecial(spec[at], '@')) at--;
  return { route, local: text(at < 0 ? spec : spec.slice(0, at)), domain: at < 0 ? '' : text(spec.slice(at + 1)) };
}

/** addr-spec pieces back to text; quoted local parts keep their quotes (RFC 5322 §3.4.1). */
function text(tokens: Token[]): string {
  let s = '';
  for (const t of tokens) s += t.t === 'quoted' ? `"${t.v.replace(/[\\"]/g, '\\$&')}"` : t.v;
  return s;
}

/** Display words joined by single spaces, comments left out; a `.` sticks to the word before it (`J. Doe`, obs-phrase of RFC 5322 §4.1). */
function phrase(tokens: Token[]): string {
  let s = '';
  for (const t of tokens) {
    if (t.t === 'comment') continue;
    if (isSpecial(t, '.')) s += '.';
    else s += (s === '' ? '' : ' ') + t.v;
  }
  return s;
}

/**
 * A parsed list written back with all CFWS gone, the way Dovecot matches address SEARCH keys:
 * `Name <@route:mailbox@host>` or `mailbox@host`, groups as `name: member, member;`.
 * Placeholders for a missing mailbox or domain are left out, so no search finds them.
 */
export function writeAddressList(list: readonly Address[]): string {
  const top: string[] = [];
  let group: { name: string; members: string[] } | null = null;
  const closeGroup = (): void => {
    if (group === null) return;
    top.push(`${group.name}:${group.members.length === 0 ? '' : ` ${group.members.join(', ')}`};`);
    group = null;
  };
  for (const a of list) {
    if (a.mailbox === null) closeGroup();
    else if (a.host === null) {
      closeGroup();
      group = { name: a.mailbox, members: [] };
    } else (group?.members ?? top).push(writeMailbox(a, a.mailbox, a.host));
  }
  closeGroup();
  return top.join(', ');
}

function writeMailbox(a: Address, mailbox: string, host: string): string {
  const local = mailbox === MISSING_MAILBOX ? '' : mailbox;
  const spec = host === MISSING_DOMAIN ? local : `${local}@${host}`;
  const angle = `<${a.route === null ? '' : `${a.route}:`}${spec}>`;
  if (a.name !== null) return `${a.name} ${angle}`;
  return a.route === null ? spec : angle;
}
