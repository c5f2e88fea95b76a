// SEARCH over the MIME fixture corpus (RFC 3501 §6.4.4, ESEARCH RFC 4731): every fixture is
// APPENDed over IMAP with its own flags and INTERNALDATE, then each search key, with several
// values and charsets, is answered by the server and by a reference evaluation written here
// independently of the server's code (own MIME walk, headers decoded with libmime, charsets with
// TextDecoder/iconv-lite, case-insensitive substring matching); the two must agree exactly.
// The searches run once the text index covers the corpus; search-corpus-scan.test.ts runs the
// same file with indexing off, where every message is verified.

import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import libmime from 'libmime';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

const dir = fileURLToPath(new URL('../fixtures/mime/', import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.eml'))
  .sort()
  .filter((f) => readFileSync(join(dir, f)).length > 0); // a zero-byte message is refused at APPEND

// ---------------------------------------------------------------------------------------------
// Reference evaluation

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Calendar day as a comparable number (y*10000 + m*100 + d). */
type Day = number;
const dayOf = (y: number, m: number, d: number): Day => y * 10000 + m * 100 + d;
/** `d-Mon-yyyy` of a Day, as SEARCH dates are written. */
const imapDay = (day: Day): string => `${day % 100}-${MONTHS[(Math.floor(day / 100) % 100) - 1]}-${Math.floor(day / 10000)}`;

/** Bytes in a charset as text; UTF-8 that is not valid UTF-8 is read as Latin-1, as is an unknown charset. */
function bytesToText(b: Buffer, charset = 'utf-8'): string {
  const label = /^(us-ascii|utf-?8)$/i.test(charset) ? 'utf-8' : charset;
  if (label === 'utf-8') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return b.toString('latin1');
    }
  }
  // iconv-lite first: Node 20's TextDecoder reads windows-1252 (and the labels WHATWG maps to it)
  // as Latin-1, so 0x80-0x9F come out as C1 controls instead of €, “, ” and the like.
  if (iconv.encodingExists(label)) return iconv.decode(b, label);
  try {
    return new TextDecoder(label).decode(b);
  } catch {
    return b.toString('latin1');
  }
}

/** Header block and body of an entity: the header ends at the first empty line (CRLF or bare LF). */
function splitEntity(buf: Buffer): { head: Buffer; body: Buffer } {
  let i = 0;
  while (i < buf.length) {
    const lf = buf.indexOf(0x0a, i);
    if (lf < 0) break;
    const len = lf + 1 - i;
    if (len === 1 || (len === 2 && buf[i] === 0x0d)) return { head: buf.subarray(0, i), body: buf.subarray(lf + 1) };
    i = lf + 1;
  }
  return { head: buf, body: Buffer.alloc(0) };
}

/** Fields of a header block, unfolded, values decoded (8-bit bytes as UTF-8 if valid, else Latin-1; then RFC 2047). */
function headerFields(head: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const lines = head.toString('latin1').split('\n');
  let current: string | null = null;
  const flush = () => {
    if (current === null) return;
    const colon = current.indexOf(':');
    if (colon > 0) {
      const name = current.slice(0, colon).trim();
      const rawValue = bytesToText(Buffer.from(current.slice(colon + 1).trim(), 'latin1'));
      let value = rawValue;
      try {
        value = libmime.decodeWords(rawValue);
      } catch {
        // keep the undecoded value
      }
      out.push([name, value]);
    }
    current = null;
  };
  for (const l of lines) {
    const line = l.replace(/\r$/, '');
    if ((line.startsWith(' ') || line.startsWith('\t')) && current !== null) current += line;
    else {
      flush();
      current = line;
    }
  }
  flush();
  return out;
}

function decodeTransfer(body: Buffer, cte: string): Buffer {
  const enc = cte.trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (enc === 'quoted-printable') {
    const s = body.toString('latin1').replace(/=\r?\n/g, '');
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const hex = s.slice(i + 1, i + 3);
      if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
      } else out.push(s.charCodeAt(i));
    }
    return Buffer.from(out);
  }
  return body;
}

