// Durability: a server killed with SIGKILL in the middle of a stream of APPENDs loses no
// message it acknowledged, and restarts on the same state with a consistent store
// (RFC 3501 §6.3.11: OK means the message was appended).

import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WireClient } from '../helpers/wire-client.js';
import { runGannet } from '../helpers/cli.js';
import { loopbackConfigText } from '../helpers/config-text.js';

const entry = fileURLToPath(new URL('../../src/cli/gannet.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gannet-crash-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const port = 30000 + Math.floor(Math.random() * 20000);
const conf = join(dir, 'gannet.conf');
writeFileSync(conf, loopbackConfigText(dir, port));

function startServer(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry, '--config', conf, 'run'], { stdio: 'ignore' });
}

async function connect(): Promise<WireClient> {
  for (let i = 0; i < 200; i++) {
    try {
      const c = await WireClient.connect(port);
      await c.readLine();
      const r = await c.command('l', 'LOGIN crash secret');
      if (r.tagged.startsWith('l OK')) return c;
      throw new Error(r.tagged);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('server did not come up');
}

const body = (i: number) => `Subject: message ${i}\r\nX-Pad: ${'p'.repeat(i % 700)}\r\n\r\nbody ${i}\r\n`;

t.test('SIGKILL during APPEND loses no acknowledged message', async (t) => {
  t.equal((await runGannet(['--config', conf, 'creds', 'create', '--password', 'secret', 'crash'])).code, 0);
  const server = startServer();
  const c = await connect();
  const acked = new Map<number, string>();
  let i = 0;
  // Kill at a moment that depends on timing, while APPENDs are in flight.
  const killAfterMs = 300 + Math.floor(Math.random() * 400);
  const started = Date.now();
  let killed = false;
  try {
    for (;;) {
      const text = body(i);
      c.write(`a${i} APPEND INBOX {${Buffer.byteLength(text)}+}\r\n${text}\r\n`);
      if (!killed && Date.now() - started > killAfterMs) {
        server.kill('SIGKILL');
        killed = true;
      }
      const reply = await c.readTagged(`a${i}`, 5000);
      const m = /APPENDUID \d+ (\d+)/.exec(reply.tagged);
      if (m) acked.set(Number(m[1]), text);
      i++;
    }
  } catch {
    // the connection died with the server
  }
  t.ok(killed, 'the server was killed mid-stream');
  t.ok(acked.size > 0, `${acked.size} APPENDs were acknowledged before the kill`);
  await new Promise((r) => server.once('exit', r));

  const again = startServer();
  t.teardown(() => {
    again.kill('SIGKILL');
  });
  const d = await connect();
  const sel = await d.command('s', 'SELECT INBOX');
  const exists = Number(/\* (\d+) EXISTS/.exec(sel.untagged.join('\n'))?.[1]);
  t.ok(exists >= acked.size, `the store holds every acknowledged message (${exists} ≥ ${acked.size})`);
  const st = await d.command('st', 'STATUS INBOX (MESSAGES UIDNEXT)');
  const uidNext = Number(/UIDNEXT (\d+)/.exec(st.untagged[0] ?? '')?.[1]);
  t.match(st.untagged[0], new RegExp(`MESSAGES ${exists} `), 'the counters match the messages');
  t.ok(uidNext > Math.max(...acked.keys()), 'UIDNEXT is past every acknowledged UID');
  let intact = 0;
  for (const [uid, text] of acked) {
    const f = await d.command('f', `UID FETCH ${uid} (BODY.PEEK[])`);
    const size = Buffer.byteLength(text);
    const head = new RegExp(`^\\* \\d+ FETCH \\(UID ${uid} BODY\\[\\] \\{${size}\\}$`);
    if (head.test(f.untagged[0] ?? '') && f.untagged.join('\r\n').includes(text.trimEnd())) intact++;
  }
  t.equal(intact, acked.size, 'every acknowledged message reads back byte for byte');
  d.close();
});
