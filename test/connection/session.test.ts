// Session behaviour against a real server over sockets: oversized input (a LITERAL+ literal
// over the pre-auth limit, an overlong line) is answered and the session goes on; the
// pre-auth inactivity timeout ends idle unauthenticated sessions only; shutdown says BYE to
// idle sessions; failed logins are logged once and passwords never reach the log, even with
// io_debug; trace_transitions records what the machine does; unix:// endpoints serve; and
// the `gannet statechart` and `gannet verify-config` commands print what they should.

import t from 'tap';
import { connect as netConnect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyStateNode } from 'xstate';
import { DEFAULT_TEST_CONFIG, startTestServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { runGannet } from '../helpers/cli.js';
import { connectionMachine } from '../../actors/connection/machine.js';
import { MAX_LINE_BYTES, MAX_LITERAL_BYTES_PREAUTH, MAX_DISCARDED_LITERAL_BYTES } from '../../src/server/limits.js';

const PASSWORD = 'Pw-correct-7f3a';

async function greeted(srv: TestServer): Promise<WireClient> {
  const c = await WireClient.connect(srv.port());
  const greeting = await c.readLine();
  if (!greeting.startsWith('* OK ')) throw new Error(`unexpected greeting ${greeting}`);
  return c;
}

async function loggedIn(srv: TestServer): Promise<WireClient> {
  const c = await greeted(srv);
  const r = await c.command('l1', `LOGIN alice ${PASSWORD}`);
  if (!r.tagged.startsWith('l1 OK ')) throw new Error(`login failed: ${r.tagged}`);
  return c;
}

/** `n` bytes of literal data that would be commands if they were ever read as lines. */
function commandLikeBytes(n: number): Buffer {
  return Buffer.from('b1 LOGOUT\r\n'.repeat(Math.ceil(n / 11)).slice(0, n), 'latin1');
}

/** Waits until `pred` holds, polling (for asynchronous log and file writes). */
async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const srv = await startTestServer({ users: { alice: PASSWORD } });
t.teardown(() => srv.close());

t.test('oversized input is answered and the session goes on', async (t) => {
  t.test('RFC 7888 §4: a LITERAL+ literal over the pre-auth limit is read, discarded, NO [TOOBIG]', async (t) => {
    const c = await greeted(srv);
    const size = MAX_LITERAL_BYTES_PREAUTH + 808; // 9000
    const tooBig = `NO [TOOBIG] Literal of ${size} bytes exceeds the limit of ${MAX_LITERAL_BYTES_PREAUTH} bytes`;
    // More often than MAX_BAD_COMMANDS_PREAUTH: a refused literal is not a protocol error.
    for (let i = 1; i <= 4; i++) {
      c.write(Buffer.concat([Buffer.from(`a${i} LOGIN {${size}+}\r\n`), commandLikeBytes(size), Buffer.from(' x\r\n')]));
      t.same(await c.readTagged(`a${i}`), { untagged: [], tagged: `a${i} ${tooBig}` });
    }
    t.same(await c.command('a5', 'NOOP'), { untagged: [], tagged: 'a5 OK NOOP completed' }, 'literal bytes were never run');
    t.match((await c.command('a6', `LOGIN alice ${PASSWORD}`)).tagged, /^a6 OK \[CAPABILITY /);
    c.close();
  });

  t.test('a LITERAL+ literal announced after a refused one is discarded too', async (t) => {
    const c = await greeted(srv);
    c.write(Buffer.concat([Buffer.from('a1 LOGIN {9000+}\r\n'), commandLikeBytes(9000), Buffer.from(' {11+}\r\nb1 LOGOUT\r\n\r\n')]));
    t.match((await c.readTagged('a1')).tagged, /^a1 NO \[TOOBIG\] /);
    t.same(await c.command('a2', 'NOOP'), { untagged: [], tagged: 'a2 OK NOOP completed' }, 'b1 LOGOUT was not run');
    c.close();
  });

  t.test('a LITERAL+ literal too large to be worth reading ends the session', async (t) => {
    const c = await greeted(srv);
    c.write(`a1 LOGIN {${MAX_DISCARDED_LITERAL_BYTES + 1}+}\r\n`);
    t.equal(await c.readLine(), '* BYE Literal too large');
    await c.waitClosed();
  });

  t.test('an overlong line gets BAD Line too long, tagged when the tag is readable', async (t) => {
    const c = await greeted(srv);
    c.write(`a1 NOOP ${'x'.repeat(MAX_LINE_BYTES)}\r\n`);
    t.equal(await c.readLine(), 'a1 BAD Line too long');
    t.same(await c.command('a2', 'NOOP'), { untagged: [], tagged: 'a2 OK NOOP completed' });
    // No tag: the whole line is one overlong word; sent in pieces, as a slow peer would.
    for (let i = 0; i < 10; i++) c.write('y'.repeat(MAX_LINE_BYTES / 8));
    c.write('\r\n');
    t.equal(await c.readLine(), '* BAD Line too long');
    t.same(await c.command('a3', 'NOOP'), { untagged: [], tagged: 'a3 OK NOOP completed' });
    c.close();
  });

  t.test('an overlong line after login', async (t) => {
    const c = await loggedIn(srv);
    c.write(`a1 NOOP ${'x'.repeat(MAX_LINE_BYTES * 2)}\r\na2 NOOP\r\n`);
    t.same(await c.readTagged('a2'), { untagged: ['a1 BAD Line too long'], tagged: 'a2 OK NOOP completed' });
    c.close();
  });
});

t.test('an overlong SASL response gets a tagged BAD and the session goes on', async (t) => {
  const c = await greeted(srv);
  c.write('a1 AUTHENTICATE PLAIN\r\n');
  t.equal(await c.readLine(), '+ ');
  // In pieces, so the receiver is still skipping the line when the next piece arrives.
  c.write('A'.repeat(MAX_LINE_BYTES + 10));
  await new Promise((r) => setTimeout(r, 50));
  c.write('A'.repeat(100) + '\r\n');
  t.equal(await c.readLine(1000), 'a1 BAD Line too long');
  t.same(await c.command('a2', 'NOOP', 1000), { untagged: [], tagged: 'a2 OK NOOP completed' });
  c.close();
});

t.test('inactivity timeouts', async (t) => {
  const timed = await startTestServer({
    users: { alice: PASSWORD },
    timeouts: { preauthMs: 200, autologoutMs: 60_000 },
    sweepIntervalMs: 50,
  });
  t.teardown(() => timed.close());
  const idleAuth = await loggedIn(timed);
  const started = Date.now();
  const idleUnauth = await greeted(timed);
  t.equal(await idleUnauth.readLine(2000), '* BYE Autologout; idle for too long');
  await idleUnauth.waitClosed();
  t.ok(Date.now() - started >= 190, 'not before the pre-auth timeout');
  // Well past the pre-auth timeout, the authenticated session is still there.
  await new Promise((r) => setTimeout(r, 400));
  t.equal(idleAuth.closed, false);
  t.same(await idleAuth.command('n1', 'NOOP'), { untagged: [], tagged: 'n1 OK NOOP completed' });
  idleAuth.close();
});

t.test('the inactivity clock stops while a command runs', async (t) => {
  // A slow credential check (a PAM helper can take seconds) outlasts the pre-auth timeout;
  // the client is waiting for the server, not idle, so the LOGIN must still complete.
  const slow = await startTestServer({
    users: { alice: PASSWORD },
    timeouts: { preauthMs: 100, autologoutMs: 60_000 },
    sweepIntervalMs: 20,
    authFailureDelayMs: 400,
  });
  t.teardown(() => slow.close());
  const c = await greeted(slow);
  const reply = await c.command('a1', 'LOGIN alice wrong-password');
  t.equal(reply.tagged, 'a1 NO [AUTHENTICATIONFAILED] Authentication failed', 'answered after 400 ms, no autologout');
  c.close();
});

t.test('shutdown says BYE to idle sessions and closes them', async (t) => {
  const stopping = await startTestServer({ users: { alice: PASSWORD } });
  const port = stopping.port();
  const unauth = await greeted(stopping);
  const auth = await loggedIn(stopping);
  await stopping.close();
  t.equal(await unauth.readLine(), '* BYE Server shutting down');
  t.equal(await auth.readLine(), '* BYE Server shutting down');
  await unauth.waitClosed();
  await auth.waitClosed();
  t.equal(stopping.server.connectionCount, 0);
  await t.rejects(WireClient.connect(port), 'no longer accepting');
});

// An endpoint with the wire trace on, SASL LOGIN offered, transitions traced, and a unix socket.
// A short temp path: unix socket paths are limited to about 100 bytes.
const dir = mkdtempSync(join(tmpdir(), 'gannet-session-'));
const tracePath = join(dir, 'trace.jsonl');
const socketPath = join(dir, 'imap.sock');
const traced = await startTestServer({
  users: { alice: PASSWORD },
  config: DEFAULT_TEST_CONFIG.replace(
    'imap tcp://127.0.0.1:0 {\n    tls off',
    `imap tcp://127.0.0.1:0 unix://${socketPath} {\n    tls off\n    io_debug yes\n    sasl_login yes\n    trace_transitions ${tracePath}`,
  ),
});
t.teardown(async () => {
  await traced.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The cid of the connection opened last (from the log). */
function lastCid(srv: TestServer): string {
  const opened = srv.logs.filter((r) => r['msg'] === 'connection opened');
  return String(opened[opened.length - 1]?.['cid']);
}

t.test('logging: one record per failed login; passwords never logged', async (t) => {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const secrets: string[] = [PASSWORD];
  const secret = (s: string) => {
    secrets.push(s, b64(s));
    return s;
  };

  const c1 = await greeted(traced);
  const cid1 = lastCid(traced);
  t.match((await c1.command('a1', `LOGIN alice ${secret('Pw-wrong-1')}`)).tagged, /^a1 NO \[AUTHENTICATIONFAILED\] /);
  await until(() => traced.logs.some((r) => r['msg'] === 'authentication failed'));
  const failures = traced.logs.filter((r) => r['msg'] === 'authentication failed');
  t.equal(failures.length, 1, 'one record');
  t.match(failures[0], { level: 30, msg: 'authentication failed', user: 'alice', cid: cid1 });
  // Literal forms, both synchronising and LITERAL+.
  c1.write(`a2 LOGIN {5+}\r\nalice {${'Pw-literal-2'.length}}\r\n`);
  t.equal(await c1.readLine(), '+ Ready for literal data');
  c1.write(`${secret('Pw-literal-2')}\r\n`);
  t.match((await c1.readTagged('a2')).tagged, /^a2 NO /);
  t.match((await c1.command('a3', `LOGIN alice ${PASSWORD}`)).tagged, /^a3 OK /);
  c1.close();

  // AUTHENTICATE PLAIN with an initial response, PLAIN with a continuation, and LOGIN.
  const c2 = await greeted(traced);
  t.match((await c2.command('b1', `AUTHENTICATE PLAIN ${b64(`\0alice\0${secret('Pw-plain-ir-3')}`)}`)).tagged, /^b1 NO /);
  c2.write('b2 AUTHENTICATE PLAIN\r\n');
  t.equal(await c2.readLine(), '+ ');
  c2.write(`${b64(`\0alice\0${secret('Pw-plain-4')}`)}\r\n`);
  t.match((await c2.readTagged('b2')).tagged, /^b2 NO /);
  c2.close();
  const c3 = await greeted(traced);
  c3.write('b3 AUTHENTICATE LOGIN\r\n');
  t.match(await c3.readLine(), /^\+ /);
  c3.write(`${b64('alice')}\r\n`);
  t.match(await c3.readLine(), /^\+ /);
  c3.write(`${b64(secret('Pw-sasl-login-5'))}\r\n`);
  t.match((await c3.readTagged('b3')).tagged, /^b3 NO /);
  c3.close();

  await until(() => traced.logs.filter((r) => r['msg'] === 'authentication failed').length === 5);
  const all = traced.logs.map((r) => JSON.stringify(r));
  for (const s of new Set(secrets)) {
    t.notOk(
      all.some((line) => line.includes(s)),
      `no record contains ${JSON.stringify(s)}`,
    );
  }
  const clientLines = traced.logs.filter((r) => r['dir'] === 'C').map((r) => String(r['msg']));
  t.same(
    clientLines.filter((m) => /LOGIN|AUTHENTICATE/i.test(m)),
    [
      'a1 LOGIN [masked]',
      'a2 LOGIN [masked]',
      'a3 LOGIN [masked]',
      'b1 AUTHENTICATE [masked]',
      'b2 AUTHENTICATE [masked]',
      'b3 AUTHENTICATE [masked]',
    ],
    'LOGIN and AUTHENTICATE lines are masked',
  );
  t.equal(clientLines.filter((m) => m === '[masked]').length, 3, 'SASL responses are masked');
  t.ok(
    traced.logs.some((r) => r['dir'] === 'S' && r['msg'] === 'a1 NO [AUTHENTICATIONFAILED] Authentication failed'),
    'the wire trace is on',
  );
});

t.test('logging: LOGIN lines the parser rejects are masked too', async (t) => {
  const c = await greeted(traced);
  // A person typing into netcat forgets the tag; a client bug adds a leading space.
  t.match((await c.command('LOGIN', 'Pw-untagged-6')).tagged, /^LOGIN BAD /);
  c.write(' d1 LOGIN alice Pw-leading-space-7\r\n');
  t.match(await c.readLine(), /BAD/);
  c.close();
  await new Promise((r) => setTimeout(r, 50));
  const all = traced.logs.map((r) => JSON.stringify(r));
  t.notOk(
    all.some((line) => line.includes('Pw-untagged-6')),
    'untagged LOGIN is masked',
  );
  t.notOk(
    all.some((line) => line.includes('Pw-leading-space-7')),
    'space-led LOGIN is masked',
  );
});

t.test('trace_transitions records the machine’s transitions for LOGIN + LOGOUT', async (t) => {
  const c = await greeted(traced);
  const cid = lastCid(traced);
  t.match((await c.command('a1', `LOGIN alice ${PASSWORD}`)).tagged, /^a1 OK /);
  t.same(await c.command('a2', 'LOGOUT'), { untagged: ['* BYE Gannet logging out'], tagged: 'a2 OK LOGOUT completed' });
  await c.waitClosed();
  const read = () =>
    readFileSync(tracePath, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r['cid'] === cid);
  await until(() => read().some((r) => r['to'] === 'logout'));
  const records = read();
  for (const r of records) {
    t.same(Object.keys(r).sort(), ['cid', 'event', 'from', 'time', 'to']);
    t.ok(!Number.isNaN(Date.parse(String(r['time']))), 'time is an ISO timestamp');
  }
  t.same(
    records.map((r) => [r['event'], r['to']]),
    [
      ['xstate.init', 'notAuthenticated.ready.waiting'],
      ['socket.request', 'notAuthenticated.authenticating'],
      ['xstate.done.actor.verify', 'authenticated.ready.waiting'],
      ['socket.request', 'logout'],
    ],
  );
  t.same(
    records.map((r) => r['from']),
    [null, 'notAuthenticated.ready.waiting', 'notAuthenticated.authenticating', 'authenticated.ready.waiting'],
    'each record starts where the previous one ended',
  );
});

t.test('a unix:// endpoint serves IMAP', async (t) => {
  const socket: Socket = netConnect({ path: socketPath });
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (data += d));
  await until(() => data.includes('\r\n'));
  t.match(data, /^\* OK \[CAPABILITY IMAP4rev1 .*\] \S+ Gannet ready\r\n$/);
  socket.write('a1 NOOP\r\n');
  await until(() => data.includes('a1 '));
  t.match(data.split('\r\n')[1], 'a1 OK NOOP completed');
  socket.destroy();
});

/** Every state of the connection machine, as [mermaid id, dotted path, key]. */
function machineStates(): Array<{ id: string; path: string; key: string }> {
  const out: Array<{ id: string; path: string; key: string }> = [];
  const walk = (node: AnyStateNode) => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      out.push({ id: child.path.join('_'), path: child.path.join('.'), key: child.key });
      walk(child);
    }
  };
  walk(connectionMachine.root);
  return out;
}

t.test('gannet statechart prints every state (Mermaid, and DOT with --dot)', async (t) => {
  const states = machineStates();
  t.ok(
    states.some((s) => s.path === 'notAuthenticated.ready.waiting'),
    'the walk reaches nested states',
  );
  const mermaid = await runGannet(['statechart']);
  t.equal(mermaid.code, 0);
  t.equal(mermaid.stderr, '');
  const lines = mermaid.stdout.split('\n');
  t.equal(lines[0], 'stateDiagram-v2');
  for (const s of states) t.ok(lines.includes(`  ${s.id} : ${s.key}`), `mermaid names ${s.path}`);
  t.ok(lines.includes('  [*] --> notAuthenticated'), 'initial state');
  t.ok(lines.includes('  logout --> [*]') && lines.includes('  closed --> [*]'), 'final states');
  t.ok(
    lines.some((l) => l.startsWith('  notAuthenticated_ready --> notAuthenticated_authenticating : socket.request')),
    'LOGIN edge',
  );

  const dot = await runGannet(['statechart', '--dot']);
  t.equal(dot.code, 0);
  const dotLines = dot.stdout.trimEnd().split('\n');
  t.equal(dotLines[0], 'digraph connection {');
  t.equal(dotLines[dotLines.length - 1], '}');
  for (const s of states)
    t.ok(
      dotLines.some((l) => l.startsWith(`  ${s.id} [label="${s.path}"`)),
      `dot names ${s.path}`,
    );
  t.ok(dotLines.includes('  logout [label="logout", peripheries=2];'), 'final states drawn double');
});

t.test('gannet statechart nests each state inside its parent in Mermaid', async (t) => {
  const { stdout } = await runGannet(['statechart']);
  // Collect, for each `state X {` block, the ids mentioned inside it.
  const inside = new Map<string, Set<string>>();
  const stack: string[] = [];
  for (const line of stdout.split('\n')) {
    const open = /^\s*state (\S+) \{$/.exec(line);
    if (open) {
      stack.push(open[1]!);
      inside.set(open[1]!, new Set());
      continue;
    }
    if (/^\s*\}$/.test(line)) {
      stack.pop();
      continue;
    }
    for (const block of stack) for (const id of line.match(/\b\w+\b/g) ?? []) inside.get(block)!.add(id);
  }
  for (const s of machineStates()) {
    const parent = s.id.includes('_') ? s.id.slice(0, s.id.lastIndexOf('_')) : null;
    if (parent) t.ok(inside.get(parent)?.has(s.id), `${s.path} is drawn inside ${parent}`);
  }
});

t.test('gannet verify-config', async (t) => {
  const cfgDir = t.testdir();
  const file = join(cfgDir, 'gannet.conf');
  writeFileSync(
    file,
    `# a test configuration
hostname mail.example.org
state_dir ${cfgDir}/state
auth.pass_table local_authdb {
    table lmdb credentials
}
storage.lmdb local_mailboxes {
    path mail
}
imap tcp://127.0.0.1:1143 unix://imap.sock {
    tls off
    auth &local_authdb
    storage &local_mailboxes
    io_debug yes
    trace_transitions trace.jsonl
}
`,
  );
  const ok = await runGannet(['verify-config', '--config', file]);
  t.equal(ok.code, 0);
  t.equal(ok.stderr, '');
  const state = `${cfgDir}/state`;
  t.equal(
    ok.stdout,
    `configuration: ${file}
state directory: ${state}
runtime directory: ${state}/run
hostname: mail.example.org
log: stderr

imap endpoint 1 (${file}:10):
  listen tcp://127.0.0.1:1143 (plaintext)
  listen unix://imap.sock (socket ${state}/run/imap.sock)
  tls: off
  insecure_auth: yes (passwords may cross the network unencrypted)
  auth: local_authdb (pass_table over lmdb table "credentials")
  storage: local_mailboxes (lmdb at ${state}/mail, appendlimit 32M, junk "Junk", default mailboxes Sent Drafts Trash Junk Archive)
  enabled: io_debug
  trace_transitions: ${state}/trace.jsonl
`,
  );

  const bad = join(cfgDir, 'bad.conf');
  writeFileSync(bad, `state_dir ${cfgDir}/state\nimap tcp://127.0.0.1:99999 {\n    tls off\n}\n`);
  const broken = await runGannet(['verify-config', '--config', bad]);
  t.equal(broken.code, 1);
  t.equal(broken.stdout, '');
  t.equal(broken.stderr, `gannet: ${bad}:2: invalid port in "tcp://127.0.0.1:99999"\n`);
});
