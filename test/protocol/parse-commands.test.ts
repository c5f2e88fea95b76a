// Every command parses the RFC's own examples into the exact typed result, and malformed
// commands fail with a ParseError carrying the tag (or null when the tag is unreadable).

import t from 'tap';
import { parseCommand, parseTagAndName } from '../../src/protocol/parse/index.js';
import { ParseError } from '../../src/protocol/parse/errors.js';
import type { ParsedCommand } from '../../src/protocol/args.js';
import { frame } from './frame.js';

const p = (wire: string, utf8 = false): ParsedCommand => parseCommand(frame(wire), { utf8 });

/** Runs `wire` and returns the ParseError it must throw, as plain data. */
function bad(wire: string | ReturnType<typeof frame>): { tag: string | null; text: string } {
  try {
    parseCommand(typeof wire === 'string' ? frame(wire) : wire);
  } catch (e) {
    if (e instanceof ParseError) return { tag: e.tag, text: e.text };
    throw e;
  }
  throw new Error(`parsed without error: ${JSON.stringify(wire)}`);
}

t.test('RFC 3501 §6.1 any-state commands', async (t) => {
  t.strictSame(p('abcd CAPABILITY'), { tag: 'abcd', name: 'CAPABILITY' });
  t.strictSame(p('a002 NOOP'), { tag: 'a002', name: 'NOOP' });
  t.strictSame(p('A023 LOGOUT'), { tag: 'A023', name: 'LOGOUT' });
  t.strictSame(p('a001 noop'), { tag: 'a001', name: 'NOOP' }, 'command names are case-insensitive');
  t.strictSame(p('a]1 NOOP'), { tag: 'a]1', name: 'NOOP' }, '"]" is a tag character');
});

t.test('RFC 3501 §6.2 not-authenticated commands', async (t) => {
  t.strictSame(p('a001 STARTTLS'), { tag: 'a001', name: 'STARTTLS' });
  t.strictSame(p('A001 AUTHENTICATE GSSAPI'), {
    tag: 'A001',
    name: 'AUTHENTICATE',
    mechanism: 'GSSAPI',
    initialResponse: null,
  });
  t.strictSame(p('a001 LOGIN SMITH SESAME'), { tag: 'a001', name: 'LOGIN', username: 'SMITH', password: 'SESAME' });
  t.strictSame(p('a2 LOGIN "fred \\"x\\"" "a\\\\b"'), { tag: 'a2', name: 'LOGIN', username: 'fred "x"', password: 'a\\b' });
});

t.test('RFC 7888 LITERAL+ LOGIN example', async (t) => {
  t.strictSame(p('A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n'), {
    tag: 'A001',
    name: 'LOGIN',
    username: 'FRED FOOBAR',
    password: 'fat man',
  });
  t.strictSame(p('A002 LOGIN {5}\r\nalice {6}\r\nsecret'), { tag: 'A002', name: 'LOGIN', username: 'alice', password: 'secret' });
});

t.test('RFC 4959 §3 SASL-IR AUTHENTICATE', async (t) => {
  t.strictSame(p('a01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q='), {
    tag: 'a01',
    name: 'AUTHENTICATE',
    mechanism: 'PLAIN',
    initialResponse: 'dGVzdAB0ZXN0AHRlc3Q=',
  });
  t.strictSame(p('a02 authenticate external ='), { tag: 'a02', name: 'AUTHENTICATE', mechanism: 'EXTERNAL', initialResponse: '' });
  t.strictSame(bad('a03 AUTHENTICATE PLAIN abc'), { tag: 'a03', text: 'Invalid base64 initial response' });
  t.strictSame(bad('a04 AUTHENTICATE PLAIN a*bc'), { tag: 'a04', text: 'Invalid base64 initial response' });
});

