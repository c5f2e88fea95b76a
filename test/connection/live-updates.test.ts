// Live updates across sessions and processes: an IDLE session sees EXISTS for a message
// added by `gannet imap-msgs add` in another process (through the store's change log), and
// 20 concurrent sessions appending to one mailbox get unique, increasing UIDs.

import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { runGannet } from '../helpers/cli.js';

const srv = await startTestServer({ users: { alice: 'secret' } });
t.teardown(() => srv.close());
const configFile = srv.configFile;

const session = (): Promise<WireClient> => WireClient.login(srv.port(), 'alice', 'secret');

t.test('an IDLE session sees a message added by the CLI in another process', async (t) => {
  const c = await session();
  t.match((await c.command('s', 'SELECT INBOX')).tagged, /^s OK \[READ-WRITE\]/);
  c.write('i IDLE\r\n');
  t.equal(await c.readLine(), '+ idling');
  const message = 'From: cli@example.org\r\nSubject: from the CLI\r\n\r\nhello\r\n';
  const r = await runGannet(['imap-msgs', 'add', '--config', configFile, 'alice', 'INBOX'], { stdin: message });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout.trim(), /^\d+$/, 'the CLI prints the new UID');
  t.equal(await c.readLine(10_000), '* 1 EXISTS');
  t.equal(await c.readLine(), '* 1 RECENT');
  c.write('DONE\r\n');
  t.equal(await c.readLine(), 'i OK IDLE terminated');
  const f = await c.command('f', `UID FETCH ${r.stdout.trim()} (RFC822.SIZE)`);
  t.same(f.untagged, [`* 1 FETCH (UID ${r.stdout.trim()} RFC822.SIZE ${Buffer.byteLength(message)})`]);
  c.close();
});

t.test('20 concurrent sessions appending to one mailbox get unique increasing UIDs', async (t) => {
  const clients = await Promise.all(Array.from({ length: 20 }, () => session()));
  await clients[0]!.command('c', 'CREATE Busy');
  const uids = await Promise.all(
    clients.map(async (c, i) => {
      const got: number[] = [];
      for (let k = 0; k < 5; k++) {
        const body = `Subject: ${i}-${k}\r\n\r\nx\r\n`;
        c.write(`a${k} APPEND Busy {${body.length}+}\r\n${body}\r\n`);
        const reply = await c.readTagged(`a${k}`);
        const m = /APPENDUID \d+ (\d+)/.exec(reply.tagged);
        if (!m) throw new Error(reply.tagged);
        got.push(Number(m[1]));
      }
      return got;
    }),
  );
  for (const got of uids)
    t.ok(
      got.every((u, i) => i === 0 || u > got[i - 1]!),
      'each session sees its UIDs increase',
    );
  const all = uids.flat().sort((a, b) => a - b);
  t.same(
    all,
    Array.from({ length: 100 }, (_, i) => i + 1),
    'UIDs 1..100, none reused or skipped',
  );
  const st = await clients[1]!.command('s', 'STATUS Busy (MESSAGES UIDNEXT)');
  t.same(st.untagged, ['* STATUS Busy (MESSAGES 100 UIDNEXT 101)']);
  for (const c of clients) c.close();
});
