// Memory per idle connection: starts the compiled server in its own process, opens N
// loopback connections that log in (and with --idle, SELECT INBOX and IDLE), then reports
// the server's RSS growth per connection. Loopback only; bounded in count and time.
//
//   npm run build && node --import tsx bench/idle-connections.ts [--n 10000] [--idle] [--settle SECONDS]

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackConfigText } from '../test/helpers/config-text.js';
import { freePort } from './proc-stats.js';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--n') + 1] || 10000) || 10000;
const IDLE = args.includes('--idle');
/**
 * Seconds the connections rest before memory is read: past the server's hibernation
 * threshold (HIBERNATE_AFTER_MS, 30 s, plus one sweep), as idle connections in production are.
 */
const SETTLE_S = Number(args[args.indexOf('--settle') + 1] || 45) || 45;
/** A port the kernel just handed out (a random one could clash with an ephemeral port). */
const PORT = await freePort();
const CONCURRENCY = 200;
const DEADLINE_MS = 10 * 60 * 1000;

const root = fileURLToPath(new URL('..', import.meta.url));
const gannet = join(root, 'dist/src/cli/gannet.js');
const dir = mkdtempSync(join(tmpdir(), 'gannet-bench-'));
const conf = join(dir, 'gannet.conf');
writeFileSync(conf, loopbackConfigText(dir, PORT));

function run(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [gannet, ...argv], { stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gannet ${argv[0]} exited ${code}`))));
  });
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens one connection and walks it to the idle state; resolves with the socket. */
function openSession(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: PORT, host: '127.0.0.1' });
    let buf = '';
    let step = 0;
    s.setEncoding('latin1');
    s.on('error', reject);
    s.on('data', (d: string) => {
      buf += d;
      if (step === 0 && buf.includes('\r\n')) {
        step = 1;
        buf = '';
        s.write('a LOGIN bench secret\r\n');
      } else if (step === 1 && /\r\na OK|^a OK/.test(buf)) {
        buf = '';
        if (!IDLE) return resolve(s);
        step = 2;
        s.write('b SELECT INBOX\r\n');
      } else if (step === 2 && buf.includes('b OK')) {
        step = 3;
        buf = '';
        s.write('c IDLE\r\n');
      } else if (step === 3 && buf.includes('+ idling')) {
        resolve(s);
      } else if (/ (NO|BAD) /.test(buf)) {
        reject(new Error(buf));
      }
    });
  });
}

async function main(): Promise<void> {
  await run(['--config', conf, 'creds', 'create', '--password', 'secret', 'bench']);
  const server = spawn(process.execPath, ['--expose-gc', gannet, '--config', conf, 'run'], { stdio: 'inherit' });
  const started = Date.now();
  try {
    for (let i = 0; i < 100; i++) {
      try {
        (await openSession()).destroy();
        break;
      } catch {
        await sleep(100);
      }
    }
    // Warm up: a few sessions so code paths, the account and caches exist before the baseline.
    const warm = await Promise.all(Array.from({ length: 20 }, () => openSession()));
    for (const s of warm) s.destroy();
    await sleep(1000);
    server.kill('SIGUSR2');
    await sleep(500);
    const before = rssKiB(server.pid!);
    const sockets: Socket[] = [];
    while (sockets.length < N) {
      if (Date.now() - started > DEADLINE_MS) throw new Error('time limit reached');
      const batch = Math.min(CONCURRENCY, N - sockets.length);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => openSession()))));
    }
    const loginMs = Date.now() - started;
    await sleep(SETTLE_S * 1000);
    server.kill('SIGUSR2');
    await sleep(1000);
    const after = rssKiB(server.pid!);
    const perConn = ((after - before) * 1024) / N;
    console.log(
      JSON.stringify({
        connections: N,
        mode: IDLE ? 'selected INBOX + IDLE' : 'authenticated, no mailbox',
        rssBeforeMiB: +(before / 1024).toFixed(1),
        rssAfterMiB: +(after / 1024).toFixed(1),
        bytesPerConnection: Math.round(perConn),
        kibPerConnection: +(perConn / 1024).toFixed(2),
        setupSeconds: +(loginMs / 1000).toFixed(1),
        node: process.version,
      }),
    );
    for (const s of sockets) s.destroy();
  } finally {
    server.kill('SIGTERM');
    await sleep(500);
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
