// MIME parsing (src/mime): golden ENVELOPE/BODYSTRUCTURE wire text for every fixture,
// exact body-section and BINARY bytes, search text decoding, and robustness: any input parses,
// without throwing, to an index whose offsets stay inside the message.
// Regenerate the golden files with GANNET_UPDATE_GOLDEN=1 and review the diff.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import type { Section } from '../../src/protocol/fetch-item.js';
import type { SearchKey } from '../../src/protocol/search-key.js';
import {
  MAX_MIME_DEPTH,
  MAX_MIME_PARTS,
  binaryPart,
  parseMessage,
  resolvePart,
  searchText,
  sectionBytes,
  type MessageIndex,
  type PartIndex,
} from '../../src/mime/index.js';
import { encodeBodyStructure, encodeEnvelope } from '../../src/protocol/encode/mime-structure.js';
import { evaluate, matchesText } from '../../src/search/text-match.js';
import { decodeQuotedPrintable } from '../../src/mime/decode.js';
import parseMimeTask from '../../workers/parse-mime.js';
import searchTextTask from '../../workers/search-text.js';
import { freshStore } from '../storage/fixture.js';

const FIXTURES = new URL('../fixtures/mime/', import.meta.url).pathname;
const UPDATE = process.env.GANNET_UPDATE_GOLDEN === '1';
const NUM_RUNS = Number(process.env.GANNET_FUZZ_RUNS ?? 300);

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.eml'))
  .map((f) => f.slice(0, -4))
  .sort();
const load = (name: string): Buffer => readFileSync(join(FIXTURES, `${name}.eml`));
const parsed = (name: string): { raw: Buffer; idx: MessageIndex } => {
  const raw = load(name);
  return { raw, idx: parseMessage(raw) };
};
const section = (part: number[], text: Section['text'] = null): Section => ({ part, text });
const str = (b: Buffer | null): string | null => (b === null ? null : b.toString('latin1'));

t.test('golden ENVELOPE and BODYSTRUCTURE for every fixture', async (t) => {
  t.ok(names.length >= 40, `${names.length} fixtures`);
  for (const name of names) {
    const idx = parseMessage(load(name));
    const got = { bodystructure: `${encodeBodyStructure(idx, true)}\n`, envelope: `${encodeEnvelope(idx)}\n` };
    for (const kind of ['bodystructure', 'envelope'] as const) {
      const file = join(FIXTURES, `${name}.${kind}.txt`);
      if (UPDATE) writeFileSync(file, got[kind]);
      t.equal(got[kind], readFileSync(file, 'utf8'), `${name} ${kind}`);
    }
  }
});

t.test('RFC 3501 §7.4.2 BODY is BODYSTRUCTURE without extension data', async (t) => {
  const { idx } = parsed('mime-extension-fields');
  t.equal(
    encodeBodyStructure(idx, false),
    '(("text" "plain" ("charset" "us-ascii") "<part1@example.org>" "The first part" "7bit" 4 0)' +
      '("text" "plain" ("charset" "us-ascii") NIL "=?utf-8?q?Beschreibung_=C3=BCber?=" "7bit" 5 0) "mixed")',
  );
});

