// The response side produces exact bytes: string forms chosen by the ResponseBuilder, status
// lines with every response code (RFC 3501 §7.1, RFC 5530, RFC 4315 examples), and the
// CAPABILITY, ID and ENABLED untagged responses.

import t from 'tap';
import { ResponseBuilder } from '../../src/protocol/encode/writer.js';
import { encodeStatus } from '../../src/protocol/encode/status.js';
import { encodeCapability, encodeEnabled, encodeId } from '../../src/protocol/encode/untagged.js';
import { formatResponseCode, type PlainResponseCodeName } from '../../src/protocol/response-codes.js';
import { MAX_QUOTED_OUTPUT_BYTES } from '../../src/protocol/limits.js';

const b = (utf8 = false): ResponseBuilder => new ResponseBuilder(utf8);

t.test('ResponseBuilder string forms', async (t) => {
  t.equal(b().astring('INBOX').toString(), 'INBOX');
  t.equal(b().astring('a]b').toString(), 'a]b', '"]" is an ASTRING-CHAR');
  t.equal(b().astring('').toString(), '""');
  t.equal(b().astring('NIL').toString(), '"NIL"', 'NIL is quoted so it never reads as nil');
  t.equal(b().astring('two words').toString(), '"two words"');
  t.equal(b().astring('a"b\\c').toString(), '"a\\"b\\\\c"');
  t.equal(b().astring('a%b*').toString(), '"a%b*"');
  t.equal(b().string('atom').toString(), '"atom"', 'string is never an atom');
  t.equal(b().string('line1\r\nline2').toString(), '{12}\r\nline1\r\nline2');
  t.equal(b().string('nul\0').toString(), '{4}\r\nnul\0');
  t.equal(b().string('café').toString(), '{5}\r\ncafé', '8-bit text is a literal without UTF-8');
  t.equal(b(true).string('café').toString(), '"café"', 'and quoted with UTF8=ACCEPT');
  const long = 'x'.repeat(MAX_QUOTED_OUTPUT_BYTES + 1);
  t.equal(b().string(long).toString(), `{${long.length}}\r\n${long}`);
  t.equal(b().string('x'.repeat(MAX_QUOTED_OUTPUT_BYTES)).toString(), `"${'x'.repeat(MAX_QUOTED_OUTPUT_BYTES)}"`);
  t.equal(b().nstring(null).toString(), 'NIL');
  t.equal(b().nstring('NIL').toString(), '"NIL"');
  t.equal(b().number(4294967295).sp().number(12345678901234567890n).toString(), '4294967295 12345678901234567890');
  t.throws(() => b().number(-1));
  t.throws(() => b().number(1.5));
});

t.test('ResponseBuilder keeps Buffer literals as their own chunks', async (t) => {
  const body = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
  const rb = b().raw('* 1 FETCH (UID 7 BODY[] ').literal(body).raw(')').crlf();
  const chunks = rb.toChunks();
  t.strictSame(chunks, ['* 1 FETCH (UID 7 BODY[] {21}\r\n', body, ')\r\n']);
  t.equal(chunks[1], body, 'the very same Buffer, not a copy');
  t.equal(rb.byteLength, rb.toBuffer().length);
  t.equal(rb.toBuffer().toString(), '* 1 FETCH (UID 7 BODY[] {21}\r\nSubject: hi\r\n\r\nbody\r\n)\r\n');
  t.throws(() => rb.toString(), TypeError);
  t.equal(b().raw('é').byteLength, 2, 'byte length counts UTF-8 bytes');
});

t.test('RFC 3501 §6.4.5: an empty literal stays a literal, never ""', async (t) => {
  t.equal(b().raw('BODY[1] ').literal(Buffer.alloc(0)).raw(')').toBuffer().toString(), 'BODY[1] {0}\r\n)');
  t.equal(b().raw('BODY[1]<5> ').literal('').raw(')').toString(), 'BODY[1]<5> {0}\r\n)');
  t.equal(b().string('').toString(), '""', 'other strings keep their quoted form');
  t.equal(b().nstring('').toString(), '""');
});

