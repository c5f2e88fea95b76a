// Accepting connections through several handles on one listening socket (accept-handles.ts):
// a busy event loop takes up to ACCEPT_HANDLES waiting connections per turn, not one.

import t, { type Test } from 'tap';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { ACCEPT_HANDLES, LISTEN_BACKLOG } from '../../src/server/limits.js';
import { needTool, run } from '../helpers/interop.js';
import { startTestServer } from '../helpers/server.js';

const WAITING = 3 * ACCEPT_HANDLES;

/**
 * Opens WAITING connections while the event loop is blocked, so that all of them wait in the
 * kernel's accept queue at once, and returns how many the server accepted in each turn of the
 * loop that followed (read at each turn's setImmediate, which runs after its poll phase).
 */
async function acceptsPerTurn(t: Test, acceptHandles: number): Promise<{ perTurn: number[]; greetings: string[] }> {
  const srv = await startTestServer({ users: { alice: 'pw' }, acceptHandles });
  t.equal(srv.server.endpoints[0]!.listeners[0]!.handleCount, acceptHandles, `${acceptHandles} handle(s) polling the socket`);
  const listener = srv.server.endpoints[0]!.listeners[0]!;
  const before = listener.accepted;
  const counts: number[] = [];
  let counting = true;
  const tick = () => {
    counts.push(listener.accepted - before);
    if (counting) setImmediate(tick);
  };
  const greetings: string[] = [];
  const sockets: Socket[] = [];
  const greeted = Array.from({ length: WAITING }, () => {
    const socket = connect(srv.port(), '127.0.0.1');
    sockets.push(socket);
    return new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('data', (chunk) => {
        greetings.push(chunk.toString('latin1'));
        resolve();
      });
    });
  });
  // The handshakes complete in the kernel while this thread is busy.
  const until = Date.now() + 200;
  while (Date.now() < until);
  setImmediate(tick);
  await Promise.all(greeted);
  counting = false;
  for (const s of sockets) s.destroy();
  await srv.close();
  const perTurn = counts.map((n, i) => n - (counts[i - 1] ?? 0)).filter((n) => n > 0);
  return { perTurn, greetings };
}

t.test(`${ACCEPT_HANDLES} handles accept up to ${ACCEPT_HANDLES} waiting connections per turn of the event loop`, async (t) => {
  const { perTurn, greetings } = await acceptsPerTurn(t, ACCEPT_HANDLES);
  t.equal(greetings.length, WAITING, 'every connection is greeted');
  t.ok(
    greetings.every((g) => /^\* OK \[CAPABILITY IMAP4rev1 /.test(g)),
    'with the IMAP greeting, whichever handle took it',
  );
  t.equal(Math.max(...perTurn), ACCEPT_HANDLES, `the first turns accept ${ACCEPT_HANDLES} each (${perTurn.join(', ')})`);
  t.ok(perTurn.length <= WAITING / ACCEPT_HANDLES + 1, `all accepted within ${perTurn.length} turns`);
});

t.test('one handle accepts one connection per turn (what libuv does alone)', async (t) => {
  const { perTurn, greetings } = await acceptsPerTurn(t, 1);
  t.equal(greetings.length, WAITING);
  t.equal(Math.max(...perTurn), 1, `one accept per turn over ${perTurn.length} turns`);
});

t.test('closing the server closes every handle', async (t) => {
  const srv = await startTestServer({ users: { alice: 'pw' }, acceptHandles: ACCEPT_HANDLES });
  const port = srv.port();
  t.equal(srv.server.endpoints[0]!.listeners[0]!.handleCount, ACCEPT_HANDLES);
  await srv.close();
  for (let i = 0; i < 2 * ACCEPT_HANDLES; i++) {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(null);
      });
      s.once('error', resolve);
    });
    t.equal(err?.code, 'ECONNREFUSED', `connection ${i + 1} is refused`);
  }
});

t.test("every copy keeps the listen backlog (listen(2) on a copy would reset it to Node's 511)", needTool('ss', 'iproute2'), async (t) => {
  const srv = await startTestServer({ users: { alice: 'pw' }, acceptHandles: ACCEPT_HANDLES });
  t.teardown(() => srv.close());
  // ss shows a listening socket's backlog as its Send-Q; the kernel caps it at somaxconn.
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  const r = await run('ss', ['-ltnH', `sport = :${srv.port()}`]);
  t.equal(r.status, 0, r.stderr);
  const backlog = Number(r.stdout.trim().split(/\s+/)[2]);
  t.equal(backlog, Math.min(LISTEN_BACKLOG, somaxconn), `backlog ${backlog}`);
});