t.test('RFC 3501 §6.4.5 body sections return exact bytes', async (t) => {
  const m = parsed('forward-rfc822');
  t.equal(str(sectionBytes(m.idx, m.raw, section([]))), m.raw.toString('latin1'), 'BODY[] is the whole message');
  t.match(
    str(sectionBytes(m.idx, m.raw, section([], { kind: 'HEADER' }))),
    /^Date: .*\r\nContent-Type: multipart\/mixed; boundary="fwdB"\r\n\r\n$/s,
  );
  t.equal(str(sectionBytes(m.idx, m.raw, section([1]))), 'See below.\r\n', 'the CRLF before the delimiter is not part 1 (RFC 2046 §5.1.1)');
  t.equal(str(sectionBytes(m.idx, m.raw, section([1], { kind: 'MIME' }))), 'Content-Type: text/plain; charset=us-ascii\r\n\r\n');
  t.equal(
    str(sectionBytes(m.idx, m.raw, section([2], { kind: 'HEADER.FIELDS', fields: ['SUBJECT', 'CC'] }))),
    'Cc: dave@example.net\r\nSubject: Original question\r\n\r\n',
    'fields in message order',
  );
  t.equal(
    str(sectionBytes(m.idx, m.raw, section([2, 1]))),
    'What time is the meeting?\r\n',
    'part 1 of an embedded non-multipart message is its body',
  );
  t.equal(str(sectionBytes(m.idx, m.raw, section([2], { kind: 'TEXT' }))), 'What time is the meeting?\r\n');
  t.match(
    str(sectionBytes(m.idx, m.raw, section([2]))),
    /^Date: Sun, 2 Mar 2025.*meeting\?\r\n$/s,
    'message/rfc822 body is the whole embedded message',
  );
  t.match(str(sectionBytes(m.idx, m.raw, section([2], { kind: 'HEADER' }))), /^Date: .*charset=us-ascii\r\n\r\n$/s);
  t.match(
    str(sectionBytes(m.idx, m.raw, section([2], { kind: 'MIME' }))),
    /^Content-Type: message\/rfc822\r\nContent-Disposition: .*\r\n\r\n$/s,
  );
  t.equal(sectionBytes(m.idx, m.raw, section([3])), null, 'no part 3');
  t.equal(sectionBytes(m.idx, m.raw, section([1], { kind: 'HEADER' })), null, 'HEADER of a part that is not message/rfc822');

  const p = parsed('plain-ascii');
  t.equal(
    str(sectionBytes(p.idx, p.raw, section([1]))),
    'Hi Bob,\r\n\r\nAre we still on for lunch on Thursday?\r\n\r\n-- \r\nAlice\r\n',
    'part 1 of a non-multipart message is its body',
  );
  t.equal(sectionBytes(p.idx, p.raw, section([2])), null);
  t.equal(sectionBytes(p.idx, p.raw, section([1, 1])), null, 'the body of a single-part message has no part 1.1');
  t.equal(
    str(
      sectionBytes(
        p.idx,
        p.raw,
        section([], { kind: 'HEADER.FIELDS.NOT', fields: ['DATE', 'FROM', 'TO', 'MESSAGE-ID', 'MIME-VERSION', 'CONTENT-TYPE'] }),
      ),
    ),
    'Subject: Lunch on Thursday?\r\nContent-Transfer-Encoding: 7bit\r\n\r\n',
  );
  t.equal(
    str(sectionBytes(p.idx, p.raw, section([], { kind: 'HEADER.FIELDS', fields: ['X-NONE'] }))),
    '\r\n',
    'no match: just the empty line',
  );

  const f = parsed('forward-in-forward');
  t.equal(str(sectionBytes(f.idx, f.raw, section([2, 2, 1]))), 'What time is the meeting?\r\n', 'forward inside forward: 2.2.1');
  t.equal(str(sectionBytes(f.idx, f.raw, section([2, 1]))), 'FYI');
  t.match(
    str(sectionBytes(f.idx, f.raw, section([2, 2], { kind: 'HEADER.FIELDS', fields: ['subject'] }))),
    /^Subject: Original question\r\n\r\n$/,
    'field names compare case-insensitively',
  );

  const d = parsed('folded-headers');
  t.equal(
    str(sectionBytes(d.idx, d.raw, section([], { kind: 'HEADER.FIELDS', fields: ['TO'] }))),
    'To: one@example.com,\r\n  two@example.com,\r\n\tthree@example.com\r\n\r\n',
    'folding is kept',
  );

  const lf = parsed('bare-lf-multipart');
  t.equal(str(sectionBytes(lf.idx, lf.raw, section([2]))), '<p>second</p>', 'bare LF: the LF before the delimiter is not part of the body');
  t.equal(str(sectionBytes(lf.idx, lf.raw, section([1], { kind: 'MIME' }))), 'Content-Type: text/plain\n\n');

  const n = parsed('no-header');
  t.equal(
    str(sectionBytes(n.idx, n.raw, section([], { kind: 'HEADER' }))),
    '\r\n',
    'a message that starts with the empty line has an empty header',
  );
  t.equal(str(sectionBytes(n.idx, n.raw, section([1]))), 'This message has an empty header: it starts with the empty line.\r\n');
});