t.test('ResponseBuilder lists, flags and mailbox names', async (t) => {
  t.equal(b().flags(['\\Seen', '\\Deleted', '$Junk']).toString(), '(\\Seen \\Deleted $Junk)');
  t.equal(b().flags([]).toString(), '()');
  t.equal(
    b()
      .list([1, 2, 3], (w, n) => w.number(n))
      .toString(),
    '(1 2 3)',
  );
  t.equal(b().mailbox('INBOX').toString(), 'INBOX');
  t.equal(b().mailbox('inbox').toString(), 'INBOX');
  t.equal(b().mailbox('~peter/mail/台北/日本語').toString(), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
  t.equal(b().mailbox('Sent Items').toString(), '"Sent Items"');
  t.equal(b().mailbox('A&B').toString(), 'A&-B');
  t.equal(b().mailbox('Entwürfe', true).toString(), '{9}\r\nEntwürfe', 'UTF-8 name in a 7-bit builder is a literal');
  t.equal(b(true).mailbox('Entwürfe').toString(), '"Entwürfe"', 'UTF-8 mode quotes it');
  t.equal(b(true).mailbox('Entwürfe', false).toString(), 'Entw&APw-rfe');
});

t.test('RFC 3501 §7.1 status responses', async (t) => {
  t.equal(
    encodeStatus({ tag: 'A142', status: 'OK', code: { code: 'READ-WRITE' }, text: 'SELECT completed' }),
    'A142 OK [READ-WRITE] SELECT completed\r\n',
  );
  t.equal(
    encodeStatus({ tag: '*', status: 'OK', code: { code: 'UNSEEN', value: 12 }, text: 'Message 12 is first unseen' }),
    '* OK [UNSEEN 12] Message 12 is first unseen\r\n',
  );
  t.equal(
    encodeStatus({ tag: '*', status: 'OK', code: { code: 'UIDVALIDITY', value: 3857529045 }, text: 'UIDs valid' }),
    '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n',
  );
  t.equal(
    encodeStatus({ tag: '*', status: 'OK', code: { code: 'UIDNEXT', value: 4392 }, text: 'Predicted next UID' }),
    '* OK [UIDNEXT 4392] Predicted next UID\r\n',
  );
  t.equal(
    encodeStatus({ tag: '*', status: 'OK', code: { code: 'PERMANENTFLAGS', flags: ['\\Deleted', '\\Seen', '\\*'] }, text: 'Limited' }),
    '* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n',
  );
  t.equal(
    encodeStatus({ tag: 'A003', status: 'NO', code: { code: 'TRYCREATE' }, text: 'Mailbox does not exist' }),
    'A003 NO [TRYCREATE] Mailbox does not exist\r\n',
  );
  t.equal(
    encodeStatus({ tag: '*', status: 'OK', code: { code: 'ALERT' }, text: 'System shutdown in 10 minutes' }),
    '* OK [ALERT] System shutdown in 10 minutes\r\n',
  );
  t.equal(encodeStatus({ tag: '*', status: 'BYE', text: 'IMAP4rev1 Server logging out' }), '* BYE IMAP4rev1 Server logging out\r\n');
  t.equal(
    encodeStatus({ tag: '*', status: 'PREAUTH', text: 'IMAP4rev1 server logged in as Smith' }),
    '* PREAUTH IMAP4rev1 server logged in as Smith\r\n',
  );
  t.equal(encodeStatus({ tag: 'a1', status: 'BAD', text: 'Expected SP after tag' }), 'a1 BAD Expected SP after tag\r\n');
  t.equal(
    encodeStatus({ tag: '*', status: 'OK', code: { code: 'CAPABILITY', capabilities: ['IMAP4rev1', 'IDLE'] }, text: 'Hi' }),
    '* OK [CAPABILITY IMAP4rev1 IDLE] Hi\r\n',
  );
  t.equal(
    encodeStatus({ tag: 'a', status: 'NO', code: { code: 'BADCHARSET', charsets: ['UTF-8', 'US-ASCII'] }, text: 'No' }),
    'a NO [BADCHARSET (UTF-8 US-ASCII)] No\r\n',
  );
  t.equal(encodeStatus({ tag: 'a', status: 'NO', code: { code: 'BADCHARSET', charsets: [] }, text: 'No' }), 'a NO [BADCHARSET] No\r\n');
  t.equal(
    encodeStatus({ tag: 'a', status: 'OK', code: { code: 'HIGHESTMODSEQ', value: 9007199254740993n }, text: 'x' }),
    'a OK [HIGHESTMODSEQ 9007199254740993] x\r\n',
  );
});

t.test('RFC 4315 §3 APPENDUID and COPYUID examples', async (t) => {
  t.equal(
    encodeStatus({ tag: 'A003', status: 'OK', code: { code: 'APPENDUID', uidValidity: 38505, uid: 3955 }, text: 'APPEND completed' }),
    'A003 OK [APPENDUID 38505 3955] APPEND completed\r\n',
  );
  t.equal(
    encodeStatus({
      tag: 'A004',
      status: 'OK',
      text: 'Done',
      code: {
        code: 'COPYUID',
        uidValidity: 38505,
        source: [
          { start: 304, end: 304 },
          { start: 319, end: 320 },
        ],
        destination: [{ start: 3956, end: 3958 }],
      },
    }),
    'A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n',
  );
});

t.test('every data-less response code formats as its name', async (t) => {
  const plain: PlainResponseCodeName[] = [
    'ALERT',
    'PARSE',
    'READ-ONLY',
    'READ-WRITE',
    'TRYCREATE',
    'UNAVAILABLE',
    'AUTHENTICATIONFAILED',
    'AUTHORIZATIONFAILED',
    'EXPIRED',
    'PRIVACYREQUIRED',
    'CONTACTADMIN',
    'NOPERM',
    'INUSE',
    'EXPUNGEISSUED',
    'CORRUPTION',
    'SERVERBUG',
    'CLIENTBUG',
    'CANNOT',
    'LIMIT',
    'OVERQUOTA',
    'ALREADYEXISTS',
    'NONEXISTENT',
    'UIDNOTSTICKY',
    'TOOBIG',
    'CLOSED',
    'UNKNOWN-CTE',
    'HASCHILDREN',
  ];
  for (const code of plain) t.equal(formatResponseCode({ code }), code);
  t.equal(
    encodeStatus({ tag: 'a1', status: 'NO', code: { code: 'AUTHENTICATIONFAILED' }, text: 'Invalid credentials' }),
    'a1 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n',
  );
});

t.test('status text is sanitised', async (t) => {
  t.equal(encodeStatus({ tag: 'a1', status: 'NO', text: 'bad\r\n* 1 EXISTS\r\nthing' }), 'a1 NO bad * 1 EXISTS thing\r\n');
  t.equal(encodeStatus({ tag: 'a1', status: 'OK', text: '' }), 'a1 OK Completed\r\n');
  t.equal(encodeStatus({ tag: 'a1', status: 'NO', text: '\r\n' }), 'a1 NO Failed\r\n');
  t.equal(encodeStatus({ tag: 'a1', status: 'NO', text: '[ALERT] fake' }), 'a1 NO ALERT] fake\r\n', 'no fake response code');
  t.equal(encodeStatus({ tag: 'a1', status: 'NO', code: { code: 'LIMIT' }, text: '[x]' }), 'a1 NO [LIMIT] [x]\r\n');
});

t.test('CAPABILITY, ID and ENABLED responses', async (t) => {
  t.equal(
    encodeCapability(['IMAP4rev1', 'STARTTLS', 'AUTH=PLAIN', 'LOGINDISABLED']),
    '* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN LOGINDISABLED\r\n',
  );
  t.equal(encodeId(null), '* ID NIL\r\n');
  t.equal(encodeId([]), '* ID NIL\r\n');
  t.equal(
    encodeId([
      ['name', 'Cyrus'],
      ['version', '1.5'],
      ['os', null],
    ]),
    '* ID ("name" "Cyrus" "version" "1.5" "os" NIL)\r\n',
  );
  t.equal(encodeId([['support-url', 'a "b"']]), '* ID ("support-url" "a \\"b\\"")\r\n');
  t.equal(encodeEnabled(['CONDSTORE']), '* ENABLED CONDSTORE\r\n');
  t.equal(encodeEnabled([]), '* ENABLED\r\n');
});