t.test('RFC 3501 §6.3.1-§6.3.7 mailbox commands', async (t) => {
  t.strictSame(p('A142 SELECT INBOX'), { tag: 'A142', name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: null });
  t.strictSame(
    p('A143 SELECT inBox'),
    { tag: 'A143', name: 'SELECT', mailbox: 'INBOX', condstore: false, qresync: null },
    'INBOX in any case',
  );
  t.strictSame(p('A932 EXAMINE blurdybloop'), { tag: 'A932', name: 'EXAMINE', mailbox: 'blurdybloop', condstore: false, qresync: null });
  t.strictSame(p('A003 CREATE owatagusiam/'), { tag: 'A003', name: 'CREATE', mailbox: 'owatagusiam/' });
  t.strictSame(p('A004 CREATE owatagusiam/blurdybloop'), { tag: 'A004', name: 'CREATE', mailbox: 'owatagusiam/blurdybloop' });
  t.strictSame(p('A683 DELETE blurdybloop'), { tag: 'A683', name: 'DELETE', mailbox: 'blurdybloop' });
  t.strictSame(p('A683 RENAME blurdybloop sarasoop'), { tag: 'A683', name: 'RENAME', from: 'blurdybloop', to: 'sarasoop' });
  t.strictSame(p('A002 SUBSCRIBE #news.comp.mail.mime'), { tag: 'A002', name: 'SUBSCRIBE', mailbox: '#news.comp.mail.mime' });
  t.strictSame(p('A002 UNSUBSCRIBE #news.comp.mail.mime'), { tag: 'A002', name: 'UNSUBSCRIBE', mailbox: '#news.comp.mail.mime' });
  t.strictSame(
    p('A1 SELECT "~peter/mail/&U,BTFw-/&ZeVnLIqe-"'),
    {
      tag: 'A1',
      name: 'SELECT',
      mailbox: '~peter/mail/台北/日本語',
      condstore: false,
      qresync: null,
    },
    'RFC 3501 §5.1.3 example, decoded',
  );
  t.strictSame(p('A2 CREATE {4}\r\nA&-B'), { tag: 'A2', name: 'CREATE', mailbox: 'A&B' }, 'mailbox as a literal');
  t.strictSame(
    p('A3 SELECT "café"', true),
    { tag: 'A3', name: 'SELECT', mailbox: 'café', condstore: false, qresync: null },
    'UTF-8 names with UTF8=ACCEPT',
  );
});

t.test('RFC 3501 §6.3.8-§6.3.9 LIST and LSUB examples', async (t) => {
  t.strictSame(p('A101 LIST "" ""'), { tag: 'A101', name: 'LIST', reference: '', pattern: '' });
  t.strictSame(p('A102 LIST #news.comp.mail.misc ""'), { tag: 'A102', name: 'LIST', reference: '#news.comp.mail.misc', pattern: '' });
  t.strictSame(p('A103 LIST /usr/staff/jones ""'), { tag: 'A103', name: 'LIST', reference: '/usr/staff/jones', pattern: '' });
  t.strictSame(p('A202 LIST ~/Mail/ %'), { tag: 'A202', name: 'LIST', reference: '~/Mail/', pattern: '%' });
  t.strictSame(p('A203 LIST "" *'), { tag: 'A203', name: 'LIST', reference: '', pattern: '*' });
  t.strictSame(p('A204 LIST "" INBOX.%/x*]'), { tag: 'A204', name: 'LIST', reference: '', pattern: 'INBOX.%/x*]' });
  t.strictSame(p('A002 LSUB "#news." "comp.mail.*"'), { tag: 'A002', name: 'LSUB', reference: '#news.', pattern: 'comp.mail.*' });
  t.strictSame(p('A003 LSUB "#news." "comp.%"'), { tag: 'A003', name: 'LSUB', reference: '#news.', pattern: 'comp.%' });
  t.strictSame(p('A004 LIST {0}\r\n {3}\r\n&-*'), { tag: 'A004', name: 'LIST', reference: '', pattern: '&*' });
});

