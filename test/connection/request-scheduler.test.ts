// The request scheduler (request-scheduler.ts): one request per turn of the event loop,
// sessions in progress before connections that have not logged in, logins never starved.
// First the queue alone, driven turn by turn; then a real server whose event loop is held
// while clients send, so that requests of both kinds wait at once.

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestScheduler, type RequestPriority } from '../../src/server/request-scheduler.js';
import { MAX_LOGIN_QUEUE_MS } from '../../src/server/limits.js';
import { DEFAULT_TEST_CONFIG, startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

/** A scheduler whose turns and clock the test drives. */
function driven(maxLoginQueueMs = MAX_LOGIN_QUEUE_MS) {
  const turns: Array<() => void> = [];
  let now = 0;
  const ran: string[] = [];
  const scheduler = new RequestScheduler({ defer: (fn) => turns.push(fn), now: () => now, maxLoginQueueMs });
  return {
    scheduler,
    ran,
    submit(priority: RequestPriority, name: string, run?: () => void) {
      scheduler.submit(priority, () => {
        ran.push(name);
        run?.();
      });
    },
    /** Runs the turns asked for so far; returns how many there were. */
    turn(): number {
      const pending = turns.splice(0);
      for (const fn of pending) fn();
      return pending.length;
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

t.test('one request per turn, sessions first, each class in arrival order', async (t) => {
  const d = driven();
  d.submit('login', 'login1');
  d.submit('session', 'session1');
  d.submit('login', 'login2');
  d.submit('session', 'session2');
  t.equal(d.scheduler.waiting, 4);
  const perTurn: string[][] = [];
  while (d.scheduler.waiting > 0) {
    const before = d.ran.length;
    t.equal(d.turn(), 1, 'one turn asked for at a time');
    perTurn.push(d.ran.slice(before));
  }
  t.same(perTurn, [['session1'], ['session2'], ['login1'], ['login2']]);
  t.equal(d.turn(), 0, 'an empty queue asks for no turn');
});

t.test('a session request submitted while a login waits runs before it', async (t) => {
  const d = driven();
  d.submit('login', 'login1');
  d.submit('session', 'session1', () => d.submit('session', 'session2'));
  d.turn();
  t.same(d.ran, ['session1']);
  d.turn();
  d.turn();
  t.same(d.ran, ['session1', 'session2', 'login1']);
});

t.test(`a login that has waited ${MAX_LOGIN_QUEUE_MS} ms runs next, whatever sessions have queued`, async (t) => {
  const d = driven(100);
  d.submit('login', 'login1');
  d.advance(60);
  d.submit('login', 'login2');
  for (let i = 1; i <= 3; i++) d.submit('session', `session${i}`);
  d.turn();
  t.same(d.ran, ['session1'], 'before the limit, sessions go first');
  d.advance(40);
  d.turn();
  t.same(d.ran, ['session1', 'login1'], 'at the limit the oldest login goes');
  d.turn();
  t.same(d.ran, ['session1', 'login1', 'session2'], 'a younger login still waits');
  d.advance(60);
  d.turn();
  d.turn();
  t.same(d.ran, ['session1', 'login1', 'session2', 'login2', 'session3']);
});

t.test('logins past their wait take at most every other turn while sessions wait', async (t) => {
  const d = driven(100);
  for (let i = 1; i <= 4; i++) d.submit('login', `login${i}`);
  for (let i = 1; i <= 4; i++) d.submit('session', `session${i}`);
  d.advance(1000);
  while (d.scheduler.waiting > 0) d.turn();
  t.same(d.ran, ['login1', 'session1', 'login2', 'session2', 'login3', 'session3', 'login4', 'session4']);
});

t.test('a request that throws does not stall the queue', async (t) => {
  const d = driven();
  d.submit('session', 'boom', () => {
    throw new Error('boom');
  });
  d.submit('session', 'after');
  t.throws(() => d.turn(), /boom/);
  d.turn();
  t.same(d.ran, ['boom', 'after']);
});

t.test('thousands queued keep their order', async (t) => {
  const d = driven();
  const n = 5000;
  for (let i = 0; i < n; i++) d.submit(i % 3 === 0 ? 'login' : 'session', String(i));
  while (d.scheduler.waiting > 0) d.turn();
  const all = Array.from({ length: n }, (_, i) => i);
  t.same(d.ran.map(Number), [...all.filter((i) => i % 3 !== 0), ...all.filter((i) => i % 3 === 0)]);
});

/** Holds this thread (the server's event loop) so that what clients send meanwhile waits in the kernel. */
function holdEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

t.test('a server runs the commands of logged-in sessions before waiting logins', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gannet-sched-'));
  const tracePath = join(dir, 'trace.jsonl');
  const srv = await startTestServer({
    users: { alice: 'pw', bob: 'pw' },
    config: DEFAULT_TEST_CONFIG.replace('    tls off', `    tls off\n    trace_transitions ${tracePath}`),
  });
  t.teardown(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cids = () => srv.logs.filter((r) => r['msg'] === 'connection opened').map((r) => String(r['cid']));

  const session = await WireClient.login(srv.port(), 'alice', 'pw');
  t.equal((await session.command('s1', 'SELECT INBOX')).tagged.slice(0, 5), 's1 OK');
  const opening = await WireClient.connect(srv.port());
  t.match(await opening.readLine(), /^\* OK /);
  const closing = await WireClient.login(srv.port(), 'bob', 'pw');
  const [sessionCid, openingCid, closingCid] = cids();

  // The login is sent first, then the session's command, then a request on a connection that
  // closes right after it: all three arrive while the loop is held.
  const login = opening.command('o1', 'LOGIN bob pw');
  const noop = session.command('s2', 'NOOP');
  closing.socket.write('c1 NOOP\r\n');
  closing.socket.destroy();
  holdEventLoop(100);
  t.equal((await noop).tagged, 's2 OK NOOP completed');
  t.match((await login).tagged, /^o1 OK /);
  t.equal((await session.command('s3', 'NOOP')).tagged, 's3 OK NOOP completed', 'the server goes on');

  await session.command('s4', 'LOGOUT');
  await opening.command('o2', 'LOGOUT');
  const requests = readFileSync(tracePath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { cid: string; event: string; from: string; to: string })
    .filter((r) => r.event === 'socket.request');
  // The session's first request in the selected state is its NOOP; the other's first is LOGIN.
  const sessionNoop = requests.findIndex((r) => r.cid === sessionCid && r.from.startsWith('selected.'));
  const openingLogin = requests.findIndex((r) => r.cid === openingCid);
  t.ok(sessionNoop >= 0 && openingLogin >= 0, 'both requests ran');
  t.ok(sessionNoop < openingLogin, 'the session’s NOOP ran before the LOGIN sent ahead of it');
  t.ok(closingCid, 'the third connection was served until it closed');
});
