// The untagged data the command handlers send, as exact bytes from plain data: FETCH items
// (RFC 3501 §7.4.2, RFC 3516 §4.2), FLAGS-only FETCH, SEARCH and ESEARCH (RFC 4731 §3.1),
// STATUS (§7.2.4), FLAGS/PERMANENTFLAGS, EXISTS/RECENT and EXPUNGE.

import t from 'tap';
import type { FetchItem } from '../../src/protocol/fetch-item.js';
import {
  encodeFetch,
  encodeFetchFlags,
  encodeFlags,
  encodeRecordFetch,
  recordOnlyItems,
  type FetchedData,
} from '../../src/protocol/encode/fetch.js';
import { encodeExistsRecent, encodeExpunge, encodeMailboxFlags, encodeMailboxStatus } from '../../src/protocol/encode/mailbox.js';
import { encodeEsearch, encodeSearch } from '../../src/protocol/encode/search.js';

const text = (chunks: Array<string | Buffer>): string => chunks.map((c) => (typeof c === 'string' ? c : c.toString('latin1'))).join('');

const msg = {
  uid: 7,
  flags: ['\\Seen', 'work'],
  internalDate: Date.UTC(1996, 6, 7, 2, 44, 25),
  size: 42,
  modseq: 9,
  savedAt: null,
  blob: 'ab'.repeat(32),
};
const data = (over: Partial<FetchedData> = {}): FetchedData => ({
  recent: () => true,
  body: () => Buffer.from('Subject: x\r\n\r\nhello'),
  section: (s) => Buffer.from(s.text?.kind === 'HEADER' ? 'Subject: x\r\n\r\n' : 'hello'),
  summary: () => ({
    v: 2,
    envelope: '(NIL)',
    bodystructure: '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)',
    body: '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1)',
  }),
  binary: (part) => (part[0] === 9 ? null : Buffer.from('a\0b')),
  ...over,
});

t.test('FETCH items in the order asked, each from its accessor', async (t) => {
  const items: FetchItem[] = [
    { type: 'UID' },
    { type: 'FLAGS' },
    { type: 'INTERNALDATE' },
    { type: 'RFC822.SIZE' },
    { type: 'ENVELOPE' },
    { type: 'BODY' },
    { type: 'RFC822.HEADER' },
    { type: 'BODY[]', peek: true, section: { part: [1], text: null }, partial: { offset: 1, length: 3 } },
    { type: 'BODY[]', peek: false, section: { part: [], text: { kind: 'HEADER.FIELDS', fields: ['FROM', 'TO'] } }, partial: null },
    { type: 'BINARY', peek: true, part: [1], partial: null },
    { type: 'BINARY', peek: true, part: [9], partial: null },
    { type: 'BINARY.SIZE', part: [9] },
  ];
  t.equal(
    text(encodeFetch(3, items, msg, data())),
    '* 3 FETCH (UID 7 FLAGS (\\Seen work \\Recent) INTERNALDATE " 7-Jul-1996 02:44:25 +0000" RFC822.SIZE 42 ENVELOPE (NIL) ' +
      'BODY ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1) RFC822.HEADER {14}\r\nSubject: x\r\n\r\n BODY[1]<1> {3}\r\nell ' +
      'BODY[HEADER.FIELDS (FROM TO)] {5}\r\nhello BINARY[1] ~{3}\r\na\0b BINARY[9] NIL BINARY.SIZE[9] 0)\r\n',
  );
});

t.test('a body literal stays its own Buffer chunk', async (t) => {
  const body = Buffer.from('x'.repeat(100));
  const chunks = encodeFetch(1, [{ type: 'RFC822' }], msg, data({ body: () => body }));
  t.ok(chunks.includes(body), 'the very Buffer the accessor gave');
  t.equal(text(chunks), `* 1 FETCH (RFC822 {100}\r\n${'x'.repeat(100)})\r\n`);
});

t.test('FLAGS: \\Recent only for this session; FLAGS-only FETCH with and without UID', async (t) => {
  t.equal(encodeFlags([], false), '()');
  t.equal(encodeFlags(['\\Seen'], true), '(\\Seen \\Recent)');
  t.equal(encodeFetchFlags(2, 9, ['\\Deleted'], false), '* 2 FETCH (UID 9 FLAGS (\\Deleted))\r\n');
  t.equal(encodeFetchFlags(2, null, [], true), '* 2 FETCH (FLAGS (\\Recent))\r\n');
});

t.test('SEARCH and ESEARCH', async (t) => {
  t.equal(encodeSearch([]), '* SEARCH\r\n');
  t.equal(encodeSearch([2, 5, 9]), '* SEARCH 2 5 9\r\n');
  t.equal(encodeEsearch('a1', false, [], [1, 2, 3, 7]), '* ESEARCH (TAG "a1") ALL 1:3,7\r\n', 'no options means ALL');
  t.equal(encodeEsearch('a2', true, ['MIN', 'MAX', 'COUNT'], [4, 8]), '* ESEARCH (TAG "a2") UID MIN 4 MAX 8 COUNT 2\r\n');
  t.equal(
    encodeEsearch('a3', true, ['MIN', 'COUNT', 'ALL'], []),
    '* ESEARCH (TAG "a3") UID COUNT 0\r\n',
    'MIN/MAX/ALL left out when nothing matched',
  );
});

t.test('STATUS, FLAGS/PERMANENTFLAGS, EXISTS/RECENT, EXPUNGE', async (t) => {
  t.equal(
    encodeMailboxStatus(
      'INBOX',
      [
        ['MESSAGES', 2],
        ['UIDNEXT', 3],
      ],
      false,
    ),
    '* STATUS INBOX (MESSAGES 2 UIDNEXT 3)\r\n',
  );
  t.equal(encodeMailboxStatus('Entwürfe', [['UNSEEN', 0]], false), '* STATUS Entw&APw-rfe (UNSEEN 0)\r\n', 'modified UTF-7');
  t.equal(encodeMailboxStatus('Entwürfe', [['UNSEEN', 0]], true), '* STATUS "Entwürfe" (UNSEEN 0)\r\n', 'UTF8=ACCEPT');
  t.equal(
    encodeMailboxFlags(['work'], false),
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work \\*)] Flags permitted\r\n',
  );
  t.equal(
    encodeMailboxFlags([], true),
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n',
  );
  t.equal(encodeExistsRecent(4, 1), '* 4 EXISTS\r\n* 1 RECENT\r\n');
  t.equal(encodeExpunge(3), '* 3 EXPUNGE\r\n');
});

t.test('record-only FETCH responses are built as text exactly as the builder writes them', async (t) => {
  const names = ['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'RFC822.SIZE', 'EMAILID', 'THREADID', 'SAVEDATE'] as const;
  const items: FetchItem[] = names.map((type) => ({ type }));
  t.ok(recordOnlyItems(items));
  t.notOk(recordOnlyItems([...items, { type: 'ENVELOPE' }]), 'ENVELOPE needs the MIME summary');
  const saved = { ...msg, savedAt: Date.UTC(2024, 1, 3, 4, 5, 6) };
  for (const m of [msg, saved, { ...msg, flags: [] }]) {
    for (const recent of [false, true]) {
      for (const chosen of [items, [items[1]!], [items[0]!, items[2]!, items[1]!]]) {
        t.equal(
          encodeRecordFetch(3, chosen, m, recent),
          text(encodeFetch(3, chosen, m, data({ recent: () => recent }))),
          chosen.map((i) => i.type).join(' '),
        );
      }
    }
  }
});
