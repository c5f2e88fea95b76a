// LMTP delivery rate (RFC 2033): messages per second stored by Gannet (the compiled server in
// its own process) and by Dovecot's LMTP (dovecot-lmtpd, same machine, same run), 10 LMTP
// clients at once, each keeping one connection (as an MTA's connection cache does), for 1 KB
// and 100 KB messages; Gannet once without and once with one imap_filter command (a shell
// script that reads the message and prints nothing, i.e. the cost of running a filter).
// Both servers store durably before answering 250: Gannet flushes each append, Dovecot runs
// with mail_fsync = optimized.
//
//   npm run build && node --import tsx bench/lmtp.ts [--json FILE]

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GANNET_BIN, sleep } from './server-process.js';
import { startDovecot } from './dovecot-server.js';
import { freePort, greets } from './proc-stats.js';

const args = process.argv.slice(2);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const CLIENTS = 10;
const RCPT = 'bench@example.org';
const QUICK = args.includes('--quick');
/** Messages per run by size: enough for a few seconds of work each (a third in quick runs). */
const COUNTS: Record<string, number> = QUICK ? { '1KB': 700, '100KB': 170 } : { '1KB': 2000, '100KB': 500 };
const SIZES: Record<string, number> = { '1KB': 1024, '100KB': 100 * 1024 };

function message(i: number, size: number): string {
  const head = `From: sender@remote.example\r\nTo: ${RCPT}\r\nSubject: bench message ${i}\r\nMessage-ID: <${i}.${Date.now()}@bench>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n`;
  const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n';
  let body = '';
  while (head.length + body.length + line.length <= size) body += line;
  return head + body + 'x'.repeat(Math.max(0, size - head.length - body.length - 2)) + '\r\n';
}

/** One LMTP connection: LHLO once, then MAIL/RCPT/DATA per message, waiting for each reply. */
class LmtpClient {
  #socket: Socket;
  #buf = '';
  #wake: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.#buf += d;
      this.#wake?.();
    });
  }

  static async open(port: number): Promise<LmtpClient> {
    const s = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    const c = new LmtpClient(s);
    await c.#reply(); // greeting
    c.#socket.write('LHLO bench.example\r\n');
    await c.#reply();
    return c;
  }

  /** Next complete reply (multi-line replies end with a line "NNN text"). */
  async #reply(): Promise<string> {
    for (;;) {
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3} [^\r\n]*\r\n/.exec(this.#buf);
      if (m) {
        this.#buf = this.#buf.slice(m[0].length);
        return m[0];
      }
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  async send(data: string): Promise<void> {
    this.#socket.write(`MAIL FROM:<sender@remote.example>\r\n`);
    expect(await this.#reply(), '250', 'MAIL');
    this.#socket.write(`RCPT TO:<${RCPT}>\r\n`);
    expect(await this.#reply(), '250', 'RCPT');
    this.#socket.write('DATA\r\n');
    expect(await this.#reply(), '354', 'DATA');
    this.#socket.write(`${data.replace(/^\./gm, '..')}.\r\n`);
    expect(await this.#reply(), '250', 'end of DATA');
  }

  close(): void {
    this.#socket.end('QUIT\r\n');
  }
}

function expect(reply: string, code: string, what: string): void {
  if (!reply.startsWith(code)) throw new Error(`${what}: ${reply.trim()}`);
}

async function rate(port: number, size: string): Promise<number> {
  const count = COUNTS[size]!;
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => LmtpClient.open(port)));
  // Warm-up: code paths, the pool's threads, the mailbox's writer.
  await Promise.all(clients.map((c, i) => c.send(message(-1 - i, SIZES[size]!))));
  const bodies = Array.from({ length: count }, (_, i) => message(i, SIZES[size]!));
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = next++; i < count; i = next++) await c.send(bodies[i]!);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const c of clients) c.close();
  return count / seconds;
}

async function runGannet(cli: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, [GANNET_BIN, ...cli], { stdio: 'inherit' });
    p.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`gannet ${cli.join(' ')} exited ${c}`))));
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await greets(port)) return;
    await sleep(100);
  }
  throw new Error(`nothing answers on port ${port}`);
}

/** A compiled Gannet with an lmtp endpoint and, optionally, one filter command. */
async function startGannet(withFilter: boolean): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gannet-lmtp-bench-'));
  const port = await freePort();
  const lmtpPort = await freePort();
  const filter = join(dir, 'filter.sh');
  writeFileSync(filter, '#!/bin/sh\ncat > /dev/null\n');
  chmodSync(filter, 0o755);
  const config = join(dir, 'gannet.conf');
  writeFileSync(
    config,
    `state_dir ${dir}
log off
auth.pass_table local_authdb { table lmdb credentials }
storage.lmdb local_mailboxes {
    path mail
${withFilter ? `    imap_filter {\n        command ${filter} {account_name} {subject}\n    }\n` : ''}}
imap tcp://127.0.0.1:${port} {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
lmtp tcp://127.0.0.1:${lmtpPort} {
    hostname mx.example.org
    max_message_size 1M
    deliver_to &local_mailboxes
}
`,
  );
  await runGannet(['--config', config, 'imap-acct', 'create', RCPT]);
  const child: ChildProcess = spawn(process.execPath, [GANNET_BIN, '--config', config, 'run'], { stdio: 'inherit' });
  await waitForPort(lmtpPort);
  return {
    port: lmtpPort,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const results: Record<string, Record<string, number>> = {};
for (const size of Object.keys(SIZES)) results[size] = {};

for (const withFilter of [false, true]) {
  const g = await startGannet(withFilter);
  try {
    for (const size of Object.keys(SIZES)) results[size]![withFilter ? 'gannetFilter' : 'gannet'] = await rate(g.port, size);
  } finally {
    await g.stop();
  }
}
const dovecot = await startDovecot({ users: { [RCPT]: 'secret' }, lmtp: true });
try {
  for (const size of Object.keys(SIZES)) results[size]!.dovecot = await rate(dovecot.lmtpPort, size);
} finally {
  await dovecot.stop();
}

const f = (n: number) => n.toFixed(0).padStart(8);
const r = (n: number) => `${n.toFixed(2)}x`.padStart(10);
console.log(`LMTP delivery, ${CLIENTS} clients, messages/s (node ${process.version}, ${cpus().length} cores)`);
console.log('size    gannet  +filter  dovecot  gannet/dovecot  +filter/dovecot  filter/no-filter');
for (const [size, v] of Object.entries(results)) {
  const { gannet = 0, gannetFilter = 0, dovecot: dc = 0 } = v;
  console.log(
    `${size.padEnd(6)}${f(gannet)}${f(gannetFilter)}${f(dc)}${r(gannet / dc).padStart(16)}${r(gannetFilter / dc).padStart(17)}${r(gannetFilter / gannet).padStart(18)}`,
  );
}
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
