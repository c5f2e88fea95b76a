// FETCH item lists and SEARCH programs parse into exact typed values: the RFC 3501 §6.4.4,
// §6.4.5 and §6.4.8 examples, ESEARCH (RFC 4731) and BINARY (RFC 3516), and their BAD cases.

import t from 'tap';
import { parseCommand } from '../../src/protocol/parse/index.js';
import { ParseError } from '../../src/protocol/parse/errors.js';
import type { FetchItem, ParsedCommand, SearchKey } from '../../src/protocol/args.js';
import { MAX_LIST_NESTING, MAX_SEARCH_DEPTH } from '../../src/protocol/limits.js';
import { frame } from './frame.js';

const p = (wire: string): ParsedCommand => parseCommand(frame(wire));

function items(wire: string): FetchItem[] {
  const c = p(`f1 FETCH 1 ${wire}`);
  if (c.name !== 'FETCH') throw new Error('not FETCH');
  return c.items;
}

function search(wire: string): Extract<ParsedCommand, { name: 'SEARCH' }> {
  const c = p(wire);
  if (c.name !== 'SEARCH') throw new Error('not SEARCH');
  return c;
}

const criteria = (keys: string): SearchKey => search(`s1 SEARCH ${keys}`).criteria;

function bad(wire: string): string {
  try {
    parseCommand(frame(wire));
  } catch (e) {
    if (e instanceof ParseError) return e.text;
    throw e;
  }
  throw new Error(`parsed without error: ${wire}`);
}

const whole = { part: [], text: null };

t.test('RFC 3501 §6.4.5 FETCH example', async (t) => {
  t.strictSame(p('A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])'), {
    tag: 'A654',
    name: 'FETCH',
    uid: false,
    sequence: [{ start: 2, end: 4 }],
    items: [
      { type: 'FLAGS' },
      { type: 'BODY[]', peek: false, section: { part: [], text: { kind: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] } }, partial: null },
    ],
    changedSince: null,
    vanished: false,
  });
});

t.test('RFC 3501 §6.4.8 UID FETCH example', async (t) => {
  t.strictSame(p('A999 UID FETCH 4827313:4828442 FLAGS'), {
    tag: 'A999',
    name: 'FETCH',
    uid: true,
    sequence: [{ start: 4827313, end: 4828442 }],
    items: [{ type: 'FLAGS' }],
    changedSince: null,
    vanished: false,
  });
});

t.test('RFC 3501 §6.4.5 macros ALL, FAST, FULL', async (t) => {
  t.strictSame(items('ALL'), [{ type: 'FLAGS' }, { type: 'INTERNALDATE' }, { type: 'RFC822.SIZE' }, { type: 'ENVELOPE' }]);
  t.strictSame(items('fast'), [{ type: 'FLAGS' }, { type: 'INTERNALDATE' }, { type: 'RFC822.SIZE' }]);
  t.strictSame(items('FULL'), [
    { type: 'FLAGS' },
    { type: 'INTERNALDATE' },
    { type: 'RFC822.SIZE' },
    { type: 'ENVELOPE' },
    { type: 'BODY' },
  ]);
  t.equal(bad('f2 FETCH 1 (ALL)'), 'Unknown fetch item', 'macros are not fetch-att');
  t.equal(bad('f3 FETCH 1 ALL FLAGS'), 'Unexpected extra arguments');
});

t.test('RFC 3501 §6.4.5 simple items', async (t) => {
  t.strictSame(items('(envelope flags internaldate rfc822 rfc822.header rfc822.size rfc822.text body bodystructure uid)'), [
    { type: 'ENVELOPE' },
    { type: 'FLAGS' },
    { type: 'INTERNALDATE' },
    { type: 'RFC822' },
    { type: 'RFC822.HEADER' },
    { type: 'RFC822.SIZE' },
    { type: 'RFC822.TEXT' },
    { type: 'BODY' },
    { type: 'BODYSTRUCTURE' },
    { type: 'UID' },
  ]);
});

