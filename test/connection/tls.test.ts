// TLS end to end: STARTTLS on tcp://, implicit TLS on tls://, LOGINDISABLED and
// PRIVACYREQUIRED before STARTTLS (insecure_auth defaults to no with TLS on), plaintext
// injected after STARTTLS is discarded, `protocols tls1.3` refuses a TLS 1.2 client, and a
// renewed certificate is served without a restart.

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { writeCert } from '../helpers/certs.js';

const certDir = mkdtempSync(join(tmpdir(), 'gannet-certs-'));
t.teardown(() => rmSync(certDir, { recursive: true, force: true }));
const files = await writeCert(certDir, 'first.example');

const config = (tlsLine: string) => `
state_dir $STATE
auth.pass_table local_authdb { table lmdb credentials }
storage.lmdb local_mailboxes { path mail }
imap tcp://127.0.0.1:0 tls://127.0.0.1:0 {
    ${tlsLine}
    auth &local_authdb
    storage &local_mailboxes
}
`;

const srv = await startTestServer({
  config: config(`tls ${files.cert} ${files.key}`),
  users: { alice: 'secret' },
  tlsPollMs: 50,
});
t.teardown(() => srv.close());

t.test('plaintext port before STARTTLS: LOGINDISABLED, no AUTH=, PRIVACYREQUIRED', async (t) => {
  const c = await WireClient.connect(srv.port(0));
  const greeting = await c.readLine();
  t.match(greeting, /^\* OK \[CAPABILITY IMAP4rev1 LITERAL\+ ID ENABLE STARTTLS LOGINDISABLED\] /);
  t.same(await c.command('a1', 'CAPABILITY'), {
    untagged: ['* CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS LOGINDISABLED'],
    tagged: 'a1 OK CAPABILITY completed',
  });
  t.same((await c.command('a2', 'LOGIN alice secret')).tagged, 'a2 NO [PRIVACYREQUIRED] Authentication requires TLS; use STARTTLS first');
  t.same(
    (await c.command('a3', 'AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==')).tagged,
    'a3 NO [PRIVACYREQUIRED] Authentication requires TLS; use STARTTLS first',
  );
  c.close();
});

t.test('STARTTLS discards pipelined plaintext and changes CAPABILITY', async (t) => {
  const c = await WireClient.connect(srv.port(0));
  await c.readLine();
  // RFC 9051 §6.2.1 / RFC 3207-style injection: a2 sent in the same packet as STARTTLS
  // must never be executed inside the TLS session.
  c.write('a1 STARTTLS\r\na2 LOGIN alice secret\r\n');
  t.equal(await c.readLine(), 'a1 OK Begin TLS negotiation now');
  await c.startTls();
  t.same(await c.command('a3', 'CAPABILITY'), {
    untagged: ['* CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE SASL-IR AUTH=PLAIN'],
    tagged: 'a3 OK CAPABILITY completed',
  });
  t.equal((await c.command('a4', 'STARTTLS')).tagged, 'a4 BAD TLS is already active');
  t.match((await c.command('a5', 'LOGIN alice secret')).tagged, /^a5 OK \[CAPABILITY /);
  c.close();
});

t.test('implicit TLS on tls://', async (t) => {
  const c = await WireClient.connectTls(srv.port(1));
  t.match(await c.readLine(), /^\* OK \[CAPABILITY IMAP4rev1 LITERAL\+ ID ENABLE SASL-IR AUTH=PLAIN\] /);
  t.match((await c.command('a1', 'AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==')).tagged, /^a1 OK /);
  c.close();
});

function peerCertCn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject?.CN;
      s.destroy();
      resolve(String(cn));
    });
    s.on('error', reject);
  });
}

t.test('a renewed certificate is served without restart; open sessions stay', async (t) => {
  const open = await WireClient.connectTls(srv.port(1));
  await open.readLine();
  t.equal(await peerCertCn(srv.port(1)), 'first.example');
  await writeCert(certDir, 'second.example'); // same paths, new content
  // The file watcher notices the change (polled every 50 ms in this test).
  let cn = '';
  for (let i = 0; i < 100 && cn !== 'second.example'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    cn = await peerCertCn(srv.port(1));
  }
  t.equal(cn, 'second.example', 'new handshakes get the new certificate');
  // SIGHUP's path, reloadTls(), works too and keeps serving.
  srv.server.reloadTls();
  t.equal(await peerCertCn(srv.port(1)), 'second.example');
  t.equal((await open.command('n1', 'NOOP')).tagged, 'n1 OK NOOP completed', 'the old session is still alive');
  open.close();
});

t.test('protocols tls1.3 refuses a TLS 1.2 client', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gannet-certs13-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = await writeCert(dir);
  const s13 = await startTestServer({
    config: config(`tls file ${f.cert} ${f.key} {
        protocols tls1.3
    }`),
  });
  t.teardown(() => s13.close());
  await t.rejects(WireClient.connectTls(s13.port(1), { maxVersion: 'TLSv1.2' }), 'TLS 1.2 handshake fails');
  const ok = await WireClient.connectTls(s13.port(1), { minVersion: 'TLSv1.3' });
  t.equal((ok.socket as TLSSocket).getProtocol(), 'TLSv1.3');
  t.match(await ok.readLine(), /^\* OK /);
  ok.close();
});