t.test('RFC 3501 §5.1.3, §7.1.5: a name that is an astring but not modified UTF-7 is no syntax error', async (t) => {
  // Kept as sent, apart from any decoded name, so each command can answer as for a mailbox
  // that does not exist instead of BAD.
  const u = (s: string) => ({ undecodable: s });
  t.strictSame(
    p('b1 SELECT &Jjo'),
    { tag: 'b1', name: 'SELECT', mailbox: u('&Jjo'), condstore: false, qresync: null },
    'unterminated shift',
  );
  t.strictSame(p('b2 EXAMINE a&b'), { tag: 'b2', name: 'EXAMINE', mailbox: u('a&b'), condstore: false, qresync: null });
  t.strictSame(p('b3 CREATE "&AGE-"'), { tag: 'b3', name: 'CREATE', mailbox: u('&AGE-') }, 'shifted printable ASCII');
  t.strictSame(p('b4 DELETE "&-&AOk-&AOk-"'), { tag: 'b4', name: 'DELETE', mailbox: u('&-&AOk-&AOk-') }, 'adjacent shifted runs');
  t.strictSame(p('b5 SUBSCRIBE "café"'), { tag: 'b5', name: 'SUBSCRIBE', mailbox: u('café') }, 'raw 8-bit');
  t.strictSame(p('b6 UNSUBSCRIBE {3}\r\na\tb'), { tag: 'b6', name: 'UNSUBSCRIBE', mailbox: u('a\tb') }, 'raw control in a literal');
  t.strictSame(p('b7 RENAME &Jjo ok'), { tag: 'b7', name: 'RENAME', from: u('&Jjo'), to: 'ok' });
  t.strictSame(p('b8 RENAME ok &Jjo'), { tag: 'b8', name: 'RENAME', from: 'ok', to: u('&Jjo') });
  t.strictSame(p('b9 STATUS a&b (MESSAGES)'), { tag: 'b9', name: 'STATUS', mailbox: u('a&b'), items: ['MESSAGES'] });
  t.strictSame(p('c1 APPEND a&b {1+}\r\nx'), {
    tag: 'c1',
    name: 'APPEND',
    mailbox: u('a&b'),
    flags: [],
    date: null,
    message: Buffer.from('x'),
  });
  t.strictSame(p('c2 UID COPY 1 a&b'), { tag: 'c2', name: 'COPY', uid: true, sequence: [{ start: 1, end: 1 }], mailbox: u('a&b') });
  t.strictSame(p('c3 MOVE 1 &Jjo'), { tag: 'c3', name: 'MOVE', uid: false, sequence: [{ start: 1, end: 1 }], mailbox: u('&Jjo') });
  t.strictSame(p('c4 LIST "" &Jjo*'), { tag: 'c4', name: 'LIST', reference: '', pattern: u('&Jjo*') });
  t.strictSame(p('c5 LSUB a&b %'), { tag: 'c5', name: 'LSUB', reference: u('a&b'), pattern: '%' });
  t.strictSame(p('c6 SELECT inbox&'), { tag: 'c6', name: 'SELECT', mailbox: u('inbox&'), condstore: false, qresync: null });
  // RFC 6855 §3: with UTF8=ACCEPT names are UTF-8 and "&" is an ordinary character.
  t.strictSame(p('c7 SELECT a&b', true), { tag: 'c7', name: 'SELECT', mailbox: 'a&b', condstore: false, qresync: null });
  t.strictSame(p('c8 LIST "" &Jjo*', true), { tag: 'c8', name: 'LIST', reference: '', pattern: '&Jjo*' });
  // Still BAD: what is not an astring at all.
  t.strictSame(bad('c9 SELECT "a&b'), { tag: 'c9', text: 'Unterminated quoted string' });
  t.strictSame(bad('d1 SELECT a&b c'), { tag: 'd1', text: 'Unexpected extra arguments' });
});

t.test('RFC 3501 §6.3.10 STATUS example, with SIZE (RFC 8438) and APPENDLIMIT (RFC 7889)', async (t) => {
  t.strictSame(p('A042 STATUS blurdybloop (UIDNEXT MESSAGES)'), {
    tag: 'A042',
    name: 'STATUS',
    mailbox: 'blurdybloop',
    items: ['UIDNEXT', 'MESSAGES'],
  });
  t.strictSame(p('A043 STATUS inbox (messages recent uidnext uidvalidity unseen size appendlimit)'), {
    tag: 'A043',
    name: 'STATUS',
    mailbox: 'INBOX',
    items: ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'SIZE', 'APPENDLIMIT'],
  });
  t.strictSame(bad('A044 STATUS INBOX ()'), { tag: 'A044', text: 'Expected status item' });
  t.strictSame(bad('A045 STATUS INBOX (FOO)'), { tag: 'A045', text: 'Unknown status item' });
  t.strictSame(bad('A046 STATUS INBOX MESSAGES'), { tag: 'A046', text: 'Expected status item list' });
});

