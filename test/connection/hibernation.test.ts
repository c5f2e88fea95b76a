// Hibernation: a resting connection gives up its actor (and gets it back on its next input)
// without any difference on the wire; an IDLE connection keeps receiving updates while it
// hibernates, and shutdown reaches hibernating connections too.

import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

const srv = await startTestServer({ users: { alice: 'secret' }, hibernateAfterMs: 0 });
t.teardown(() => srv.close());

const settle = () => new Promise((r) => setTimeout(r, 30));

const session = (): Promise<WireClient> => WireClient.login(srv.port(), 'alice', 'secret');

t.test('resting connections hibernate and wake on input', async (t) => {
  const c = await session();
  await settle();
  t.equal(srv.server.hibernatingCount, 1, 'hibernating after LOGIN');
  t.same(await c.command('n', 'NOOP'), { untagged: [], tagged: 'n OK NOOP completed' }, 'woken by the next command');
  await settle();
  t.equal(srv.server.hibernatingCount, 1, 'and back to sleep');
  c.close();
  await settle();
});

t.test('an IDLE connection gets updates while hibernating', async (t) => {
  const idler = await session();
  await idler.command('s', 'SELECT INBOX');
  idler.write('i IDLE\r\n');
  t.equal(await idler.readLine(), '+ idling');
  await settle();
  const other = await session();
  await settle();
  t.equal(srv.server.hibernatingCount, 2);
  // What a hibernating connection keeps is a small snapshot of plain data. An actor reference
  // in it (xstate writes one as {"xstate$$type": 1, ...}) would, before the snapshot became a
  // string, have kept the stopped actor and its whole graph alive.
  const kept = srv.server.hibernatedSnapshots().map((s) => JSON.stringify(s));
  t.equal(kept.length, 2);
  for (const json of kept) {
    t.notMatch(json, /xstate\$\$type/, 'no actor reference in the snapshot');
    t.ok(json.length < 2048, `a hibernating connection keeps ${json.length} bytes of snapshot`);
  }
  other.write('a APPEND INBOX {20+}\r\nSubject: x\r\n\r\nbody\r\n\r\n');
  t.match((await other.readTagged('a')).tagged, /^a OK \[APPENDUID/);
  t.equal(await idler.readLine(), '* 1 EXISTS', 'EXISTS reached the hibernating IDLE session');
  t.equal(await idler.readLine(), '* 1 RECENT');
  idler.write('DONE\r\n');
  t.equal(await idler.readLine(), 'i OK IDLE terminated');
  idler.close();
  other.close();
  await settle();
});

t.test('shutdown says BYE to hibernating connections', async (t) => {
  const s2 = await startTestServer({ users: { alice: 'secret' }, hibernateAfterMs: 0 });
  const c = await WireClient.connect(s2.port());
  await c.readLine();
  await c.command('l', 'LOGIN alice secret');
  await settle();
  t.equal(s2.server.hibernatingCount, 1);
  const closing = s2.close();
  t.equal(await c.readLine(), '* BYE Server shutting down');
  await c.waitClosed();
  await closing;
});

t.test('with the default hibernate_after, IDLE hibernates after a second and other rests do not', async (t) => {
  const s3 = await startTestServer({ users: { alice: 'secret' } });
  t.teardown(() => s3.close());
  const resting = await WireClient.login(s3.port(), 'alice', 'secret');
  const idler = await WireClient.login(s3.port(), 'alice', 'secret');
  await idler.command('s', 'SELECT INBOX');
  idler.write('i IDLE\r\n');
  t.equal(await idler.readLine(), '+ idling');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(s3.server.hibernatingCount, 0, 'a client that has just started idling keeps its actor');
  await new Promise((r) => setTimeout(r, 1200));
  t.equal(
    s3.server.hibernatingCount,
    1,
    'the IDLE connection hibernates within IDLE_HIBERNATE_AFTER_MS; the other rest waits for hibernate_after',
  );
  idler.write('DONE\r\n');
  t.equal(await idler.readLine(), 'i OK IDLE terminated', 'and wakes on DONE');
  t.equal(s3.server.hibernatingCount, 0);
  resting.close();
  idler.close();
});