t.test('RFC 3516 §4.2 BINARY removes the transfer encoding', async (t) => {
  const b64 = parsed('plain-base64-utf8');
  t.equal((binaryPart(b64.idx, b64.raw, [1]) as Buffer).toString('utf8'), 'Grüße aus Köln! Ünïcödé text in base64.\nZweite Zeile.\n');
  const qp = parsed('plain-qp-latin1');
  const text = (binaryPart(qp.idx, qp.raw, [1]) as Buffer).toString('latin1');
  t.match(
    text,
    /^Voilà mon résumé, très long ligne qui doit être coupée parce qu'elle dépasse soixante-seize caractères\.\r\nFin\. {3}\r\n$/,
    'soft breaks joined, =XX decoded (=20 is data, not padding)',
  );
  t.equal(
    decodeQuotedPrintable(Buffer.from('a=3Db  \r\nc=\r\nd=4\r\n=e9=\n')).toString('latin1'),
    'a=b\r\ncd=4\r\né',
    'RFC 2045 §6.7: padding dropped, soft breaks, bad = kept, lower-case hex',
  );
  const u = parsed('unknown-cte');
  t.same(binaryPart(u.idx, u.raw, [2]), { unknownCte: true }, 'x-uuencode → UNKNOWN-CTE');
  t.equal((binaryPart(u.idx, u.raw, [1]) as Buffer).toString(), 'See the attachment.', '7bit passes through');
  const bad = parsed('bad-base64');
  t.equal(
    (binaryPart(bad.idx, bad.raw, [2]) as Buffer).toString(),
    'ABCD',
    'line breaks ignored, partial quantum decoded as far as it goes',
  );
  t.equal(binaryPart(bad.idx, bad.raw, [9]), null);
  t.equal((binaryPart(b64.idx, b64.raw, []) as Buffer).length, b64.raw.length, 'BINARY[] is the message as stored');
});

t.test('RFC 3501 §6.4.4 search text is decoded', async (t) => {
  const ew = parsed('encoded-words-q');
  const st = searchText(ew.idx, ew.raw);
  t.equal(st.subject, 'Café and crème brûlée', 'RFC 2047 Q words, adjacent words joined (RFC 2047 §6.2)');
  t.match(st.from, /André Pirard/);
  t.match(st.to, /Jürgen Müller/);
  t.equal(st.sent, Date.UTC(2025, 2, 4, 10, 0, 0), 'Date as written, zone disregarded');

  const ewb = parsed('encoded-words-b');
  const sb = searchText(ewb.idx, ewb.raw);
  t.match(sb.from, /山田太郎/, 'Shift_JIS B word');
  t.match(sb.to, /Paweł Żółw/, 'ISO-8859-2 B word');
  t.match(sb.subject, /会議のお知らせ/);

  const cases: [string, RegExp][] = [
    ['iso-2022-jp', /会議は木曜日の午後３時からです。/],
    ['gb2312-8bit', /你好，这是一封测试邮件。/],
    ['gbk-base64', /銀行/],
    ['koi8-r', /Привет, мир!/],
    ['windows-1251-qp', /Привет, мир!/],
    ['plain-base64-utf8', /Grüße aus Köln/],
    ['html-only-latin1', /“Smart quotes” cost €5\./],
    ['forward-rfc822', /What time is the meeting\?/],
  ];
  for (const [name, re] of cases) {
    const m = parsed(name);
    t.match(searchText(m.idx, m.raw).body, re, `${name} body`);
  }
  const jp = parsed('iso-2022-jp');
  t.match(searchText(jp.idx, jp.raw).subject, /会議の件/, 'ISO-2022-JP encoded word');
  const att = parsed('mixed-attachments');
  t.notMatch(searchText(att.idx, att.raw).body, /PDF-1\.4/, 'attachments that are not text/* are not body text');
});

t.test('text keys match case-insensitively after decoding', async (t) => {
  const m = parsed('encoded-words-q');
  const st = searchText(m.idx, m.raw);
  const key = (k: SearchKey): boolean | null => matchesText(k, st);
  t.equal(key({ type: 'SUBJECT', value: 'CRÈME BRÛLÉE' }), true, 'Unicode case folding');
  t.equal(key({ type: 'FROM', value: 'pirard@EXAMPLE' }), true);
  t.equal(key({ type: 'TO', value: 'zoë' }), true);
  t.equal(key({ type: 'CC', value: 'keith moore' }), true);
  t.equal(key({ type: 'BCC', value: 'x' }), false, 'no Bcc field');
  t.equal(key({ type: 'BODY', value: 'q FORM' }), true);
  t.equal(key({ type: 'BODY', value: 'Keith' }), false, 'BODY is not the header');
  t.equal(key({ type: 'TEXT', value: 'Keith' }), true, 'TEXT is header and body');
  t.equal(key({ type: 'HEADER', field: 'MESSAGE-ID', value: 'ewq@' }), true);
  t.equal(key({ type: 'HEADER', field: 'MESSAGE-ID', value: '' }), true, 'empty value: the field exists');
  t.equal(key({ type: 'HEADER', field: 'X-MISSING', value: '' }), false);
  t.equal(key({ type: 'SENTON', date: { year: 2025, month: 3, day: 4 } }), true);
  t.equal(key({ type: 'SENTBEFORE', date: { year: 2025, month: 3, day: 4 } }), false);
  t.equal(key({ type: 'SENTBEFORE', date: { year: 2025, month: 3, day: 5 } }), true);
  t.equal(key({ type: 'SENTSINCE', date: { year: 2025, month: 3, day: 4 } }), true);
  t.equal(key({ type: 'SENTSINCE', date: { year: 2025, month: 3, day: 5 } }), false);
  t.equal(key({ type: 'SEEN' }), null, 'flag keys are not text keys');
  t.equal(
    evaluate({ type: 'OR', left: { type: 'FROM', value: 'nobody' }, right: { type: 'NOT', key: { type: 'SUBJECT', value: 'zzz' } } }, st),
    true,
  );
  t.throws(() => evaluate({ type: 'AND', keys: [{ type: 'SEEN' }] }, st), TypeError, 'a non-text key is a caller bug');
  const s = parsed('plain-utf8-8bit');
  t.equal(matchesText({ type: 'BODY', value: 'STRASSE' }, searchText(s.idx, s.raw)), true, 'ß folds to ss');
});