t.test('RFC 3501 §6.4.5 body sections and partials', async (t) => {
  t.strictSame(items('BODY[]'), [{ type: 'BODY[]', peek: false, section: whole, partial: null }]);
  t.strictSame(items('BODY.PEEK[]<0.2048>'), [{ type: 'BODY[]', peek: true, section: whole, partial: { offset: 0, length: 2048 } }]);
  t.strictSame(items('body[header]'), [{ type: 'BODY[]', peek: false, section: { part: [], text: { kind: 'HEADER' } }, partial: null }]);
  t.strictSame(items('BODY[TEXT]<100.1>'), [
    { type: 'BODY[]', peek: false, section: { part: [], text: { kind: 'TEXT' } }, partial: { offset: 100, length: 1 } },
  ]);
  t.strictSame(items('BODY[1.2.3]'), [{ type: 'BODY[]', peek: false, section: { part: [1, 2, 3], text: null }, partial: null }]);
  t.strictSame(items('BODY[4.2.HEADER]'), [
    { type: 'BODY[]', peek: false, section: { part: [4, 2], text: { kind: 'HEADER' } }, partial: null },
  ]);
  t.strictSame(items('BODY.PEEK[3.MIME]'), [{ type: 'BODY[]', peek: true, section: { part: [3], text: { kind: 'MIME' } }, partial: null }]);
  t.strictSame(items('BODY[2.TEXT]'), [{ type: 'BODY[]', peek: false, section: { part: [2], text: { kind: 'TEXT' } }, partial: null }]);
  t.strictSame(items('BODY.PEEK[HEADER.FIELDS.NOT (x-foo "Received" {4}\r\ndate)]'), [
    {
      type: 'BODY[]',
      peek: true,
      section: { part: [], text: { kind: 'HEADER.FIELDS.NOT', fields: ['X-FOO', 'RECEIVED', 'DATE'] } },
      partial: null,
    },
  ]);
  t.strictSame(items('(UID BODY.PEEK[1.HEADER.FIELDS (Subject)]<0.10>)'), [
    { type: 'UID' },
    {
      type: 'BODY[]',
      peek: true,
      section: { part: [1], text: { kind: 'HEADER.FIELDS', fields: ['SUBJECT'] } },
      partial: { offset: 0, length: 10 },
    },
  ]);
});

t.test('RFC 3516 §4.2 BINARY items', async (t) => {
  t.strictSame(items('BINARY[]'), [{ type: 'BINARY', peek: false, part: [], partial: null }]);
  t.strictSame(items('(BINARY.PEEK[1.2]<0.1024> BINARY.SIZE[2])'), [
    { type: 'BINARY', peek: true, part: [1, 2], partial: { offset: 0, length: 1024 } },
    { type: 'BINARY.SIZE', part: [2] },
  ]);
  t.equal(bad('f4 FETCH 1 BINARY[TEXT]'), 'Expected part number');
  t.equal(bad('f5 FETCH 1 BINARY.SIZE[1]<0.10>'), 'Unexpected extra arguments');
  t.equal(bad('f6 FETCH 1 BINARY'), 'Expected "["');
});

t.test('BAD FETCH items', async (t) => {
  t.equal(bad('f1 FETCH 1 BODY[MIME]'), 'MIME requires a part number');
  t.equal(bad('f1 FETCH 1 BODY[0]'), 'Expected part number');
  t.equal(bad('f1 FETCH 1 BODY[1.0]'), 'Expected part number');
  t.equal(bad('f1 FETCH 1 BODY.PEEK'), 'Expected "["');
  t.equal(bad('f1 FETCH 1 BODY[]<0.0>'), 'Expected partial length');
  t.equal(bad('f1 FETCH 1 BODY[]<0>'), 'Expected "." in partial');
  t.equal(bad('f1 FETCH 1 BODY[HEADER.FIELDS ()]'), 'Expected header field name');
  t.equal(bad('f1 FETCH 1 BODY[HEADER.FIELDS(DATE)]'), 'Expected SP');
  t.equal(bad('f1 FETCH 1 BODY[HEADER'), 'Expected "]" closing section');
  t.equal(bad('f1 FETCH 1 BODY[FOO]'), 'Invalid section');
  t.equal(bad('f1 FETCH 1 FOO'), 'Unknown fetch item');
  t.equal(bad('f1 FETCH 1 ()'), 'Expected fetch item');
  t.equal(bad('f1 FETCH 1 (FLAGS'), 'Expected ")" closing fetch item list');
  t.equal(bad('f1 FETCH 1 FLAGS[]'), 'Unexpected extra arguments');
  t.equal(bad('f1 FETCH 1 BODY[]<4294967296.1>'), 'Number out of range');
  t.equal(bad('f1 FETCH 1'), 'Expected SP');
});