t.test('RFC 3501 §6.3.11 APPEND example', async (t) => {
  const msg = 'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n';
  const n = Buffer.byteLength(msg);
  t.strictSame(p(`A003 APPEND saved-messages (\\Seen) {${n}}\r\n${msg}\r\n`), {
    tag: 'A003',
    name: 'APPEND',
    mailbox: 'saved-messages',
    flags: ['\\Seen'],
    date: null,
    message: Buffer.from(msg),
  });
  t.strictSame(p('A004 APPEND INBOX (\\seen \\DRAFT $Junk) "17-Jul-1996 02:44:25 -0700" {5+}\r\nhello'), {
    tag: 'A004',
    name: 'APPEND',
    mailbox: 'INBOX',
    flags: ['\\Seen', '\\Draft', '$Junk'],
    date: new Date('1996-07-17T09:44:25Z'),
    message: Buffer.from('hello'),
  });
  t.strictSame(p('A005 APPEND INBOX " 7-Jul-1996 02:44:25 +0130" {0}\r\n'), {
    tag: 'A005',
    name: 'APPEND',
    mailbox: 'INBOX',
    flags: [],
    date: new Date('1996-07-07T01:14:25Z'),
    message: Buffer.alloc(0),
  });
  t.strictSame(
    p('A006 APPEND INBOX () ~{3}\r\na\0b'),
    {
      tag: 'A006',
      name: 'APPEND',
      mailbox: 'INBOX',
      flags: [],
      date: null,
      message: Buffer.from('a\0b'),
    },
    'RFC 3516 literal8',
  );
  t.strictSame(bad('A007 APPEND INBOX (\\Recent) {1}\r\nx'), { tag: 'A007', text: '\\Recent can not be set by the client' });
  t.strictSame(bad('A008 APPEND INBOX "hello"'), { tag: 'A008', text: 'Invalid date-time' });
  t.strictSame(bad('A009 APPEND INBOX "31-Feb-1996 02:44:25 -0700" {1}\r\nx'), { tag: 'A009', text: 'Invalid day in date' });
  t.strictSame(bad('A010 APPEND INBOX "01-Feb-1996 24:44:25 -0700" {1}\r\nx'), { tag: 'A010', text: 'Invalid date-time' });
});

t.test('RFC 3501 §6.4.1-§6.4.3 CHECK, CLOSE, EXPUNGE; RFC 4315 §2.1 UID EXPUNGE', async (t) => {
  t.strictSame(p('FXXZ CHECK'), { tag: 'FXXZ', name: 'CHECK' });
  t.strictSame(p('A341 CLOSE'), { tag: 'A341', name: 'CLOSE' });
  t.strictSame(p('A202 EXPUNGE'), { tag: 'A202', name: 'EXPUNGE', uid: false, sequence: null });
  t.strictSame(p('A003 UID EXPUNGE 3000:3002'), {
    tag: 'A003',
    name: 'EXPUNGE',
    uid: true,
    sequence: [{ start: 3000, end: 3002 }],
  });
  t.strictSame(bad('A004 UID EXPUNGE'), { tag: 'A004', text: 'Expected SP' });
  t.strictSame(bad('A005 EXPUNGE 1:2'), { tag: 'A005', text: 'Unexpected extra arguments' });
});

t.test('RFC 3501 §6.4.6 STORE example and forms', async (t) => {
  t.strictSame(p('A003 STORE 2:4 +FLAGS (\\Deleted)'), {
    tag: 'A003',
    name: 'STORE',
    uid: false,
    sequence: [{ start: 2, end: 4 }],
    unchangedSince: null,
    mode: 'add',
    silent: false,
    flags: ['\\Deleted'],
  });
  t.strictSame(p('A004 UID STORE 1,5:* -flags.silent \\SEEN $Label1 \\Answered'), {
    tag: 'A004',
    name: 'STORE',
    uid: true,
    sequence: [
      { start: 1, end: 1 },
      { start: 5, end: '*' },
    ],
    unchangedSince: null,
    mode: 'remove',
    silent: true,
    flags: ['\\Seen', '$Label1', '\\Answered'],
  });
  t.strictSame(p('A005 STORE * FLAGS ()'), {
    tag: 'A005',
    name: 'STORE',
    uid: false,
    sequence: [{ start: '*', end: '*' }],
    unchangedSince: null,
    mode: 'set',
    silent: false,
    flags: [],
  });
  t.strictSame(bad('A006 STORE 1 +FLAGS (\\Recent)'), { tag: 'A006', text: '\\Recent can not be set by the client' });
  t.strictSame(bad('A007 STORE 1 FLAGZ (\\Seen)'), { tag: 'A007', text: 'Expected FLAGS, +FLAGS or -FLAGS' });
  t.strictSame(bad('A008 STORE 1 +FLAGS (\\Seen'), { tag: 'A008', text: 'Expected ")" closing flag list' });
  t.strictSame(bad('A009 STORE 1 +FLAGS (\\*)'), { tag: 'A009', text: 'Expected flag' });
});

