// Two or three sessions on one mailbox, each race set up so that its outcome is exact:
//   - a keyword new to the mailbox reaches every session in FLAGS and PERMANENTFLAGS before any
//     FETCH shows it (RFC 3501 §7.2.6), whoever put it there (STORE, APPEND, COPY, MOVE);
//   - a message is \Recent in one session only (RFC 3501 §2.3.2), also when claims of two
//     sessions interleave;
//   - UID EXPUNGE removes only what carries \Deleted when it commits (RFC 4315 §2.1).

import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

const srv = await startTestServer({ users: { alice: 'secret' } });
t.teardown(() => srv.close());

const SYSTEM = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';
const flagsLines = (keywords: string): string[] => [
  `* FLAGS (${SYSTEM}${keywords ? ` ${keywords}` : ''})`,
  `* OK [PERMANENTFLAGS (${SYSTEM}${keywords ? ` ${keywords}` : ''} \\*)] Flags permitted`,
];
const body = (subject: string): string => `Subject: ${subject}\r\n\r\nx\r\n`;

async function session(): Promise<WireClient> {
  return WireClient.login(srv.port(), 'alice', 'secret');
}

async function append(c: WireClient, mailbox: string, flags: string, subject: string): Promise<string> {
  const text = body(subject);
  c.write(`ap APPEND ${mailbox} (${flags}) {${text.length}+}\r\n${text}\r\n`);
  return (await c.readTagged('ap')).tagged;
}