t.test('RFC 3501 §6.4.4 SEARCH examples', async (t) => {
  t.strictSame(p('A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), {
    tag: 'A282',
    name: 'SEARCH',
    uid: false,
    charset: null,
    criteria: {
      type: 'AND',
      keys: [
        { type: 'FLAGGED' },
        { type: 'SINCE', date: { year: 1994, month: 2, day: 1 } },
        { type: 'NOT', key: { type: 'FROM', value: 'Smith' } },
      ],
    },
    returnOptions: null,
  });
  t.strictSame(p('A283 SEARCH TEXT "string not in mailbox"'), {
    tag: 'A283',
    name: 'SEARCH',
    uid: false,
    charset: null,
    criteria: { type: 'TEXT', value: 'string not in mailbox' },
    returnOptions: null,
  });
  t.strictSame(p('A284 SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX'), {
    tag: 'A284',
    name: 'SEARCH',
    uid: false,
    charset: 'UTF-8',
    criteria: { type: 'TEXT', value: 'XXXXXX' },
    returnOptions: null,
  });
});

t.test('RFC 4731 §3.1 ESEARCH return options', async (t) => {
  const s1 = search('A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"');
  t.strictSame(s1.returnOptions, ['MIN', 'COUNT']);
  t.equal(s1.criteria.type, 'AND');
  t.strictSame(search('A283 SEARCH RETURN () FLAGGED').returnOptions, [], 'RETURN () means ALL');
  t.strictSame(search('A284 SEARCH RETURN (min max all count) CHARSET US-ASCII UNSEEN'), {
    tag: 'A284',
    name: 'SEARCH',
    uid: false,
    charset: 'US-ASCII',
    criteria: { type: 'UNSEEN' },
    returnOptions: ['MIN', 'MAX', 'ALL', 'COUNT'],
  });
  t.strictSame(p('A285 UID SEARCH RETURN (MIN MAX) 1:5000'), {
    tag: 'A285',
    name: 'SEARCH',
    uid: true,
    charset: null,
    criteria: { type: 'SEQUENCE', set: [{ start: 1, end: 5000 }] },
    returnOptions: ['MIN', 'MAX'],
  });
  t.equal(bad('A286 SEARCH RETURN (SAVE) ALL'), 'Unknown search return option');
  t.equal(bad('A287 SEARCH RETURN MIN ALL'), 'Expected return option list');
  t.equal(bad('A288 SEARCH CHARSET UTF-8 RETURN (MIN) ALL'), 'Unknown search key');
});

t.test('RFC 3501 §6.4.4 every search key', async (t) => {
  const flagKeys = [
    'ALL',
    'ANSWERED',
    'DELETED',
    'DRAFT',
    'FLAGGED',
    'NEW',
    'OLD',
    'RECENT',
    'SEEN',
    'UNANSWERED',
    'UNDELETED',
    'UNDRAFT',
    'UNFLAGGED',
    'UNSEEN',
  ] as const;
  for (const k of flagKeys) t.strictSame(criteria(k.toLowerCase()), { type: k });
  for (const k of ['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO'] as const) {
    t.strictSame(criteria(`${k} "a b"`), { type: k, value: 'a b' });
  }
  const d = { year: 2024, month: 12, day: 31 };
  for (const k of ['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE'] as const) {
    t.strictSame(criteria(`${k} 31-dec-2024`), { type: k, date: d });
    t.strictSame(criteria(`${k} "31-Dec-2024"`), { type: k, date: d });
  }
  t.strictSame(criteria('KEYWORD $Forwarded'), { type: 'KEYWORD', keyword: '$Forwarded' });
  t.strictSame(criteria('UNKEYWORD NonJunk'), { type: 'UNKEYWORD', keyword: 'NonJunk' });
  t.strictSame(criteria('HEADER Message-ID "<x@y>"'), { type: 'HEADER', field: 'MESSAGE-ID', value: '<x@y>' });
  t.strictSame(criteria('HEADER X-Spam ""'), { type: 'HEADER', field: 'X-SPAM', value: '' });
  t.strictSame(criteria('LARGER 10000'), { type: 'LARGER', size: 10000 });
  t.strictSame(criteria('SMALLER 0'), { type: 'SMALLER', size: 0 });
  t.strictSame(criteria('UID 1:*,7'), {
    type: 'UID',
    set: [
      { start: 1, end: '*' },
      { start: 7, end: 7 },
    ],
  });
  t.strictSame(criteria('2,4:3'), {
    type: 'SEQUENCE',
    set: [
      { start: 2, end: 2 },
      { start: 4, end: 3 },
    ],
  });
  t.strictSame(criteria('OR SEEN (FLAGGED DELETED)'), {
    type: 'OR',
    left: { type: 'SEEN' },
    right: { type: 'AND', keys: [{ type: 'FLAGGED' }, { type: 'DELETED' }] },
  });
  t.strictSame(criteria('NOT (OR NEW OLD)'), { type: 'NOT', key: { type: 'OR', left: { type: 'NEW' }, right: { type: 'OLD' } } });
  t.strictSame(criteria('((SEEN))'), { type: 'SEEN' }, 'a list of one key is the key');
  t.strictSame(criteria('SUBJECT atom'), { type: 'SUBJECT', value: 'atom' });
});