t.test('RFC 3501 §6.4.4 address keys match the addresses with CFWS removed (RFC 5322 §3.2.2), and the field as written', async (t) => {
  const m = parsed('addr-spec-comments');
  const st = searchText(m.idx, m.raw);
  t.equal(st.from, '<user-from (comment)@ (comment) domain.org>\nuser-from@domain.org', 'the field as written, then the list written back');
  const key = (k: SearchKey): boolean | null => matchesText(k, st);
  t.equal(key({ type: 'FROM', value: 'user-from@domain.org' }), true, 'imaptest search-addresses: the addr-spec without its comments');
  t.equal(key({ type: 'FROM', value: 'USER-FROM@domain.ORG' }), true);
  t.equal(key({ type: 'FROM', value: 'user-from (comment)@' }), true, 'a substring of the field as written still matches');
  t.equal(key({ type: 'FROM', value: 'comment' }), true);
  t.equal(key({ type: 'TO', value: 'user-to@domain.org' }), true);
  t.equal(key({ type: 'CC', value: 'user-from@domain.org' }), false, 'no Cc field');

  // Inline rather than a fixture, which the Dovecot diff would report: by its source, Dovecot
  // 2.3 turns null list members and `<,@a,,@b:u@h>` into MISSING_MAILBOX entries and takes a
  // comment inside a local part as the name, where RFC 5322 §4.4 makes them nothing and CFWS.
  const obsolete = Buffer.from(
    [
      'From  : John Doe <jdoe@machine(comment).  example>',
      'To    : Mary Smith',
      '  ',
      '          <mary@example.net>',
      'Cc: Wilt . (the Stilt) Chamberlain@NBA.US, <,@a.example,,@b.example:routed@c.example>, a@b, , c@d',
      'Bcc: (nested (comment) here) nested@example.org (Nested \\(name\\) comment)',
      '',
      'RFC 5322 §4.4 and §A.6.',
    ].join('\r\n'),
  );
  const o = { raw: obsolete, idx: parseMessage(obsolete) };
  t.equal(
    encodeEnvelope(o.idx),
    '(NIL NIL (("John Doe" NIL "jdoe" "machine.example")) (("John Doe" NIL "jdoe" "machine.example")) (("John Doe" NIL "jdoe" "machine.example")) ' +
      '(("Mary Smith" NIL "mary" "example.net")) ((NIL NIL "Wilt.Chamberlain" "NBA.US")(NIL "@a.example,@b.example" "routed" "c.example")(NIL NIL "a" "b")(NIL NIL "c" "d")) ' +
      '(("Nested (name) comment" NIL "nested" "example.org")) NIL NIL)',
    'ENVELOPE of the obsolete forms',
  );
  const so = searchText(o.idx, o.raw);
  t.equal(
    so.cc,
    'Wilt . (the Stilt) Chamberlain@NBA.US, <,@a.example,,@b.example:routed@c.example>, a@b, , c@d\nWilt.Chamberlain@NBA.US, <@a.example,@b.example:routed@c.example>, a@b, c@d',
  );
  t.equal(matchesText({ type: 'CC', value: 'wilt.chamberlain@nba.us' }, so), true, 'obs-local-part with CFWS around the dot');
  t.equal(matchesText({ type: 'FROM', value: 'jdoe@machine.example' }, so), true, 'obs-domain with a comment and FWS');
  t.equal(matchesText({ type: 'FROM', value: 'John Doe <jdoe@machine.example>' }, so), true);
  t.equal(
    matchesText({ type: 'BCC', value: 'Nested (name) comment <nested@example.org>' }, so),
    true,
    'a trailing comment reads as the display name',
  );
  t.equal(matchesText({ type: 'TO', value: 'Mary Smith <mary@example.net>' }, so), true, 'FWS between display name and angle-addr');

  const r = parsed('rfc5322-oddities');
  const sr = searchText(r.idx, r.raw);
  t.equal(matchesText({ type: 'FROM', value: 'pete@silly.test' }, sr), true);
  t.equal(matchesText({ type: 'TO', value: 'c@public.example' }, sr), true);
  t.equal(matchesText({ type: 'TO', value: 'A Group: Chris Jones' }, sr), true);
  t.equal(matchesText({ type: 'CC', value: 'Hidden recipients:;' }, sr), true);
});