t.test('RFC 3501 §6.4.7 COPY example; RFC 6851 §4 MOVE', async (t) => {
  t.strictSame(p('A003 COPY 2:4 MEETING'), {
    tag: 'A003',
    name: 'COPY',
    uid: false,
    sequence: [{ start: 2, end: 4 }],
    mailbox: 'MEETING',
  });
  t.strictSame(p('a UID MOVE 42:69 foo'), {
    tag: 'a',
    name: 'MOVE',
    uid: true,
    sequence: [{ start: 42, end: 69 }],
    mailbox: 'foo',
  });
  t.strictSame(p('b MOVE 4:2,* "Other &AOk-"'), {
    tag: 'b',
    name: 'MOVE',
    uid: false,
    sequence: [
      { start: 4, end: 2 },
      { start: '*', end: '*' },
    ],
    mailbox: 'Other é',
  });
  t.strictSame(p('c uid copy 1 inbox'), { tag: 'c', name: 'COPY', uid: true, sequence: [{ start: 1, end: 1 }], mailbox: 'INBOX' });
});

t.test('Extensions without arguments: IDLE (RFC 2177), UNSELECT (RFC 3691), NAMESPACE (RFC 2342)', async (t) => {
  t.strictSame(p('A002 IDLE'), { tag: 'A002', name: 'IDLE' });
  t.strictSame(p('A342 UNSELECT'), { tag: 'A342', name: 'UNSELECT' });
  t.strictSame(p('A001 NAMESPACE'), { tag: 'A001', name: 'NAMESPACE' });
  t.strictSame(bad('A003 IDLE now'), { tag: 'A003', text: 'Unexpected extra arguments' });
});

t.test('RFC 5161 §3.1 ENABLE example', async (t) => {
  t.strictSame(p('t2 ENABLE CONDSTORE X-GOOD-IDEA'), { tag: 't2', name: 'ENABLE', capabilities: ['CONDSTORE', 'X-GOOD-IDEA'] });
  t.strictSame(p('t3 enable utf8=accept'), { tag: 't3', name: 'ENABLE', capabilities: ['UTF8=ACCEPT'] });
  t.strictSame(bad('t4 ENABLE'), { tag: 't4', text: 'Expected SP' });
});

t.test('RFC 2971 §3.1 ID examples', async (t) => {
  t.strictSame(p('a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")'), {
    tag: 'a023',
    name: 'ID',
    params: [
      ['name', 'sodr'],
      ['version', '19.34'],
      ['vendor', 'Pink Floyd Music Limited'],
    ],
  });
  t.strictSame(p('a024 ID NIL'), { tag: 'a024', name: 'ID', params: null });
  t.strictSame(p('a025 ID ("os" NIL)'), { tag: 'a025', name: 'ID', params: [['os', null]] });
  t.strictSame(p('a026 ID ()'), { tag: 'a026', name: 'ID', params: [] });
  const pairs = (n: number): string => Array.from({ length: n }, (_, i) => `"f${i}" "v"`).join(' ');
  t.equal((p(`a027 ID (${pairs(30)})`) as { params: unknown[] }).params.length, 30);
  t.strictSame(bad(`a028 ID (${pairs(31)})`), { tag: 'a028', text: 'Too many ID parameters' });
  t.strictSame(bad(`a029 ID ("${'x'.repeat(31)}" "v")`), { tag: 'a029', text: 'ID field too long' });
  t.strictSame(bad('a030 ID (name "x")'), { tag: 'a030', text: 'Expected ID field' });
});

t.test('BAD: tags', async (t) => {
  t.strictSame(bad('a+1 NOOP'), { tag: null, text: 'Invalid tag' });
  t.strictSame(bad('(x NOOP'), { tag: null, text: 'Invalid tag' });
  t.strictSame(bad('a*b NOOP'), { tag: null, text: 'Invalid tag' });
  t.strictSame(bad(' NOOP'), { tag: null, text: 'Invalid tag' });
  t.strictSame(bad(''), { tag: null, text: 'Empty command' });
  t.strictSame(bad('a1'), { tag: 'a1', text: 'Expected SP after tag' });
  t.strictSame(bad('a1  NOOP'), { tag: 'a1', text: 'Expected command name' });
});