t.test('SEARCH string literals follow CHARSET', async (t) => {
  const latin1 = Buffer.from('caf\xe9', 'latin1');
  const wire = Buffer.concat([Buffer.from('s1 SEARCH CHARSET ISO-8859-1 SUBJECT {4}\r\n'), latin1]);
  const c = parseCommand(frame(wire));
  t.strictSame(c.name === 'SEARCH' && c.criteria, { type: 'SUBJECT', value: 'café' });
  t.strictSame(criteria('SUBJECT {5}\r\ncafé'), { type: 'SUBJECT', value: 'café' });
  const unknown = parseCommand(frame(Buffer.concat([Buffer.from('s2 SEARCH CHARSET X-UNKNOWN BODY {4}\r\n'), latin1])));
  t.strictSame(unknown.name === 'SEARCH' && [unknown.charset, unknown.criteria], ['X-UNKNOWN', { type: 'BODY', value: 'café' }]);
});

t.test('BAD SEARCH programs', async (t) => {
  t.equal(bad('s1 SEARCH'), 'Expected SP');
  t.equal(bad('s1 SEARCH FOO'), 'Unknown search key');
  t.equal(bad('s1 SEARCH ()'), 'Expected search key');
  t.equal(bad('s1 SEARCH (SEEN'), 'Expected ")" closing search key list');
  t.equal(bad('s1 SEARCH SINCE 1-Foo-1994'), 'Invalid month in date');
  t.equal(bad('s1 SEARCH SINCE 32-Jan-1994'), 'Invalid day in date');
  t.equal(bad('s1 SEARCH SINCE 29-Feb-2023'), 'Invalid day in date');
  t.equal(bad('s1 SEARCH SINCE 1994-02-01'), 'Invalid date');
  t.equal(bad('s1 SEARCH LARGER 4294967296'), 'Number out of range');
  t.equal(bad('s1 SEARCH LARGER'), 'Expected SP');
  t.equal(bad('s1 SEARCH KEYWORD \\Seen'), 'Expected keyword');
  t.equal(bad('s1 SEARCH OR SEEN'), 'Expected SP');
  t.equal(bad('s1 SEARCH UID'), 'Expected SP');
  t.equal(bad('s1 SEARCH SEEN  UNSEEN'), 'Expected search key');
  t.equal(bad('s1 SEARCH SEEN)'), 'Unexpected extra arguments');
});

t.test('SEARCH depth limits', async (t) => {
  const nest = (n: number): string => '('.repeat(n) + 'SEEN' + ')'.repeat(n);
  t.strictSame(criteria(nest(MAX_LIST_NESTING)), { type: 'SEEN' });
  t.equal(bad(`s1 SEARCH ${nest(MAX_LIST_NESTING + 1)}`), 'Lists nested too deeply');
  const nots = (n: number): string => 'NOT '.repeat(n) + 'SEEN';
  t.ok(criteria(nots(MAX_SEARCH_DEPTH - 1)));
  t.equal(bad(`s1 SEARCH ${nots(MAX_SEARCH_DEPTH)}`), 'Search criteria nested too deeply');
  t.equal(bad(`s1 SEARCH ${'OR SEEN '.repeat(MAX_SEARCH_DEPTH)}SEEN`), 'Search criteria nested too deeply');
  t.equal(bad(`s1 SEARCH ${'NOT ('.repeat(MAX_SEARCH_DEPTH)}SEEN${')'.repeat(MAX_SEARCH_DEPTH)}`), 'Search criteria nested too deeply');
});