t.test('worker task functions, called directly', async (t) => {
  const raw = load('forward-rfc822');
  const u8 = new Uint8Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const idx = parseMimeTask({ raw: u8 }).index;
  t.same(idx, parseMessage(raw), 'a plain Uint8Array parses like a Buffer');
  const other = load('plain-ascii');
  const { store } = freshStore(t);
  const account = await store.createAccount('u', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  await store.append(inbox.id, [
    { body: raw, flags: [] },
    { body: other, flags: [] },
  ]);
  const out = searchTextTask({
    storePath: store.path,
    mailboxId: inbox.id,
    uids: Uint32Array.from([1, 2]),
    key: {
      type: 'AND',
      keys: [
        { type: 'TEXT', value: 'meeting' },
        { type: 'NOT', key: { type: 'FROM', value: 'bob' } },
      ],
    },
  });
  t.same([...out.uids], [1], 'read from the store by the task, without a stored MIME index');
});

/** Every part's offsets are ordered and inside the message; collected for assertions. */
function checkOffsets(idx: MessageIndex, size: number): string[] {
  const problems: string[] = [];
  const walk = (p: PartIndex, path: string): void => {
    if (!(0 <= p.headerStart && p.headerStart <= p.bodyStart && p.bodyStart <= p.bodyEnd && p.bodyEnd <= size)) {
      problems.push(`${path}: ${p.headerStart} ${p.bodyStart} ${p.bodyEnd} / ${size}`);
    }
    if (p.size !== p.bodyEnd - p.bodyStart) problems.push(`${path}: size`);
    if (p.parts !== null && p.parts.length === 0) problems.push(`${path}: multipart without children`);
    p.parts?.forEach((c, i) => walk(c, `${path}.${i + 1}`));
    if (p.message !== null) walk(p.message.root, `${path}.msg`);
  };
  walk(idx.root, 'root');
  return problems;
}

/** No undefined anywhere, no class instances: the index survives JSON and structured clone unchanged. */
function plainData(idx: MessageIndex): boolean {
  return (
    JSON.stringify(JSON.parse(JSON.stringify(idx))) === JSON.stringify(idx) &&
    JSON.stringify(structuredClone(idx)) === JSON.stringify(idx) &&
    !JSON.stringify(idx, (_k, v: unknown) => (v === undefined ? '__undefined__' : v)).includes('__undefined__')
  );
}

t.test('every fixture: offsets in range, plain data, all sections answer', async (t) => {
  for (const name of names) {
    const { raw, idx } = parsed(name);
    t.same(checkOffsets(idx, raw.length), [], `${name} offsets`);
    t.ok(plainData(idx), `${name} is plain data`);
    t.equal(idx.size, raw.length);
  }
});

t.test('limits: deep nesting and many parts degrade, never throw', async (t) => {
  let deep = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let i = 0; i < MAX_MIME_DEPTH + 20; i++)
    deep = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${deep}--b${i}--\r\n`;
  const raw = Buffer.from(deep);
  const idx = parseMessage(raw);
  let depth = 0;
  for (let p: PartIndex | undefined = idx.root; p?.parts; p = p.parts[0]) depth++;
  t.ok(depth <= MAX_MIME_DEPTH, `indexed depth ${depth}`);
  t.ok(idx.warnings.some((w) => w.includes('too deep')));
  t.same(checkOffsets(idx, raw.length), []);
  t.doesNotThrow(() => encodeBodyStructure(idx, true));

  const many = `Content-Type: multipart/mixed; boundary=x\r\n\r\n${'--x\r\n\r\n.\r\n'.repeat(MAX_MIME_PARTS + 50)}--x--\r\n`;
  const m = parseMessage(Buffer.from(many));
  t.ok(m.root.parts!.length < MAX_MIME_PARTS, `${m.root.parts!.length} parts kept`);

  const fwd = load('forward-rfc822').toString('latin1');
  let nested = fwd;
  for (let i = 0; i < MAX_MIME_DEPTH + 5; i++) nested = `Subject: level ${i}\r\nContent-Type: message/rfc822\r\n\r\n${nested}`;
  const n = parseMessage(Buffer.from(nested, 'latin1'));
  t.same(checkOffsets(n, Buffer.byteLength(nested, 'latin1')), []);
  t.doesNotThrow(() => encodeEnvelope(n));
});

t.test('broken input never throws', async (t) => {
  const samples = [
    '',
    '\r\n',
    '\n\n\n',
    'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n',
    'Content-Type: multipart/mixed; boundary=a\r\n\r\n--a',
    'Content-Type: multipart/mixed; boundary=a\r\n\r\n--a--',
    'Content-Type: message/rfc822\r\n\r\n',
    'Content-Type: multipart/digest; boundary=a\r\n\r\n--a\r\n--a\r\n--a--\r\n',
    'From: ("unterminated <a@b\r\nTo: :;,,<<>>@@\r\nSubject: =?x?q?broken\r\nDate: 99 Foo 99999\r\n\r\n',
    "Content-Type: text/plain; name*0*=x'y'%ZZ; name*5=z; name*=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=Z=\r\n",
    '\0\0\0: \0\r\n\r\n\0',
    'Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n--a--\n--a--\n',
  ];
  for (const s of samples) {
    const raw = Buffer.from(s, 'latin1');
    const idx = parseMessage(raw);
    t.same(checkOffsets(idx, raw.length), [], JSON.stringify(s.slice(0, 40)));
    encodeEnvelope(idx);
    encodeBodyStructure(idx, true);
    searchText(idx, raw);
    for (const part of [[], [1], [1, 1], [2, 1, 3]]) {
      for (const text of [
        null,
        { kind: 'HEADER' },
        { kind: 'TEXT' },
        { kind: 'MIME' },
        { kind: 'HEADER.FIELDS.NOT', fields: ['A'] },
      ] as Section['text'][]) {
        if (text?.kind === 'MIME' && part.length === 0) continue;
        sectionBytes(idx, raw, section(part, text));
      }
      binaryPart(idx, raw, part);
    }
  }
});

/** Bytes that look like MIME often enough to reach the multipart and header code. */
const mimeish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'Content-Type: multipart/mixed; boundary=b\r\n',
        'Content-Type: multipart/digest; boundary="c"\n',
        'Content-Type: message/rfc822\r\n',
        "Content-Type: text/plain; charset=koi8-r; name*0*=utf-8''%E2; name*1=x\r\n",
        'Content-Transfer-Encoding: base64\r\n',
        'Content-Transfer-Encoding: quoted-printable\n',
        'From: "a" <b@c>, d:e@f;\r\n',
        ' folded\r\n',
        '\r\n',
        '\n',
        '--b\r\n',
        '--b--\r\n',
        '--c\n',
        '--c--',
        '=?utf-8?b?w6k=?=\r\n',
        'QUJD=\r\n',
      ),
      fc.string({ maxLength: 20 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

t.test('property: any bytes parse without throwing, offsets within the buffer', async (t) => {
  for (const [label, arb] of [
    ['arbitrary bytes', fc.uint8Array({ maxLength: 2000 }).map((u) => Buffer.from(u))],
    ['MIME-like bytes', mimeish],
  ] as const) {
    const r = fc.check(
      fc.property(arb, (raw: Buffer) => {
        const idx = parseMessage(raw);
        if (checkOffsets(idx, raw.length).length > 0) return false;
        encodeBodyStructure(idx, true);
        encodeEnvelope(idx);
        searchText(idx, raw);
        const p = resolvePart(idx, [1, 1]);
        if (p !== null) binaryPart(idx, raw, [1, 1]);
        return plainData(idx);
      }),
      { numRuns: NUM_RUNS },
    );
    t.notOk(r.failed, `${label}${r.failed ? ` (seed ${r.seed}, counterexample ${JSON.stringify(r.counterexample)})` : ''}`);
  }
});
