// Debian's Dovecot 2.3 (packages dovecot-imapd, dovecot-lmtpd) as a real server for side-by-side
// benches: a generated dovecot.conf in a temporary folder, IMAP (and optionally LMTP) on loopback
// ports, no TLS, passwd-file users hashed with the same scheme and cost as Gannet's (argon2id),
// mdbox storage, process limits raised. The whole instance runs as one unprivileged user: the
// caller's, or `nobody` (through setpriv) when the caller is root, since Dovecot refuses to touch
// mail as root. Optionally with the fts-xapian full-text plugin (package dovecot-fts-xapian).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { hashPassword } from '../src/auth/hash.js';
import { cpuSeconds, freePort, greets, memoryUse, processTree, type MemoryUse } from './proc-stats.js';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
export const DOVEADM_BIN = '/usr/bin/doveadm';
const NOBODY = 65534;
/** The plugin module that Debian's `dovecot-fts-xapian` installs. */
export const FTS_XAPIAN_MODULE = '/usr/lib/dovecot/modules/lib21_fts_xapian_plugin.so';

/**
 * fts-xapian set up as its README (github.com/grosjo/fts-xapian, the one the Debian package
 * ships) recommends: the plugins for every protocol (doveadm's own indexing included), header
 * n-grams of 3 to 20 characters, new mail indexed as it is saved (`fts_autoindex`), and a SEARCH
 * that fails rather than falls back to reading every message when the index cannot be used
 * (`fts_enforced`). The indexer workers get no address-space limit, which the README prefers
 * when memory allows. Left out: `fts_decoder` (attachments as text; the bench's attachments are
 * random bytes) and `fts_autoindex_exclude = \Trash` (the bench has no Trash).
 */
export const FTS_XAPIAN_CONFIG = `mail_plugins = $mail_plugins fts fts_xapian
plugin {
  fts = xapian
  fts_xapian = partial=3 full=20
  fts_autoindex = yes
  fts_enforced = yes
}
service indexer-worker {
  vsz_limit = 0
}
`;

export interface DovecotOptions {
  /** name → password; each gets a mailbox home in the temporary folder. */
  users: Record<string, string>;
  /** Also listen for LMTP on a loopback port. */
  lmtp?: boolean;
  /** `imap_hibernate_timeout` (e.g. '5s'): idle IMAP processes hand their connection to imap-hibernate. */
  hibernateTimeout?: string;
  /** Load fts-xapian, configured as `FTS_XAPIAN_CONFIG` (call `ensureFtsXapianInstalled` first). */
  ftsXapian?: boolean;
  /** Extra dovecot.conf lines, appended last. */
  extraConfig?: string;
}

/** `doveadmMeasured` ran out of time (and killed doveadm). */
export class DoveadmTimeout extends Error {}

export interface DoveadmRun {
  stdout: string;
  /** Wall-clock seconds the doveadm process ran. */
  seconds: number;
  /** CPU seconds (user + system) of the doveadm process and any children it waited for. */
  cpuSeconds: number;
}

export interface DovecotServer {
  dir: string;
  port: number;
  /** 0 unless `lmtp` was asked for. */
  lmtpPort: number;
  /** pid of the master process; every Dovecot process descends from it. */
  pid: number;
  /** CPU seconds used so far by all Dovecot processes (exited ones included). */
  cpuSeconds(): number;
  /** RSS and PSS summed over all live Dovecot processes. */
  memory(): MemoryUse;
  /** Runs doveadm against this instance, as its user; resolves with stdout. */
  doveadm(args: string[], input?: Buffer): string;
  /**
   * Like `doveadm`, without blocking, also measuring the process's CPU time: doveadm does not
   * descend from the master, so `cpuSeconds()` never sees it (e.g. `doveadm index` indexing in
   * its own process). With `timeoutMs`, doveadm is killed then and the promise rejects with a
   * `DoveadmTimeout`.
   */
  doveadmMeasured(args: string[], timeoutMs?: number): Promise<DoveadmRun>;
  stop(): Promise<void>;
}

/** Installs the Debian packages when missing (as root only; otherwise says what to install). */
export function ensureDovecotInstalled(lmtp = false): void {
  const want = lmtp && !existsSync('/usr/lib/dovecot/lmtp') ? ['dovecot-imapd', 'dovecot-lmtpd'] : [];
  if (!existsSync('/usr/lib/dovecot/imap')) want.push('dovecot-imapd');
  if (want.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`Dovecot is not installed: apt-get install -y --no-install-recommends ${want.join(' ')}`);
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...new Set(want)], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0) throw new Error(`apt-get install ${want.join(' ')} failed`);
}

