// The writer thread dies after a commit and before its answer. The write did happen, so the
// client must not be told NO (it would APPEND again and the message would be stored twice): the
// session ends with BYE, other sessions are told of the message, and a new thread takes over.
// The fault is the writer's test hook: its first thread exits after committing an APPEND of a
// message holding the mark.

import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

const MARK = 'X-Writer-Fault: exit-after-commit';
process.env.GANNET_TEST_WRITER_EXIT_AFTER_COMMIT = MARK;
const srv = await startTestServer({ users: { alice: 'secret' } });
t.teardown(() => srv.close());

t.test('a write committed before the writer died is never answered NO', async (t) => {
  const a = await WireClient.login(srv.port(), 'alice', 'secret');
  const b = await WireClient.login(srv.port(), 'alice', 'secret');
  t.teardown(() => (a.close(), b.close()));
  await a.command('s', 'SELECT INBOX');
  await b.command('s', 'SELECT INBOX');
  b.write('i IDLE\r\n');
  t.equal(await b.readLine(), '+ idling');

  const message = `Subject: once\r\n${MARK}\r\n\r\nstored exactly once\r\n`;
  a.write(`ap APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
  // The session itself is told what is stored, then the session ends.
  t.equal(await a.readLine(), '* 1 EXISTS');
  const aRecent = await a.readLine();
  t.equal(
    await a.readLine(),
    '* BYE [UNAVAILABLE] The mail store failed before it could confirm the change; reconnect to see its outcome',
    'BYE, not a tagged NO',
  );
  await a.waitClosed();
  t.notOk(a.unread.includes('ap '), 'no tagged reply');

  t.equal(await b.readLine(), '* 1 EXISTS', 'another session is told of the message that was stored');
  const bRecent = await b.readLine();
  t.same([aRecent, bRecent].sort(), ['* 0 RECENT', '* 1 RECENT'], '\\Recent in one of the two sessions');
  b.write('DONE\r\n');
  t.equal(await b.readLine(), 'i OK IDLE terminated');

  // A new session sees the message once; writes go on through a new thread.
  const c = await WireClient.login(srv.port(), 'alice', 'secret');
  t.teardown(() => c.close());
  t.match((await c.command('s', 'SELECT INBOX')).untagged, [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    /PERMANENTFLAGS/,
    '* 1 EXISTS',
  ]);
  const f = await c.command('f', 'FETCH 1 (RFC822.SIZE)');
  t.same(f.untagged, [`* 1 FETCH (RFC822.SIZE ${message.length})`]);
  const next = 'Subject: after\r\n\r\nthe new writer thread stores this\r\n';
  c.write(`ap APPEND INBOX {${next.length}+}\r\n${next}\r\n`);
  t.match((await c.readTagged('ap')).tagged, /^ap OK \[APPENDUID \d+ 2\] APPEND completed$/);
});
