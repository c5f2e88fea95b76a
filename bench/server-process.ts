// Shared bench plumbing: a compiled Gannet server in its own process on a loopback port,
// with its own state directory, and raw-socket IMAP sessions against it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '../src/auth/hash.js';
import { loopbackConfigText } from '../test/helpers/config-text.js';
import { freePort } from './proc-stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const GANNET_BIN = join(root, 'dist/src/cli/gannet.js');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BenchServer {
  dir: string;
  port: number;
  config: string;
  process: ChildProcess;
  rssKiB(): number;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  /** Global directives put before the loopback configuration (e.g. `hibernate_after 5s`). */
  extraConfig?: string;
  /** Directives of the storage module (e.g. `search_index no`). */
  storageConfig?: string;
  /**
   * Runs once the state directory, the configuration and the users are written, before the
   * server starts: to fill the store directly, closing it before the server opens it.
   */
  prepare?: (config: string) => Promise<void>;
}

export async function startBenchServer(users: Record<string, string>, opts: BenchServerOptions = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gannet-bench-'));
  // A port the kernel just handed out: a random one could be an outgoing connection's
  // ephemeral port (32768–60999 on Linux) and fail with EADDRINUSE.
  const port = await freePort();
  const config = join(dir, 'gannet.conf');
  writeFileSync(
    config,
    `${opts.extraConfig ?? ''}\n${loopbackConfigText(dir, port, `file ${join(dir, 'users.table')}`, opts.storageConfig)}`,
  );
  // Users go in a maddy table file, one hash per distinct password computed here: a hundred
  // `gannet creds create` processes would take longer than most scenarios. The server checks
  // these hashes as it checks any (argon2id, same cost).
  const hashes = new Map<string, string>();
  const lines: string[] = [];
  for (const [user, pass] of Object.entries(users)) {
    if (!hashes.has(pass)) hashes.set(pass, await hashPassword(pass, 'argon2'));
    lines.push(`${user}: ${hashes.get(pass)}`);
  }
  writeFileSync(join(dir, 'users.table'), `${lines.join('\n')}\n`);
  await opts.prepare?.(config);
  // GANNET_BENCH_NODE_OPTIONS adds Node flags to the server alone (e.g. `--cpu-prof --cpu-prof-dir=DIR`).
  const extra = (process.env['GANNET_BENCH_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--expose-gc', ...extra, GANNET_BIN, '--config', config, 'run'], { stdio: 'inherit' });
  for (let i = 0; i < 100; i++) {
    try {
      const s = await Session.open(port);
      s.close();
      break;
    } catch {
      await sleep(100);
    }
  }
  return {
    dir,
    port,
    config,
    process: child,
    rssKiB() {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw IMAP session: send a tagged command, await its tagged reply. */
export class Session {
  #socket: Socket;
  #buf = '';
  #wait: (() => void) | null = null;
  #n = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.#buf += d;
      this.#wait?.();
    });
  }

  static open(port: number): Promise<Session> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('error', reject);
      const session = new Session(s);
      session
        .#until(() => session.#buf.includes('\r\n'))
        .then(() => {
          session.#buf = '';
          resolve(session);
        }, reject);
    });
  }

  async #until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((r) => (this.#wait = r));
  }

  /** Sends `command` (may contain literals with LITERAL+); resolves with the whole reply text. */
  async run(command: string | Buffer): Promise<string> {
    const tag = `t${++this.#n}`;
    const prefix = `${tag} `;
    this.#socket.write(
      typeof command === 'string' ? `${prefix}${command}\r\n` : Buffer.concat([Buffer.from(prefix), command, Buffer.from('\r\n')]),
    );
    let end = -1;
    await this.#until(() => {
      const i = this.#buf.indexOf(`\r\n${tag} `);
      const at = this.#buf.startsWith(prefix) ? 0 : i >= 0 ? i + 2 : -1;
      if (at < 0) return false;
      end = this.#buf.indexOf('\r\n', at);
      return end >= 0;
    });
    const reply = this.#buf.slice(0, end + 2);
    this.#buf = this.#buf.slice(end + 2);
    if (!new RegExp(`(^|\\r\\n)${tag} OK`).test(reply)) throw new Error(`${command.toString().slice(0, 60)} → ${reply.slice(-200)}`);
    return reply;
  }

  close(): void {
    this.#socket.destroy();
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
