// Real clients against the real server: a user made with `gannet creds create` (a separate
// process, the operator's path) logs in with Python's imaplib and with imapflow.

import t from 'tap';
import { ImapFlow } from 'imapflow';
import { startTestServer } from '../helpers/server.js';
import { runGannet } from '../helpers/cli.js';
import { needTool, run } from '../helpers/interop.js';

const srv = await startTestServer();
t.teardown(() => srv.close());
const configFile = srv.configFile;

t.test('gannet creds create (separate process) adds a user the running server accepts', async (t) => {
  const r = await runGannet(['creds', 'create', '--config', configFile, '--password', 'pässwörd 1', 'Carol']);
  t.equal(r.code, 0, r.stderr);
  const list = await runGannet(['creds', 'list', '--config', configFile]);
  t.equal(list.stdout, 'carol\n');
});

t.test('Python imaplib: LOGIN, AUTHENTICATE PLAIN, CAPABILITY, NOOP, LOGOUT', needTool('python3', 'python3'), async (t) => {
  const script = `
import imaplib, sys
port = int(sys.argv[1])
password = 'pässwörd 1'.encode('utf-8')
m = imaplib.IMAP4('127.0.0.1', port)
print(sorted(m.capabilities))
m.literal = password
typ, data = m._simple_command('LOGIN', 'carol')
print(typ, data)
m.logout()
m = imaplib.IMAP4('127.0.0.1', port)
typ, data = m.authenticate('PLAIN', lambda _: b'\\0carol\\0' + password)
print(typ, data[0].decode())
print(m.noop()[0])
print(m.logout()[0])
m = imaplib.IMAP4('127.0.0.1', port)
try:
    m.login('carol', 'wrong')
except imaplib.IMAP4.error as e:
    print('refused', e)
m.logout()
`;
  const r = await run('python3', ['-c', script, String(srv.port())]);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines[0], "['AUTH=PLAIN', 'ENABLE', 'ID', 'IMAP4REV1', 'LITERAL+', 'SASL-IR']");
  t.match(lines[1], /^OK \[b'\[CAPABILITY IMAP4rev1 .*\] Logged in'\]$/, 'LOGIN with a UTF-8 password literal');
  t.match(lines[2], /^OK \[CAPABILITY IMAP4rev1 .*\] Logged in$/, 'AUTHENTICATE PLAIN');
  t.equal(lines[3], 'OK');
  t.equal(lines[4], 'BYE');
  t.match(lines[5], /refused .*AUTHENTICATIONFAILED/);
});

t.test('imapflow logs in and out', async (t) => {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: srv.port(),
    secure: false,
    auth: { user: 'carol', pass: 'pässwörd 1' },
    logger: false,
  });
  await client.connect();
  t.ok(client.authenticated, 'authenticated');
  t.ok(client.capabilities.has('IMAP4rev1'));
  t.equal(client.serverInfo?.name, 'Gannet', 'ID exchanged');
  await client.logout();
});

t.test('imapflow with wrong credentials is refused', async (t) => {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: srv.port(),
    secure: false,
    auth: { user: 'carol', pass: 'nope' },
    logger: false,
  });
  await t.rejects(client.connect());
});