/** Bodies of a multipart: between `--boundary` lines, up to `--boundary--` (or the end when it is missing). */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const parts: Buffer[] = [];
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  let start = -1;
  let pos = 0;
  while (pos <= text.length) {
    let lf = text.indexOf('\n', pos);
    if (lf < 0) lf = text.length;
    const line = text
      .slice(pos, lf)
      .replace(/\r$/, '')
      .replace(/[ \t]+$/, '');
    if (line === delimiter || line === `${delimiter}--`) {
      if (start >= 0) {
        // The line break before a delimiter belongs to the delimiter.
        let end = pos;
        if (text[end - 1] === '\n') end--;
        if (text[end - 1] === '\r') end--;
        parts.push(body.subarray(start, Math.max(start, end)));
      }
      if (line !== delimiter) return parts;
      start = lf + 1;
    }
    pos = lf + 1;
  }
  if (start >= 0 && start < body.length) parts.push(body.subarray(start));
  return parts;
}

function field(fields: Array<[string, string]>, name: string): string | undefined {
  return fields.find((f) => f[0].toLowerCase() === name)?.[1];
}

/** Decoded text of the text/* parts, plus the header of every attached message (which is body text of the outer one). */
function bodyText(entity: Buffer, defaultType: string, out: string[], depth = 0): void {
  if (depth > 20) return;
  const { head, body } = splitEntity(entity);
  const fields = headerFields(head);
  const ctValue = field(fields, 'content-type');
  const ct = ctValue === undefined ? null : libmime.parseHeaderValue(ctValue);
  const type = ct && /^[^/\s]+\/[^/\s]+$/.test(ct.value) ? ct.value.toLowerCase() : defaultType;
  const cte = field(fields, 'content-transfer-encoding') ?? '7bit';
  if (type.startsWith('multipart/')) {
    const boundary = ct?.params['boundary'];
    if (!boundary) return;
    for (const p of splitMultipart(body, boundary))
      bodyText(p, type === 'multipart/digest' ? 'message/rfc822' : 'text/plain', out, depth + 1);
  } else if (type === 'message/rfc822') {
    const inner = splitEntity(body);
    out.push(
      headerFields(inner.head)
        .map(([n, v]) => `${n}: ${v}`)
        .join('\n'),
    );
    bodyText(body, 'text/plain', out, depth + 1);
  } else if (type.startsWith('text/')) {
    out.push(bytesToText(decodeTransfer(body, cte), ct?.params['charset'] ?? 'us-ascii'));
  }
}

interface Doc {
  name: string;
  raw: Buffer;
  uid: number;
  seq: number;
  flags: string[];
  /** INTERNALDATE's calendar day (every INTERNALDATE here is on the same day in UTC and as written). */
  internalDay: Day;
  internalDate: string;
  recent: boolean;
  fields: Array<[string, string]>;
  body: string;
  /** Day written in the Date header, zone disregarded; null without a readable one. */
  sent: Day | null;
}

const has = (haystack: string | undefined, needle: string): boolean =>
  haystack !== undefined && haystack.toLowerCase().includes(needle.toLowerCase());
const headerHas = (d: Doc, name: string, needle: string): boolean => d.fields.some(([n, v]) => n.toLowerCase() === name && has(v, needle));
const textHas = (d: Doc, needle: string): boolean => d.fields.some(([n, v]) => has(`${n}: ${v}`, needle)) || has(d.body, needle);
const flagged = (d: Doc, flag: string): boolean => d.flags.some((f) => f.toLowerCase() === flag.toLowerCase());

function flagsFor(i: number): string[] {
  const f: string[] = [];
  if (i % 2 === 0) f.push('\\Seen');
  if (i % 3 === 0) f.push('\\Answered');
  if (i % 5 === 0) f.push('\\Flagged');
  if (i % 7 === 3) f.push('\\Deleted');
  if (i % 11 === 4) f.push('\\Draft');
  if (i % 4 === 1) f.push('$Work');
  if (i % 6 === 2) f.push('Project-X');
  return f;
}

/** Two messages per calendar day from 27-Dec-2024; times and zones that keep the day the same in UTC. */
function internalDateFor(i: number): { text: string; day: Day } {
  const d = new Date(Date.UTC(2024, 11, 27 + Math.floor(i / 2)));
  const day = dayOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  const zone = ['+0000', '+0200', '-0500', '+0930'][i % 4]!;
  const time = i % 2 === 0 ? '12:00:00' : '13:30:15';
  return { text: `${String(d.getUTCDate()).padStart(2, '0')}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${time} ${zone}`, day };
}

function sentDay(fields: Array<[string, string]>): Day | null {
  const v = field(fields, 'date');
  const m = v === undefined ? null : /(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})/.exec(v);
  if (m === null) return null;
  const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase());
  return month < 0 ? null : dayOf(Number(m[3]), month + 1, Number(m[1]));
}

