// A message whose stored MIME index is of an older format (or missing) is parsed again in the
// worker pool when a FETCH item or a SEARCH text key needs it: FETCH answers exactly what it
// answers from a current index, and the new index is stored for next time (RFC 3501 §6.4.5,
// §7.4.2); SEARCH finds what it finds from a current one.

import t from 'tap';
import { rmSync } from 'node:fs';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { startGannet } from '../../src/main.js';
import { openMailStore } from '../../src/storage/index.js';
import { MESSAGE_INDEX_VERSION } from '../../src/mime/index.js';

const RAW = Buffer.from(
  'From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: stale\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfirst\r\n' +
    '--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n--b1--\r\n',
);
const ITEMS = 'UID FLAGS ENVELOPE BODYSTRUCTURE BODY BODY.PEEK[1] BODY.PEEK[2.MIME] BINARY.PEEK[2] BINARY.SIZE[2] RFC822.TEXT';

async function fetchAll(port: number): Promise<string> {
  const c = await WireClient.connect(port);
  try {
    await c.readLine();
    await c.command('l', 'LOGIN stale secret');
    await c.command('e', 'EXAMINE INBOX');
    c.write(`f FETCH 1:* (${ITEMS})\r\n`);
    const r = await c.readTagged('f');
    return [...r.untagged, r.tagged].join('\r\n');
  } finally {
    c.close();
  }
}

t.test('an old-format index is parsed again, answered the same, and stored back', async (t) => {
  const srv = await startTestServer({ users: { stale: 'secret' } });
  t.teardown(() => rmSync(srv.stateDir, { recursive: true, force: true }));
  const c = await WireClient.connect(srv.port());
  await c.readLine();
  await c.command('l', 'LOGIN stale secret');
  c.write(Buffer.concat([Buffer.from(`a APPEND INBOX {${RAW.length}+}\r\n`), RAW, Buffer.from('\r\n')]));
  await c.readTagged('a');
  c.close();
  const current = await fetchAll(srv.port());
  t.match(current, /BINARY\[2\] ~\{4\}/, 'the FETCH reads the index (BINARY of a base64 part)');
  await srv.server.close();

  // Mark the stored index and summary as an older format, as a store written before a
  // MESSAGE_INDEX_VERSION bump holds them.
  const storageConfig = [...srv.config.storage.values()][0]!;
  const store = openMailStore(storageConfig);
  const account = store.getAccount('stale')!;
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const msg = store.getMessage(inbox.id, store.uids(inbox.id)[0]!)!;
  const index = store.getMimeIndex(msg)!;
  await store.setMimeIndex(msg, { index: { ...index, v: MESSAGE_INDEX_VERSION - 1 }, summary: [MESSAGE_INDEX_VERSION - 1, 'x', 'y', 'z'] });
  await store.close();

  const again = await startGannet(srv.config, { acceptHandles: 1 });
  const port = again.endpoints[0]?.listeners[0]?.port;
  if (port == null) throw new Error('no listener');
  // SEARCH's task parses a message without a current index itself, in the pool.
  const s = await WireClient.connect(port);
  await s.readLine();
  await s.command('l', 'LOGIN stale secret');
  await s.command('e', 'EXAMINE INBOX');
  t.same((await s.command('s', 'SEARCH BODY first FROM alice')).untagged, ['* SEARCH 1'], 'SEARCH over a stale index');
  t.same((await s.command('s', 'SEARCH BODY nowhere')).untagged, ['* SEARCH']);
  s.close();
  t.equal(await fetchAll(port), current, 'the same bytes from the re-parsed index');
  await again.close();

  const reopened = openMailStore(storageConfig);
  t.teardown(() => reopened.close());
  const stored = reopened.getMessage(inbox.id, msg.uid)!;
  t.equal((reopened.getMimeIndex(stored) as { v: number }).v, MESSAGE_INDEX_VERSION, 'the new index was stored');
  t.equal((reopened.getMimeSummary(stored) as unknown[])[0], MESSAGE_INDEX_VERSION, 'and its summary');
});