t.test('BAD: syntax, trailing arguments, overflow, unknown commands, wrong types', async (t) => {
  t.strictSame(bad('a1 COPY 1:2MEETING'), { tag: 'a1', text: 'Expected SP' });
  t.strictSame(bad('a2 NOOP x'), { tag: 'a2', text: 'Unexpected extra arguments' });
  t.strictSame(bad('a3 NOOP '), { tag: 'a3', text: 'Unexpected extra arguments' });
  t.strictSame(bad('a4 SELECT INBOX extra'), { tag: 'a4', text: 'Unexpected extra arguments' });
  t.strictSame(bad('a5 FETCH 4294967296 FLAGS'), { tag: 'a5', text: 'Number out of range' });
  t.strictSame(p('a6 FETCH 4294967295 FLAGS'), {
    tag: 'a6',
    name: 'FETCH',
    uid: false,
    sequence: [{ start: 4294967295, end: 4294967295 }],
    items: [{ type: 'FLAGS' }],
    changedSince: null,
    vanished: false,
  });
  t.strictSame(bad('a7 FOO'), { tag: 'a7', text: 'Unknown command' });
  t.strictSame(bad('a8 UID NOOP'), { tag: 'a8', text: 'Unknown command' });
  t.strictSame(bad('a9 UID'), { tag: 'a9', text: 'Expected SP' });
  t.strictSame(bad('b1 SELECT (INBOX)'), { tag: 'b1', text: 'Expected mailbox name' });
  t.strictSame(bad('b2 FETCH abc FLAGS'), { tag: 'b2', text: 'Expected sequence set' });
  t.strictSame(bad('b3 FETCH 0 FLAGS'), { tag: 'b3', text: 'Invalid sequence set' });
  t.strictSame(bad('b4 FETCH 1:2:3 FLAGS'), { tag: 'b4', text: 'Invalid sequence set' });
  t.strictSame(bad('b5 LOGIN alice'), { tag: 'b5', text: 'Expected SP' });
  t.strictSame(bad('b6 LOGIN alice "open'), { tag: 'b6', text: 'Unterminated quoted string' });
  t.strictSame(bad('b7 LOGIN alice "a\\b"'), { tag: 'b7', text: 'Invalid escape in quoted string' });
  t.strictSame(bad('c1 LOGIN {3}\r\na\0b pw'), { tag: 'c1', text: 'NUL in literal' });
  t.strictSame(bad(frame(Buffer.concat([Buffer.from('c2 LOGIN {2}\r\n'), Buffer.from([0xc3, 0x28]), Buffer.from(' pw')]))), {
    tag: 'c2',
    text: 'Invalid UTF-8 in literal',
  });
  t.strictSame(bad('c3 LOGIN {5}x'), { tag: 'c3', text: 'Expected user name' });
  t.strictSame(bad({ lines: ['c4 LOGIN {5}', ' x'], literals: [Buffer.from('abc')] }), { tag: 'c4', text: 'Malformed literal' });
  t.strictSame(bad({ lines: ['c5 NOOP'], literals: [Buffer.from('abc')] }), { tag: 'c5', text: 'Malformed request' });
  t.strictSame(bad('c6 APPEND INBOX "x"'), { tag: 'c6', text: 'Invalid date-time' });
  t.strictSame(bad('c7 APPEND INBOX hello'), { tag: 'c7', text: 'Expected message literal' });
});

t.test('parseTagAndName', async (t) => {
  t.strictSame(parseTagAndName('a1 uid fetch 1:* FLAGS'), { tag: 'a1', name: 'UID FETCH' });
  t.strictSame(parseTagAndName('a2 APPEND INBOX {310}'), { tag: 'a2', name: 'APPEND' });
  t.strictSame(parseTagAndName('a3 login {5}'), { tag: 'a3', name: 'LOGIN' });
  t.strictSame(parseTagAndName('a4 UID'), { tag: 'a4', name: 'UID' });
  t.strictSame(parseTagAndName('a5 NOOP'), { tag: 'a5', name: 'NOOP' });
  t.equal(parseTagAndName('a+ NOOP'), null);
  t.equal(parseTagAndName('a1'), null);
  t.equal(parseTagAndName('a1 '), null);
  t.equal(parseTagAndName(''), null);
});