/**
 * Installs `dovecot-fts-xapian` when its module is missing and the bench runs as root. Returns
 * null when the plugin is there, otherwise why it is not (for a bench to print and skip it).
 */
export function ensureFtsXapianInstalled(): string | null {
  if (existsSync(FTS_XAPIAN_MODULE)) return null;
  if (process.getuid?.() !== 0)
    return `fts-xapian is not installed (no ${FTS_XAPIAN_MODULE}) and the bench is not root: apt-get install -y --no-install-recommends dovecot-fts-xapian`;
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'dovecot-fts-xapian'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0 || !existsSync(FTS_XAPIAN_MODULE)) return `apt-get install dovecot-fts-xapian failed (exit ${r.status ?? r.signal})`;
  return null;
}

/** The installed package's version (`dpkg-query`), or null when it is not installed. */
export function ftsXapianVersion(): string | null {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'dovecot-fts-xapian'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
}

/**
 * Gannet's stored argon2id hash (`argon2:t:m:p:salt:hash`, maddy's format) rewritten as the PHC
 * string libsodium verifies, so both servers check the very same hash at the same cost.
 */
export function gannetHashToPhc(stored: string): string {
  const [tag, t, m, p, salt, hash] = stored.split(':');
  if (tag !== 'argon2' || hash === undefined) throw new Error(`not an argon2 hash: ${stored.slice(0, 12)}`);
  const strip = (b64: string) => b64.replace(/=+$/, '');
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${strip(salt!)}$${strip(hash)}`;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

async function waitForPort(port: number, ms: number, alive: () => boolean, log: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await greets(port)) return;
    if (!alive() || Date.now() > deadline) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`Dovecot did not start on port ${port}\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startDovecot(opts: DovecotOptions): Promise<DovecotServer> {
  ensureDovecotInstalled(opts.lmtp ?? false);
  if (opts.ftsXapian && !existsSync(FTS_XAPIAN_MODULE)) throw new Error(`fts-xapian asked for, but ${FTS_XAPIAN_MODULE} is missing`);
  const root = process.getuid?.() === 0;
  const uid = root ? NOBODY : process.getuid!();
  const gid = root ? NOBODY : process.getgid!();
  const user = root ? 'nobody' : spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim() || String(uid);
  const group = root ? 'nogroup' : spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim() || String(gid);
  const dir = mkdtempSync(join(tmpdir(), 'gannet-dovecot-bench-'));
  const port = await freePort();
  const lmtpPort = opts.lmtp ? await freePort() : 0;
  const conf = join(dir, 'dovecot.conf');
  const log = join(dir, 'dovecot.log');
  const lines: string[] = [];
  // One hash per distinct password (same cost for every user; hashing a hundred would be slow).
  const hashes = new Map<string, string>();
  for (const [name, password] of Object.entries(opts.users)) {
    if (!hashes.has(password)) hashes.set(password, gannetHashToPhc(await hashPassword(password, 'argon2')));
    const phc = hashes.get(password)!;
    const home = join(dir, 'home', name);
    mkdirSync(home, { recursive: true });
    lines.push(`${name}:{ARGON2ID}${phc}:${uid}:${gid}::${home}::`);
  }
  writeFileSync(join(dir, 'users'), `${lines.join('\n')}\n`);
  const protocols = opts.lmtp ? 'imap lmtp' : 'imap';
  writeFileSync(
    conf,
    `# Generated for a side-by-side bench; one unprivileged user runs every process.
protocols = ${protocols}
listen = 127.0.0.1
instance_name = ${dir.split('/').pop()}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${log}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${user}
default_internal_group = ${group}
default_login_user = ${user}
first_valid_uid = ${uid}
last_valid_uid = ${uid}
first_valid_gid = ${gid}
last_valid_gid = ${gid}
mail_location = mdbox:~/mdbox
mail_fsync = optimized
mail_max_userip_connections = 100000
lmtp_save_to_detail_mailbox = no
# Process limits raised for thousands of connections (Dovecot's defaults are 100/1000).
default_process_limit = 20000
default_client_limit = 20000
default_vsz_limit = 2G
${opts.hibernateTimeout ? `imap_hibernate_timeout = ${opts.hibernateTimeout}` : '# imap_hibernate_timeout off'}

passdb {
  driver = passwd-file
  args = scheme=ARGON2ID ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
}

# Dovecot's "high-performance" login mode: long-lived login processes, one per core, each
# proxying many connections (the default forks a login process per connection).
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  service_count = 0
  process_min_avail = 2
  process_limit = 16
  client_limit = 20000
}
service imap-urlauth-login {
  chroot =
  process_limit = 1
}
service imap {
  process_limit = 20000
}
service imap-hibernate {
  client_limit = 20000
  unix_listener imap-hibernate {
    mode = 0660
  }
}
service anvil {
  chroot =
  client_limit = 20000
}
service auth {
  client_limit = 20000
}
service pop3-login {
  chroot =
}
service submission-login {
  chroot =
}
service lmtp {
  process_limit = 1024
  ${opts.lmtp ? `inet_listener lmtp {\n    address = 127.0.0.1\n    port = ${lmtpPort}\n  }` : ''}
}
${opts.ftsXapian ? FTS_XAPIAN_CONFIG : ''}
${opts.extraConfig ?? ''}
`,
  );
  for (const d of ['run', 'state']) mkdirSync(join(dir, d));
  writeFileSync(log, '');
  if (root) chownTree(dir, uid, gid);
  const asUser = (bin: string, args: string[]): [string, string[]] =>
    root ? ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', bin, ...args]] : [bin, args];
  const [cmd, args] = asUser(DOVECOT_BIN, ['-F', '-c', conf]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitForPort(port, 20_000, () => !exited, log);
  const pid = child.pid!;
  return {
    dir,
    port,
    lmtpPort,
    pid,
    cpuSeconds: () => cpuSeconds(pid),
    memory: () => memoryUse(pid),
    doveadm(argv, input) {
      const [c, a] = asUser(DOVEADM_BIN, ['-c', conf, ...argv]);
      const r = spawnSync(c, a, { input, maxBuffer: 256 << 20 });
      if (r.status !== 0) throw new Error(`doveadm ${argv.join(' ')}: ${r.stderr.toString()}`);
      return r.stdout.toString();
    },
    doveadmMeasured(argv, timeoutMs = 0) {
      const [c, a] = asUser(DOVEADM_BIN, ['-c', conf, ...argv]);
      // A shell runs doveadm (setpriv execs it, so it is the same process), waits for it, and then
      // writes its own /proc stat to fd 3: once waited for, doveadm's CPU time is in the shell's
      // cutime and cstime. Exact, where sampling doveadm's own stat would miss its last moments.
      const script = '"$@"; rc=$?; read -r s < /proc/$$/stat; echo "$s" >&3; exit $rc';
      const t0 = performance.now();
      const sh = spawn('sh', ['-c', script, 'sh', c, ...a], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const stat: Buffer[] = [];
      sh.stdout!.on('data', (b: Buffer) => out.push(b));
      sh.stderr!.on('data', (b: Buffer) => err.push(b));
      (sh.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => stat.push(b));
      return new Promise<DoveadmRun>((resolve, reject) => {
        let timedOut = false;
        const timer =
          timeoutMs > 0
            ? setTimeout(() => {
                timedOut = true;
                for (const p of processTree(sh.pid!)) {
                  try {
                    process.kill(p.pid, 'SIGKILL');
                  } catch {
                    // already gone
                  }
                }
              }, timeoutMs)
            : null;
        sh.once('error', reject);
        sh.once('close', (code) => {
          if (timer) clearTimeout(timer);
          const seconds = (performance.now() - t0) / 1000;
          if (timedOut) return reject(new DoveadmTimeout(`doveadm ${argv.join(' ')}: stopped after ${timeoutMs / 1000} s`));
          if (code !== 0) return reject(new Error(`doveadm ${argv.join(' ')}: ${Buffer.concat(err).toString()}`));
          const line = Buffer.concat(stat).toString();
          // Fields after the command name: state is the first, so cutime (field 16) is f[13], cstime f[14].
          const f = line.slice(line.lastIndexOf(')') + 2).split(' ');
          const ticks = Number(f[13]) + Number(f[14]);
          if (!Number.isFinite(ticks)) return reject(new Error(`doveadm ${argv.join(' ')}: no CPU time read (${line.slice(0, 80)})`));
          resolve({ stdout: Buffer.concat(out).toString(), seconds, cpuSeconds: ticks / 100 });
        });
      });
    },
    async stop() {
      if (!exited) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          for (const p of processTree(pid)) {
            try {
              process.kill(p.pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }, 10_000);
        await done;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
