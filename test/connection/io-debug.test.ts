// io_debug and io_errors are switches of their own (maddy-imap(5): io_debug "Write all commands
// and responses to stderr"), not part of `debug`: with `debug no` at top level and in the
// endpoint, io_debug logs every command and response at the level a default logger shows,
// credentials masked, and io_errors logs socket errors; without io_debug no wire line is
// logged, with `debug yes` or without.

import t, { type Test } from 'tap';
import { DEFAULT_TEST_CONFIG, startTestServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

const PASSWORD = 'Pw-io-debug-5c1e';

/** DEFAULT_TEST_CONFIG with `global` at top level and `endpoint` lines in the imap block. */
function configWith(global: string, endpoint: string[]): string {
  const lines = endpoint.map((l) => `\n    ${l}`).join('');
  return `${global}\n${DEFAULT_TEST_CONFIG.replace('    tls off', `    tls off${lines}`)}`;
}

async function start(t: Test, global: string, endpoint: string[]): Promise<TestServer> {
  const srv = await startTestServer({ users: { alice: PASSWORD }, keepDebug: true, config: configWith(global, endpoint) });
  t.teardown(() => srv.close());
  return srv;
}

/** Waits until `pred` holds, polling (log records are written asynchronously). */
async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The wire records of one connection as [level, dir, msg]. */
function wire(srv: TestServer, cid: unknown): Array<[unknown, unknown, unknown]> {
  return srv.logs.filter((r) => r['cid'] === cid && r['dir'] !== undefined).map((r) => [r['level'], r['dir'], r['msg']]);
}

function lastCid(srv: TestServer): unknown {
  return srv.logs.filter((r) => r['msg'] === 'connection opened').at(-1)?.['cid'];
}

/** A short session: a command, a LOGIN, an AUTHENTICATE with a SASL continuation, LOGOUT. */
async function session(srv: TestServer): Promise<{ cid: unknown; greeting: string; loggedIn: string }> {
  const c = await WireClient.connect(srv.port());
  const greeting = await c.readLine();
  const cid = lastCid(srv);
  await c.command('a1', 'NOOP');
  const loggedIn = (await c.command('a2', `LOGIN alice ${PASSWORD}`)).tagged;
  await c.command('a3', 'LOGOUT');
  await c.waitClosed();
  const d = await WireClient.connect(srv.port());
  await d.readLine();
  d.write('b1 AUTHENTICATE PLAIN\r\n');
  await d.readLine();
  d.write(`${Buffer.from(`\0alice\0${PASSWORD}`).toString('base64')}\r\n`);
  await d.readTagged('b1');
  d.close();
  return { cid, greeting, loggedIn };
}

const INFO = 30;

t.test('io_debug yes, debug no: every command and response at info, credentials masked', async (t) => {
  const srv = await start(t, 'debug no', ['debug no', 'io_debug yes']);
  const { cid, greeting, loggedIn } = await session(srv);
  await until(() => srv.logs.some((r) => r['cid'] === cid && r['msg'] === 'connection closed'));
  t.same(wire(srv, cid), [
    [INFO, 'S', greeting],
    [INFO, 'C', 'a1 NOOP'],
    [INFO, 'S', 'a1 OK NOOP completed'],
    [INFO, 'C', 'a2 LOGIN [masked]'],
    [INFO, 'S', loggedIn],
    [INFO, 'C', 'a3 LOGOUT'],
    [INFO, 'S', '* BYE Gannet logging out'],
    [INFO, 'S', 'a3 OK LOGOUT completed'],
  ]);
  await until(() => srv.logs.some((r) => r['dir'] === 'C' && r['msg'] === '[masked]'));
  const sasl = srv.logs.filter((r) => r['dir'] === 'C' && r['cid'] !== cid).map((r) => r['msg']);
  t.same(sasl, ['b1 AUTHENTICATE [masked]', '[masked]'], 'AUTHENTICATE and its SASL response are masked');
  const all = srv.logs.map((r) => JSON.stringify(r));
  t.notOk(
    all.some((l) => l.includes(PASSWORD) || l.includes(Buffer.from(`\0alice\0${PASSWORD}`).toString('base64'))),
    'no record holds the password',
  );
  t.notOk(
    srv.logs.some((r) => (r['level'] as number) < INFO),
    'nothing below info: debug stays off',
  );
});

t.test('io_debug no: no wire line, with debug no or debug yes', async (t) => {
  for (const [global, endpoint] of [
    ['debug no', []],
    ['debug yes', []],
    ['debug no', ['debug yes']],
  ] as Array<[string, string[]]>) {
    const srv = await start(t, global, endpoint);
    const { cid } = await session(srv);
    await until(() => srv.logs.some((r) => r['cid'] === cid && r['msg'] === 'connection closed'));
    t.same(
      srv.logs.filter((r) => r['dir'] !== undefined || r['msg'] === 'peer closed the connection'),
      [],
      `${global}; ${endpoint.join('; ') || 'no endpoint debug'}`,
    );
  }
});

t.test('the endpoint debug overrides the global one, both ways', async (t) => {
  const level = async (global: string, endpoint: string[]): Promise<unknown[]> => {
    const srv = await start(t, global, endpoint);
    const { cid } = await session(srv);
    await until(() => srv.logs.some((r) => r['cid'] === cid && r['msg'] === 'connection closed'));
    return [...new Set(srv.logs.filter((r) => r['cid'] === cid).map((r) => r['level']))].sort();
  };
  t.same(await level('debug no', ['debug yes']), [20, INFO], 'debug yes in the endpoint: its debug records');
  t.same(await level('debug yes', ['debug no']), [INFO], 'debug no in the endpoint: none, though global debug is on');
  t.same(await level('debug yes', []), [20, INFO], 'the endpoint takes the global debug by default');
});

t.test('io_errors yes, debug no: a reset connection is logged', async (t) => {
  const srv = await start(t, 'debug no', ['debug no', 'io_errors yes']);
  const c = await WireClient.connect(srv.port());
  await c.readLine();
  const cid = lastCid(srv);
  c.socket.resetAndDestroy();
  await until(() => srv.logs.some((r) => r['cid'] === cid && r['msg'] === 'connection closed'));
  const errors = srv.logs.filter((r) => r['cid'] === cid && r['msg'] === 'connection I/O error');
  t.equal(errors.length, 1, 'one record');
  t.match(errors[0], { level: 40, err: { code: 'ECONNRESET' } });
});

t.test('io_errors no: a reset connection is not logged', async (t) => {
  const srv = await start(t, 'debug no', []);
  const c = await WireClient.connect(srv.port());
  await c.readLine();
  const cid = lastCid(srv);
  c.socket.resetAndDestroy();
  await until(() => srv.logs.some((r) => r['cid'] === cid && r['msg'] === 'connection closed'));
  t.same(
    srv.logs.filter((r) => r['msg'] === 'connection I/O error'),
    [],
  );
});

t.test('log off: nothing is written, whatever the endpoint says', async (t) => {
  const srv = await startTestServer({
    users: { alice: PASSWORD },
    keepDebug: true,
    config: configWith('', ['debug yes', 'io_debug yes', 'io_errors yes']).replace('log stderr', 'log off'),
  });
  t.teardown(() => srv.close());
  await session(srv);
  t.same(srv.logs, []);
});