t.test('a keyword new to the mailbox is announced to every session before a FETCH shows it', async (t) => {
  const [a, b] = [await session(), await session()];
  t.teardown(() => (a.close(), b.close()));
  await a.command('c', 'CREATE Labels');
  await a.command('c', 'CREATE Other');
  await append(a, 'Labels', '', 'one');
  t.same((await a.command('s', 'SELECT Labels')).untagged.slice(0, 2), flagsLines(''));
  t.same((await b.command('s', 'SELECT Labels')).untagged.slice(0, 2), flagsLines(''));

  // STORE: the session that sets it, and another one at its next command.
  t.same((await a.command('st', 'STORE 1 +FLAGS ($Label1)')).untagged, [...flagsLines('$Label1'), '* 1 FETCH (FLAGS ($Label1 \\Recent))']);
  t.same((await b.command('n', 'NOOP')).untagged, [...flagsLines('$Label1'), '* 1 FETCH (UID 1 FLAGS ($Label1))']);

  // APPEND: a FETCH of the new message, in the session that did not append it.
  t.match(await append(a, 'Labels', '$Label2', 'two'), /^ap OK \[APPENDUID \d+ 2\]/);
  t.same((await b.command('n', 'NOOP')).untagged, ['* 2 EXISTS', '* 0 RECENT']);
  t.same((await b.command('f', 'FETCH 2 (FLAGS)')).untagged, [...flagsLines('$Label1 $Label2'), '* 2 FETCH (FLAGS ($Label2))']);

  // COPY and MOVE from another mailbox: the keyword arrives with the message.
  await append(a, 'Other', '$Label3', 'three');
  await append(a, 'Other', '$Label4', 'four');
  await a.command('s', 'SELECT Other');
  t.match((await a.command('cp', 'COPY 1 Labels')).tagged, /^cp OK \[COPYUID/);
  t.match((await a.command('mv', 'MOVE 2 Labels')).tagged, /^mv OK/);
  t.same((await b.command('n', 'NOOP')).untagged, ['* 4 EXISTS', '* 2 RECENT']);
  const f = await b.command('f', 'FETCH 3:4 (FLAGS)');
  t.same(f.untagged, [
    ...flagsLines('$Label1 $Label2 $Label3 $Label4'),
    '* 3 FETCH (FLAGS ($Label3 \\Recent))',
    '* 4 FETCH (FLAGS ($Label4 \\Recent))',
  ]);

  // SELECT lists every keyword the mailbox holds.
  const again = await session();
  t.teardown(() => again.close());
  t.same((await again.command('e', 'EXAMINE Labels')).untagged.slice(0, 2), [
    `* FLAGS (${SYSTEM} $Label1 $Label2 $Label3 $Label4)`,
    '* OK [PERMANENTFLAGS ()] No permanent flags permitted',
  ]);
});

t.test('\\Recent goes to one session even when two sessions claim in turn', async (t) => {
  const [a, b] = [await session(), await session()];
  t.teardown(() => (a.close(), b.close()));
  await a.command('c', 'CREATE Turns');
  await append(a, 'Turns', '', 'first');
  t.same((await a.command('s', 'SELECT Turns')).untagged.slice(2, 4), ['* 1 EXISTS', '* 1 RECENT'], 'A claims UID 1');
  await b.command('s', 'SELECT Turns');
  // The session that appends is told of its message first (in its APPEND's reply): UID 2 is
  // B's, then UID 3 is A's, although A's claims before and after it cover UIDs around it.
  await append(b, 'Turns', '', 'second');
  await append(a, 'Turns', '', 'third');
  t.same((await a.command('n', 'NOOP')).untagged, []);
  t.same((await b.command('n', 'NOOP')).untagged, ['* 3 EXISTS', '* 1 RECENT'], 'B holds UID 2 alone');
  t.same((await a.command('f', 'FETCH 1:3 (UID FLAGS)')).untagged, [
    '* 1 FETCH (UID 1 FLAGS (\\Recent))',
    '* 2 FETCH (UID 2 FLAGS ())',
    '* 3 FETCH (UID 3 FLAGS (\\Recent))',
  ]);
  t.same((await b.command('f', 'FETCH 1:3 (UID FLAGS)')).untagged, [
    '* 1 FETCH (UID 1 FLAGS ())',
    '* 2 FETCH (UID 2 FLAGS (\\Recent))',
    '* 3 FETCH (UID 3 FLAGS ())',
  ]);
  // The claims are stored: a new session sees none of them as recent.
  const c = await session();
  t.teardown(() => c.close());
  t.same((await c.command('s', 'SELECT Turns')).untagged.slice(2, 4), ['* 3 EXISTS', '* 0 RECENT']);
});

t.test('UID EXPUNGE keeps a message whose \\Deleted another session took away first', async (t) => {
  const [a, b] = [await session(), await session()];
  t.teardown(() => (a.close(), b.close()));
  await a.command('c', 'CREATE Keep');
  await a.command('s', 'SELECT Keep');
  await b.command('s', 'SELECT Keep');
  // B's -FLAGS and A's UID EXPUNGE reach the server together, B's first: B's write is on its
  // way to the writer when A's command is taken. Whether the message goes must be decided in
  // A's transaction, which commits after B's; a check of the flag before A's write is sent
  // sees B's change not yet committed and expunges a message that B saw kept.
  const ROUNDS = 40;
  let bFirst = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    t.match(await append(a, 'Keep', '\\Deleted', `m${round}`), new RegExp(`APPENDUID \\d+ ${round}\\]`));
    await a.command('n', 'NOOP');
    await b.command('n', 'NOOP');
    b.write(`b${round} UID STORE ${round} -FLAGS (\\Deleted)\r\n`);
    a.write(`a${round} UID EXPUNGE ${round}\r\n`);
    const [bReply, aReply] = await Promise.all([b.readTagged(`b${round}`), a.readTagged(`a${round}`)]);
    const kept = bReply.untagged.some((l) => l.endsWith(`FETCH (UID ${round} FLAGS ())`));
    const expunged = aReply.untagged.some((l) => l.endsWith(' EXPUNGE'));
    if (kept) bFirst++;
    if (kept && expunged) t.fail(`round ${round}: B saw the message kept, then A expunged it`);
    else if (!kept && !expunged) t.fail(`round ${round}: neither kept nor expunged`);
  }
  t.ok(bFirst > 0, `B committed first in ${bFirst} of ${ROUNDS} rounds (the race took place)`);
  const status = await a.command('st', 'STATUS Keep (MESSAGES)');
  t.same(status.untagged, [`* STATUS Keep (MESSAGES ${bFirst})`], 'every message B kept is still there');
});

t.test('a selected mailbox deleted by another session ends the session with BYE, in a command and in IDLE', async (t) => {
  const [a, b, owner] = [await session(), await session(), await session()];
  t.teardown(() => (a.close(), b.close(), owner.close()));
  await owner.command('c', 'CREATE Doomed');
  await a.command('s', 'SELECT Doomed');
  await b.command('s', 'SELECT Doomed');
  b.write('i IDLE\r\n');
  t.equal(await b.readLine(), '+ idling');
  t.equal((await owner.command('d', 'DELETE Doomed')).tagged, 'd OK DELETE completed');
  t.equal(await b.readLine(), '* BYE Selected mailbox was deleted', 'IDLE: at once');
  await b.waitClosed();
  a.write('n NOOP\r\n');
  t.equal(await a.readLine(), '* BYE Selected mailbox was deleted', 'a command: instead of its tagged reply');
  await a.waitClosed();
  t.equal(a.unread, '');
});
