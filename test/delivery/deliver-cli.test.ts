// `gannet deliver` in its own process beside a running server: the same pipeline as LMTP,
// sysexits(3) statuses (0, 64, 67, 75), quarantine to Junk, and an IDLE session in the server
// hearing of the message through the store's change log.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { runGannet } from '../helpers/cli.js';

const CONFIG = `
state_dir $STATE
log stderr
auth.pass_table local_authdb { table lmdb credentials }
storage.lmdb local_mailboxes {
    path mail
    delivery_map email_localpart_optional
}
imap tcp://127.0.0.1:0 {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
`;

const srv = await startTestServer({ config: CONFIG, users: { alice: 'secret' } });
t.teardown(() => srv.close());
const configFile = srv.configFile;

const session = (): Promise<WireClient> => WireClient.login(srv.port(), 'alice', 'secret');
(await session()).close(); // the account is made on first login

const message = (subject: string) => `From: someone@example.net\nSubject: ${subject}\n\nhello\n`;

t.test('delivered (exit 0); an IDLE session in the server sees EXISTS', async (t) => {
  const c = await session();
  t.match((await c.command('s', 'SELECT INBOX')).tagged, /^s OK/);
  c.write('i IDLE\r\n');
  t.equal(await c.readLine(), '+ idling');
  // delivery_map email_localpart_optional: the address's local part is the account.
  const r = await runGannet(['deliver', '--config', configFile, '--to', 'Alice@Example.org', '--from', 'someone@example.net'], {
    stdin: message('by deliver'),
  });
  t.equal(r.code, 0, r.stderr);
  t.equal(await c.readLine(10_000), '* 1 EXISTS');
  c.write('DONE\r\n');
  await c.readTagged('i');
  const f = await c.command('f', 'FETCH 1 BODY.PEEK[HEADER]');
  const header = f.untagged.join('\r\n');
  t.match(
    header,
    /Delivered-To: alice\r\nReturn-Path: <someone@example\.net>\r\nReceived: by [^ ]+ \(envelope-sender <someone@example\.net>\) with local id [0-9a-f]{16}; /,
  );
  t.match(header, /Subject: by deliver\r\n/, 'bare LF line ends stored as CRLF');
  c.close();
});

t.test('--quarantine delivers to the \\Junk mailbox', async (t) => {
  const r = await runGannet(['deliver', '--config', configFile, '--to', 'alice', '--quarantine'], { stdin: message('spam') });
  t.equal(r.code, 0, r.stderr);
  const c = await session();
  const st = await c.command('s', 'STATUS Junk (MESSAGES)');
  t.same(st.untagged, ['* STATUS Junk (MESSAGES 1)']);
  c.close();
});

t.test('an unknown user exits 67 (EX_NOUSER)', async (t) => {
  const r = await runGannet(['deliver', '--config', configFile, '--to', 'nobody@example.org'], { stdin: message('lost') });
  t.equal(r.code, 67);
  t.match(r.stderr, /nobody@example\.org: user unknown/);
});

t.test('a store that cannot be opened exits 75 (EX_TEMPFAIL): the MTA keeps the message', async (t) => {
  const broken = join(srv.stateDir, 'broken.conf');
  writeFileSync(join(srv.stateDir, 'not-a-dir'), 'x');
  writeFileSync(broken, CONFIG.replaceAll('$STATE', srv.stateDir).replace('path mail', 'path not-a-dir/mail'));
  const r = await runGannet(['deliver', '--config', broken, '--to', 'alice'], { stdin: message('later') });
  t.equal(r.code, 75, r.stderr);
  const bad = await runGannet(['deliver', '--config', join(srv.stateDir, 'missing.conf'), '--to', 'alice'], { stdin: message('later') });
  t.equal(bad.code, 75, 'a configuration that cannot be read is temporary too');
});

t.test('usage errors exit 64 (EX_USAGE); an empty message 65', async (t) => {
  const r = await runGannet(['deliver', '--config', configFile], { stdin: message('x') });
  t.equal(r.code, 64);
  t.match(r.stderr, /--to is required/);
  const empty = await runGannet(['deliver', '--config', configFile, '--to', 'alice'], { stdin: '' });
  t.equal(empty.code, 65);
});