// ---------------------------------------------------------------------------------------------
// The corpus, appended over IMAP

const indexed = process.env.GANNET_TEST_SEARCH_SCAN !== '1';
const srv = await startTestServer({ users: { search: 'secret' }, textIndexer: indexed });
t.teardown(() => srv.close());
const c = await WireClient.connect(srv.port());
t.teardown(() => c.close());
await c.readLine();
await c.command('l', 'LOGIN search secret');

const docs: Doc[] = [];
const half = Math.floor(names.length / 2);

async function appendAll(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const name = names[i]!;
    const raw = readFileSync(join(dir, name));
    const flags = flagsFor(i);
    const date = internalDateFor(i);
    c.write(
      Buffer.concat([Buffer.from(`a APPEND INBOX (${flags.join(' ')}) "${date.text}" {${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]),
    );
    const r = await c.readTagged('a', 20_000);
    const uid = Number(/APPENDUID \d+ (\d+)/.exec(r.tagged)?.[1]);
    if (!Number.isInteger(uid)) throw new Error(`${name}: ${r.tagged}`);
    const { head } = splitEntity(raw);
    const fields = headerFields(head);
    const body: string[] = [];
    bodyText(raw, 'text/plain', body);
    docs.push({
      name,
      raw,
      uid,
      seq: i + 1,
      flags,
      internalDay: date.day,
      internalDate: date.text,
      recent: i >= half,
      fields,
      body: body.join('\n'),
      sent: sentDay(fields),
    });
  }
}

// The first half is seen by another session first, which takes its \Recent (RFC 3501 §2.3.2);
// the second half arrives afterwards, so this session sees only it as recent.
await appendAll(0, half);
const other = await WireClient.connect(srv.port());
await other.readLine();
await other.command('l', 'LOGIN search secret');
await other.command('s', 'SELECT INBOX');
await other.command('o', 'LOGOUT');
other.close();
await appendAll(half, names.length);
if (indexed) await srv.server.textIndexIdle();
await c.command('s', 'SELECT INBOX');

// ---------------------------------------------------------------------------------------------
// Running searches

let tagN = 0;

/** Sends a SEARCH whose criteria may contain literals (sent as LITERAL+ unless `sync`). */
async function search(prefix: string, criteria: string | Buffer, sync = false): Promise<{ untagged: string[]; tagged: string }> {
  const tag = `q${++tagN}`;
  const crit = typeof criteria === 'string' ? Buffer.from(criteria, 'utf8') : criteria;
  const line = Buffer.concat([Buffer.from(`${tag} ${prefix} `), crit, Buffer.from('\r\n')]);
  if (!sync) {
    c.write(line);
    return c.readTagged(tag, 20_000);
  }
  // Synchronizing literals: send up to each `{n}` CRLF, wait for the continuation, carry on.
  const text = line.toString('latin1');
  const re = /\{(\d+)\}\r\n/g;
  let from = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    c.write(line.subarray(from, m.index + m[0].length));
    const cont = await c.readLine(20_000);
    if (!cont.startsWith('+')) return { untagged: [], tagged: cont };
    from = m.index + m[0].length;
  }
  c.write(line.subarray(from));
  return c.readTagged(tag, 20_000);
}

function searchNumbers(r: { untagged: string[]; tagged: string }): number[] | string {
  if (!/^\S+ OK/.test(r.tagged)) return r.tagged;
  const line = r.untagged.find((l) => l.startsWith('* SEARCH'));
  if (line === undefined) return `no * SEARCH: ${r.untagged.join(' | ')}`;
  return line
    .slice('* SEARCH'.length)
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
}

/** A literal with LITERAL+: `{n+}` CRLF and the bytes. */
const lit = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from(`{${bytes.length}+}\r\n`), bytes]);
const u8 = (s: string) => Buffer.from(s, 'utf8');
const criteria = (...parts: Array<string | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));

interface Case {
  /** The SEARCH criteria as sent (after `UID SEARCH`). */
  imap: string | Buffer;
  label?: string;
  ref: (d: Doc) => boolean;
  /** Synchronizing literals instead of LITERAL+. */
  sync?: boolean;
}

async function check(t: Test, cases: Case[]): Promise<void> {
  for (const k of cases) {
    const label = k.label ?? (typeof k.imap === 'string' ? k.imap : k.imap.toString('utf8'));
    const got = searchNumbers(await search('UID SEARCH', k.imap, k.sync));
    const want = docs.filter(k.ref).map((d) => d.uid);
    if (typeof got === 'string') {
      t.fail(`${label}: ${got}`);
      continue;
    }
    const names = (uids: number[]) => uids.map((u) => docs.find((d) => d.uid === u)?.name ?? `uid ${u}`);
    t.same(names(got), names(want), `UID SEARCH ${label}`);
  }
}

const maxUid = Math.max(...docs.map((d) => d.uid));
const bySeq = (d: Doc, lo: number, hi: number) => d.seq >= lo && d.seq <= hi;

t.test('the reference sees the corpus it expects', async (t) => {
  t.equal(docs.length, names.length);
  t.ok(docs.filter((d) => d.recent).length > 0 && docs.filter((d) => !d.recent).length > 0, 'some recent, some not');
  t.ok(has(field(docs.find((d) => d.name === 'encoded-words-q.eml')!.fields, 'subject'), 'Café'), 'encoded words decoded');
  t.ok(has(docs.find((d) => d.name === 'windows-1251-qp.eml')!.body, 'Привет'), 'windows-1251 QP body decoded');
});

t.test('sequence sets, UID, ALL', async (t) => {
  await check(t, [
    { imap: 'ALL', ref: () => true },
    { imap: '1:5', ref: (d) => bySeq(d, 1, 5) },
    { imap: '2,4,6:8', ref: (d) => [2, 4, 6, 7, 8].includes(d.seq) },
    { imap: '*', ref: (d) => d.seq === docs.length },
    { imap: `${docs.length - 2}:*`, ref: (d) => d.seq >= docs.length - 2 },
    { imap: '*:50', ref: (d) => d.seq >= 50 },
    { imap: `UID 3:7`, ref: (d) => d.uid >= 3 && d.uid <= 7 },
    { imap: 'UID *', ref: (d) => d.uid === maxUid },
    { imap: 'UID 1,20:22', ref: (d) => d.uid === 1 || (d.uid >= 20 && d.uid <= 22) },
    { imap: `UID ${maxUid + 1}:${maxUid + 10}`, label: 'UID range past the last', ref: () => false },
    // RFC 3501 §6.4.8: a range ending in * always includes the last message, even from past it.
    { imap: `UID ${maxUid + 5}:*`, ref: (d) => d.uid === maxUid },
    { imap: 'UID 10:12 1:20', ref: (d) => d.uid >= 10 && d.uid <= 12 && d.seq <= 20 },
  ]);
});

t.test('flags and keywords, NEW/OLD/RECENT', async (t) => {
  const system = ['ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'SEEN'];
  const cases: Case[] = [];
  for (const s of system) {
    const flag = `\\${s[0]}${s.slice(1).toLowerCase()}`;
    cases.push({ imap: s, ref: (d) => flagged(d, flag) }, { imap: `UN${s}`, ref: (d) => !flagged(d, flag) });
  }
  cases.push(
    { imap: 'KEYWORD $Work', ref: (d) => flagged(d, '$Work') },
    { imap: 'KEYWORD Project-X', ref: (d) => flagged(d, 'Project-X') },
    { imap: 'KEYWORD NoSuchKeyword', ref: () => false },
    { imap: 'UNKEYWORD $Work', ref: (d) => !flagged(d, '$Work') },
    { imap: 'UNKEYWORD NoSuchKeyword', ref: () => true },
    { imap: 'RECENT', ref: (d) => d.recent },
    { imap: 'OLD', ref: (d) => !d.recent },
    { imap: 'NEW', ref: (d) => d.recent && !flagged(d, '\\Seen') },
  );
  await check(t, cases);
});

t.test('BEFORE, ON, SINCE (internal date) and SENTBEFORE, SENTON, SENTSINCE (Date header)', async (t) => {
  const days = [...new Set(docs.map((d) => d.internalDay))].sort((a, b) => a - b);
  const probe = [days[0]!, days[3]!, days[Math.floor(days.length / 2)]!, days[days.length - 1]!, dayOf(2024, 1, 1), dayOf(2030, 6, 15)];
  const cases: Case[] = [];
  for (const day of probe) {
    cases.push(
      { imap: `BEFORE ${imapDay(day)}`, ref: (d) => d.internalDay < day },
      { imap: `ON ${imapDay(day)}`, ref: (d) => d.internalDay === day },
      { imap: `SINCE ${imapDay(day)}`, ref: (d) => d.internalDay >= day },
    );
  }
  for (const day of [dayOf(2025, 3, 3), dayOf(2025, 3, 2), dayOf(2025, 3, 7), dayOf(2025, 3, 9), dayOf(2025, 3, 4), dayOf(2000, 1, 1)]) {
    cases.push(
      { imap: `SENTBEFORE ${imapDay(day)}`, ref: (d) => d.sent !== null && d.sent < day },
      { imap: `SENTON ${imapDay(day)}`, ref: (d) => d.sent === day },
      { imap: `SENTSINCE ${imapDay(day)}`, ref: (d) => d.sent !== null && d.sent >= day },
    );
  }
  cases.push({ imap: 'SENTON "3-Mar-2025"', label: 'quoted date', ref: (d) => d.sent === dayOf(2025, 3, 3) });
  await check(t, cases);
});

t.test('FROM, TO, CC, BCC, SUBJECT (decoded headers)', async (t) => {
  const h = (name: string, needle: string): Case => ({ imap: `${name} "${needle}"`, ref: (d) => headerHas(d, name.toLowerCase(), needle) });
  await check(t, [
    h('FROM', 'alice'),
    h('FROM', 'ALICE@EXAMPLE.ORG'),
    h('FROM', 'yamada'),
    h('FROM', 'Doe, John'),
    h('FROM', 'second@example.org'),
    h('FROM', 'nobody-sends-this'),
    h('TO', 'bob'),
    h('TO', 'undisclosed-recipients'),
    h('TO', 'jqp@example.com'),
    h('CC', 'moore'),
    h('CC', 'Friends'),
    h('CC', 'carol'),
    h('BCC', 'local part'),
    h('BCC', 'Empty Group'),
    h('SUBJECT', 'fwd'),
    h('SUBJECT', 'digest'),
    h('SUBJECT', 'Second subject'),
    // RFC 3501 §6.4.4: the string must be in the SUBJECT (FROM, CC) field, so a message without
    // that field does not match even the empty string (Dovecot 2.3 answers the same way).
    h('SUBJECT', ''),
    h('FROM', ''),
    h('CC', ''),
    {
      imap: criteria('CHARSET UTF-8 FROM ', lit(u8('Müller'))),
      label: 'CHARSET UTF-8 FROM Müller',
      ref: (d) => headerHas(d, 'from', 'Müller'),
    },
    { imap: criteria('CHARSET UTF-8 TO ', lit(u8('zoë'))), label: 'CHARSET UTF-8 TO zoë', ref: (d) => headerHas(d, 'to', 'zoë') },
    {
      imap: criteria('CHARSET UTF-8 TO ', lit(u8('Paweł'))),
      label: 'CHARSET UTF-8 TO Paweł (iso-8859-2 encoded word)',
      ref: (d) => headerHas(d, 'to', 'Paweł'),
    },
    {
      imap: criteria('CHARSET UTF-8 SUBJECT ', lit(u8('café'))),
      label: 'CHARSET UTF-8 SUBJECT café',
      ref: (d) => headerHas(d, 'subject', 'café'),
    },
    {
      imap: criteria('CHARSET UTF-8 SUBJECT ', lit(u8('会議'))),
      label: 'CHARSET UTF-8 SUBJECT 会議 (UTF-8 and ISO-2022-JP words)',
      ref: (d) => headerHas(d, 'subject', '会議'),
    },
    {
      imap: criteria('CHARSET UTF-8 SUBJECT ', lit(u8('测试'))),
      label: 'CHARSET UTF-8 SUBJECT 测试 (gb2312)',
      ref: (d) => headerHas(d, 'subject', '测试'),
    },
    {
      imap: criteria('CHARSET UTF-8 SUBJECT ', lit(u8('ТЕСТ'))),
      label: 'CHARSET UTF-8 SUBJECT ТЕСТ (koi8-r, other case)',
      ref: (d) => headerHas(d, 'subject', 'тест'),
    },
    {
      imap: criteria('CHARSET UTF-8 FROM ', lit(u8('André'))),
      label: 'CHARSET UTF-8 FROM André (Q word and raw Latin-1)',
      ref: (d) => headerHas(d, 'from', 'André'),
    },
    {
      imap: criteria('CHARSET ISO-8859-1 SUBJECT ', lit(iconv.encode('Résumé', 'latin1'))),
      label: 'CHARSET ISO-8859-1 SUBJECT Résumé',
      ref: (d) => headerHas(d, 'subject', 'Résumé'),
    },
    {
      imap: criteria('CHARSET ISO-8859-1 SUBJECT ', lit(iconv.encode('CRÈME', 'latin1'))),
      label: 'CHARSET ISO-8859-1 SUBJECT CRÈME',
      ref: (d) => headerHas(d, 'subject', 'crème'),
    },
    {
      imap: criteria('CHARSET windows-1251 SUBJECT ', lit(iconv.encode('Отчёт', 'windows-1251'))),
      label: 'CHARSET windows-1251 SUBJECT Отчёт',
      ref: (d) => headerHas(d, 'subject', 'Отчёт'),
    },
    {
      imap: criteria('CHARSET UTF-8 SUBJECT ', u8('{7}\r\n'), u8('Grüße')),
      label: 'CHARSET UTF-8 SUBJECT Grüße (synchronizing literal)',
      sync: true,
      ref: (d) => headerHas(d, 'subject', 'Grüße'),
    },
    { imap: 'CHARSET US-ASCII FROM alice', ref: (d) => headerHas(d, 'from', 'alice') },
  ]);
});

t.test('HEADER (an empty value means the field is present)', async (t) => {
  const h = (name: string, needle: string): Case => ({
    imap: `HEADER ${name} "${needle}"`,
    ref: (d) => d.fields.some(([n, v]) => n.toLowerCase() === name.toLowerCase() && (needle === '' || has(v, needle))),
  });
  await check(t, [
    h('Message-ID', ''),
    h('Date', ''),
    h('MIME-Version', ''),
    h('Cc', ''),
    h('X-Not-There', ''),
    h('Content-Type', 'multipart'),
    h('Content-Type', 'TEXT/PLAIN'),
    h('content-transfer-encoding', 'base64'),
    h('Date', '+0900'),
    h('Subject', 'post'),
    {
      imap: criteria('CHARSET UTF-8 HEADER Subject ', lit(u8('Übersicht'))),
      label: 'CHARSET UTF-8 HEADER Subject Übersicht',
      ref: (d) => headerHas(d, 'subject', 'Übersicht'),
    },
  ]);
});

t.test('BODY and TEXT (decoded text parts, attached messages included)', async (t) => {
  const b = (needle: string): Case => ({ imap: `BODY "${needle}"`, ref: (d) => has(d.body, needle) });
  const x = (needle: string): Case => ({ imap: `TEXT "${needle}"`, ref: (d) => textHas(d, needle) });
  const bu = (needle: string, charset = 'UTF-8', key = 'BODY'): Case => ({
    imap: criteria(`CHARSET ${charset} ${key} `, lit(charset === 'UTF-8' ? u8(needle) : iconv.encode(needle, charset))),
    label: `CHARSET ${charset} ${key} ${needle}`,
    ref: (d) => (key === 'BODY' ? has(d.body, needle) : textHas(d, needle)),
  });
  await check(t, [
    b('invoice'),
    b('the'),
    b('First body'),
    b('Original question'),
    b('line endings'),
    b('Smart quotes'),
    b('boundary'),
    b('JVBERi0'),
    b('nothing-has-this-text'),
    bu('köln'),
    bu('ÜNÏCÖDÉ'),
    bu('测试邮件'),
    bu('木曜日'),
    bu('€5'),
    bu('€5', 'windows-1252'),
    bu('“SMART', 'windows-1252'),
    bu('résumé', 'ISO-8859-1'),
    bu('Привет', 'windows-1251'),
    bu('мир', 'windows-1251'),
    bu('Привет', 'KOI8-R'),
    x('alice'),
    x('Lunch'),
    x('First post'),
    x('Message-ID'),
    x('example.jp'),
    x('nothing-has-this-text'),
    bu('Grüße', 'UTF-8', 'TEXT'),
    bu('мир', 'windows-1251', 'TEXT'),
  ]);
});

t.test('LARGER and SMALLER (RFC822.SIZE)', async (t) => {
  const cases: Case[] = [];
  for (const n of [0, 250, 373, 500, 1000, 100_000]) {
    cases.push({ imap: `LARGER ${n}`, ref: (d) => d.raw.length > n }, { imap: `SMALLER ${n}`, ref: (d) => d.raw.length < n });
  }
  await check(t, cases);
});

t.test('NOT, OR, parentheses, implicit AND', async (t) => {
  await check(t, [
    { imap: 'NOT SEEN', ref: (d) => !flagged(d, '\\Seen') },
    { imap: 'NOT NOT SEEN', ref: (d) => flagged(d, '\\Seen') },
    { imap: 'OR FLAGGED DRAFT', ref: (d) => flagged(d, '\\Flagged') || flagged(d, '\\Draft') },
    { imap: 'OR (SEEN FLAGGED) NOT DELETED', ref: (d) => (flagged(d, '\\Seen') && flagged(d, '\\Flagged')) || !flagged(d, '\\Deleted') },
    { imap: 'SEEN ANSWERED', ref: (d) => flagged(d, '\\Seen') && flagged(d, '\\Answered') },
    { imap: 'OR SUBJECT fwd BODY invoice', ref: (d) => headerHas(d, 'subject', 'fwd') || has(d.body, 'invoice') },
    { imap: 'NOT BODY the', ref: (d) => !has(d.body, 'the') },
    { imap: 'NOT FROM alice', ref: (d) => !headerHas(d, 'from', 'alice') },
    {
      imap: '(SEEN OR FROM alice SUBJECT fwd) LARGER 400',
      ref: (d) => flagged(d, '\\Seen') && (headerHas(d, 'from', 'alice') || headerHas(d, 'subject', 'fwd')) && d.raw.length > 400,
    },
    { imap: 'NOT (UNSEEN BODY the)', ref: (d) => !(!flagged(d, '\\Seen') && has(d.body, 'the')) },
    {
      imap: 'OR OR FROM yamada TO olga CC moore',
      ref: (d) => headerHas(d, 'from', 'yamada') || headerHas(d, 'to', 'olga') || headerHas(d, 'cc', 'moore'),
    },
    { imap: 'OR NOT SMALLER 1000 (RECENT TEXT alice)', ref: (d) => d.raw.length >= 1000 || (d.recent && textHas(d, 'alice')) },
    {
      imap: '1:20 NOT UID 5:8 OR KEYWORD $Work SENTON 3-Mar-2025',
      ref: (d) => d.seq <= 20 && !(d.uid >= 5 && d.uid <= 8) && (flagged(d, '$Work') || d.sent === dayOf(2025, 3, 3)),
    },
    { imap: '((((SUBJECT a))))', ref: (d) => headerHas(d, 'subject', 'a') },
  ]);
});

t.test('sequence numbers for SEARCH without UID', async (t) => {
  for (const [key, ref] of [
    ['FLAGGED', (d: Doc) => flagged(d, '\\Flagged')],
    ['BODY invoice', (d: Doc) => has(d.body, 'invoice')],
    ['5:10 NOT SEEN', (d: Doc) => bySeq(d, 5, 10) && !flagged(d, '\\Seen')],
  ] as const) {
    t.same(
      searchNumbers(await search('SEARCH', key)),
      docs.filter(ref).map((d) => d.seq),
      `SEARCH ${key}`,
    );
  }
});

t.test('CHARSET: an unknown one is NO [BADCHARSET (...)]', async (t) => {
  for (const crit of ['CHARSET X-NO-SUCH-CHARSET SUBJECT x', 'CHARSET "" ALL']) {
    const r = await search('UID SEARCH', crit);
    t.match(r.tagged, /^\S+ NO \[BADCHARSET \((?:"?[\w-]+"? ?)+\)\]/, crit);
    t.ok(/BADCHARSET \([^)]*UTF-8/i.test(r.tagged), `${crit}: the list names UTF-8`);
    t.notOk(
      r.untagged.some((l) => l.startsWith('* SEARCH')),
      `${crit}: no results`,
    );
  }
  const literal = await search('UID SEARCH', criteria('CHARSET X-NO-SUCH-CHARSET BODY ', lit(Buffer.from([0xe9, 0x74, 0xe9]))));
  t.match(literal.tagged, /^\S+ NO \[BADCHARSET/, 'unknown charset with an 8-bit literal');
  t.same(
    searchNumbers(await search('UID SEARCH', 'CHARSET utf-8 SEEN')),
    docs.filter((d) => flagged(d, '\\Seen')).map((d) => d.uid),
    'charset names are case-insensitive',
  );
});

/** Parses `* ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set`. */
function esearch(untagged: string[], tag: string): { uid: boolean; data: Map<string, string> } | string {
  const line = untagged.find((l) => l.startsWith('* ESEARCH'));
  if (line === undefined) return `no ESEARCH: ${untagged.join(' | ')}`;
  const m = /^\* ESEARCH \(TAG "([^"]*)"\)( UID)?(.*)$/i.exec(line);
  if (m === null || m[1] !== tag) return `bad ESEARCH line ${line}`;
  const data = new Map<string, string>();
  const words = m[3]!.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i + 1 < words.length; i += 2) data.set(words[i]!.toUpperCase(), words[i + 1]!);
  return { uid: m[2] !== undefined, data };
}

function expandSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map(Number);
    for (let n = Math.min(a!, b ?? a!); n <= Math.max(a!, b ?? a!); n++) out.push(n);
  }
  return out;
}

t.test('ESEARCH: SEARCH RETURN (MIN MAX COUNT ALL), RFC 4731', async (t) => {
  const forms: Array<{ prefix: string; key: string; ref: (d: Doc) => boolean; options: string[] }> = [
    { prefix: 'SEARCH RETURN (MIN MAX COUNT ALL)', key: 'SEEN', ref: (d) => flagged(d, '\\Seen'), options: ['MIN', 'MAX', 'COUNT', 'ALL'] },
    {
      prefix: 'UID SEARCH RETURN (MIN MAX COUNT ALL)',
      key: 'BODY the',
      ref: (d) => has(d.body, 'the'),
      options: ['MIN', 'MAX', 'COUNT', 'ALL'],
    },
    { prefix: 'SEARCH RETURN (COUNT)', key: 'ALL', ref: () => true, options: ['COUNT'] },
    { prefix: 'UID SEARCH RETURN (MIN)', key: 'FROM alice', ref: (d) => headerHas(d, 'from', 'alice'), options: ['MIN'] },
    {
      prefix: 'SEARCH RETURN (MAX)',
      key: 'OR DRAFT FLAGGED',
      ref: (d) => flagged(d, '\\Draft') || flagged(d, '\\Flagged'),
      options: ['MAX'],
    },
    { prefix: 'SEARCH RETURN ()', key: 'UNSEEN', ref: (d) => !flagged(d, '\\Seen'), options: ['ALL'] },
    { prefix: 'UID SEARCH RETURN (ALL)', key: 'RECENT', ref: (d) => d.recent, options: ['ALL'] },
    {
      prefix: 'SEARCH RETURN (MIN MAX COUNT ALL)',
      key: 'BODY nothing-has-this-text',
      ref: () => false,
      options: ['MIN', 'MAX', 'COUNT', 'ALL'],
    },
    {
      prefix: 'UID SEARCH RETURN (COUNT MIN)',
      key: 'CHARSET UTF-8 SUBJECT Caf',
      ref: (d) => headerHas(d, 'subject', 'caf'),
      options: ['COUNT', 'MIN'],
    },
  ];
  for (const f of forms) {
    const label = `${f.prefix} ${f.key}`;
    const tag = `q${tagN + 1}`;
    const r = await search(f.prefix, f.key);
    t.match(r.tagged, /^\S+ OK/, `${label}: OK`);
    t.notOk(
      r.untagged.some((l) => l.startsWith('* SEARCH')),
      `${label}: no plain SEARCH response`,
    );
    const e = esearch(r.untagged, tag);
    if (typeof e === 'string') {
      t.fail(`${label}: ${e}`);
      continue;
    }
    const uid = f.prefix.startsWith('UID');
    t.equal(e.uid, uid, `${label}: UID marker`);
    const want = docs.filter(f.ref).map((d) => (uid ? d.uid : d.seq));
    const expected = new Map<string, string>();
    // RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matched; COUNT is always there.
    if (want.length > 0 && f.options.includes('MIN')) expected.set('MIN', String(want[0]));
    if (want.length > 0 && f.options.includes('MAX')) expected.set('MAX', String(want[want.length - 1]));
    if (f.options.includes('COUNT')) expected.set('COUNT', String(want.length));
    const all = e.data.get('ALL');
    t.same(all === undefined ? [] : expandSet(all), f.options.includes('ALL') ? want : [], `${label}: ALL`);
    e.data.delete('ALL');
    t.same(Object.fromEntries(e.data), Object.fromEntries(expected), `${label}: MIN/MAX/COUNT`);
  }
});
