// The idle scenario, Gannet and Dovecot side by side: N clients log in, SELECT INBOX, enter
// IDLE and stay. Measured, one server at a time:
//   - server memory per connection: RSS and PSS growth over all server processes / N, after
//     the connections rested past hibernation (Gannet: 30 s plus a 10 s sweep);
//   - new-mail fan-out: a message is APPENDed to INBOX over another connection, and for every
//     IDLE client the time from just before the APPEND is written until it has read
//     `* n EXISTS` (p50 / p99 / max); every client must see it. Done RUNS times.
// Servers: Gannet; Dovecot as dovecot-server.ts configures it; and that Dovecot with
// imap_hibernate_timeout, so that idle IMAP processes hand their client to imap-hibernate.
// The clients live in child processes (idle-clients.ts), at most a few thousand sockets each.
// Loopback only; connection setup and every wait are bounded in time.
//
//   npm run build && node --import tsx bench/idle.ts [--quick] [--n N] [--dovecot-n N] [--settle S]
//       [--servers gannet,dovecot,dovecot-hibernate] [--raise-inotify] [--json FILE]

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDovecot } from './dovecot-server.js';
import { ClientPool, sharedClock } from './idle-pool.js';
import { machineInfo } from './machine.js';
import { latency, mainTable, ratioTable, runsTable, type Result } from './idle-report.js';
import { cpuSeconds, memoryUse, openFilesLimit, processTree, type MemoryUse } from './proc-stats.js';
import { Session, sleep, startBenchServer } from './server-process.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const QUICK = args.includes('--quick');
const N = Number(opt('--n') ?? (QUICK ? 500 : 15_000));
/** Dovecot without hibernation forks one imap process per connection: its N may be capped. */
const DOVECOT_N = Number(opt('--dovecot-n') ?? N);
/**
 * Gannet's `hibernate_after`: its default (30 s) in full runs; in quick runs as short as
 * Dovecot's imap_hibernate_timeout, so both hibernate within a short settle.
 */
const GANNET_HIBERNATE_S = QUICK ? 5 : 30;
/**
 * Seconds the connections rest before memory is read: past Gannet's hibernation threshold
 * (GANNET_HIBERNATE_S plus one sweep, at most 10 s) and far past Dovecot's (HIBERNATE_TIMEOUT_S).
 */
const SETTLE_S = Number(opt('--settle') ?? (QUICK ? 12 : 45));
const SERVER_NAMES = ['gannet', 'dovecot', 'dovecot-hibernate'] as const;
type ServerName = (typeof SERVER_NAMES)[number];
/** Quick runs leave out Dovecot without hibernation: one process per connection takes long to start. */
const SERVERS = (opt('--servers') ?? (QUICK ? 'gannet,dovecot-hibernate' : SERVER_NAMES.join(',')))
  .split(',')
  .filter(Boolean) as ServerName[];
const USER = 'bench';
const PASSWORD = 'secret';
/** Dovecot's imap_hibernate_timeout for the hibernating variant: well inside the settle time. */
const HIBERNATE_TIMEOUT_S = 5;
/**
 * Hibernated clients per imap-hibernate process. Each holds two descriptors there (the client's
 * socket and its inotify instance), so dovecot-server.ts's 20,000 would need 40,000 open files
 * in one process; at 5,000 the master starts another imap-hibernate process as needed.
 */
const HIBERNATE_CLIENT_LIMIT = 5000;
/** Sockets per client process: well under the 20,000 open files a process may have here. */
const SOCKETS_PER_PROCESS = 4000;
/** Handshakes (connect, LOGIN, SELECT, IDLE) in flight per client process. */
const CONCURRENCY = 200;
/** Opening all N connections must finish within this, or the server's turn fails. */
const OPEN_DEADLINE_MS = 10 * 60 * 1000;
/** Bound on the small steps: client processes starting, the warm-up sessions. */
const STEP_DEADLINE_MS = 60 * 1000;
/** Sessions opened and closed before the baseline, so code paths, the account and caches exist. */
const WARM_UP = 20;
/**
 * Rest after the warm-up before the baseline is read: Dovecot's imap processes of the warm-up
 * sessions exit, and Node gives memory back a few seconds after activity stops (Gannet's RSS
 * was seen to drop some 9 MiB between 3 and 6 s after the warm-up, then stay).
 */
const BASELINE_REST_MS = QUICK ? 6_000 : 10_000;
/** APPENDs, each fanned out to every IDLE client. */
const RUNS = QUICK ? 2 : 3;
/** Pause between APPENDs; longer when woken processes must settle back (see settleBack). */
const RUN_GAP_MS = 2000;
/**
 * How long every client has to see the new EXISTS. Longer than Dovecot's 30 s
 * mailbox_idle_check_interval, so an IDLE process that polls (no inotify instance left, see
 * the README) is still counted and shows up in the latencies instead of failing the run.
 */
const EXISTS_WAIT_MS = 45_000;
/** Open files Gannet needs beyond one per connection (listener, LMDB, logs, workers). */
const OPEN_FILES_MARGIN = 256;
/**
 * Dovecot needs an inotify instance per IDLE connection: each imap process in IDLE holds one,
 * and hibernation hands one per client to imap-hibernate (taking a new one to do so). Past
 * fs.inotify.max_user_instances (128 by default) an IDLE process polls the mailbox every
 * mailbox_idle_check_interval (30 s) and cannot hibernate. --raise-inotify (as root) raises
 * the limit to 2 N + INOTIFY_HEADROOM for the run (hibernated clients' instances and the woken
 * processes' new ones overlap) and puts the old value back at the end.
 */
const RAISE_INOTIFY = args.includes('--raise-inotify');
const INOTIFY_LIMIT = '/proc/sys/fs/inotify/max_user_instances';
const INOTIFY_HEADROOM = 1024;

const here = dirname(fileURLToPath(import.meta.url));
const jsonOut =
  opt('--json') ?? join(here, 'results', `idle-${QUICK ? 'quick-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);

const LABELS: Record<ServerName, string> = {
  gannet: 'Gannet',
  dovecot: 'Dovecot',
  'dovecot-hibernate': `Dovecot, imap_hibernate_timeout ${HIBERNATE_TIMEOUT_S}s`,
};

/** A running server, whatever its kind. */
interface Target {
  port: number;
  /** Root of the server's process tree (Gannet: its only process). */
  pid: number;
  /** Gannet (run with --expose-gc) collects garbage on SIGUSR2, so RSS shows live data. */
  collectGarbage(): Promise<void>;
  /** Warning and error lines from the server's log (Dovecot), numbers masked. */
  logProblems(): string[];
  stop(): Promise<void>;
}

async function startTarget(name: ServerName): Promise<Target> {
  if (name === 'gannet') {
    const s = await startBenchServer({ [USER]: PASSWORD }, { extraConfig: `hibernate_after ${GANNET_HIBERNATE_S}s` });
    const pid = s.process.pid!;
    return {
      port: s.port,
      pid,
      async collectGarbage() {
        process.kill(pid, 'SIGUSR2');
        await sleep(1000);
      },
      logProblems: () => [],
      stop: () => s.stop(),
    };
  }
  const hibernate = {
    hibernateTimeout: `${HIBERNATE_TIMEOUT_S}s`,
    extraConfig: `service imap-hibernate {\n  client_limit = ${HIBERNATE_CLIENT_LIMIT}\n}\n`,
  };
  const d = await startDovecot({ users: { [USER]: PASSWORD }, ...(name === 'dovecot-hibernate' ? hibernate : {}) });
  return {
    port: d.port,
    pid: d.pid,
    collectGarbage: async () => {},
    logProblems() {
      const log = join(d.dir, 'dovecot.log');
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      // From "<date> <process>: Warning: text" keep "Warning: text", numbers as N, so alike lines group.
      return text.split('\n').flatMap((l) => /\b(?:Warning|Error|Fatal|Panic):.*/.exec(l)?.[0].replace(/\d+/g, 'N') ?? []);
    },
    stop: () => d.stop(),
  };
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms / 1000} s`)), ms)),
  );
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const appendCommand = (run: number): Buffer => {
  const msg = Buffer.from(
    `From: bench@example.test\r\nTo: bench@example.test\r\nSubject: idle bench, new mail ${run}\r\n` +
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}\r\nMessage-ID: <idle-${run}-${Date.now()}@example.test>\r\n\r\n` +
      'New mail for every IDLE client.\r\n',
  );
  // LITERAL+: the whole command goes out in one write, so the time origin is one moment.
  return Buffer.concat([Buffer.from(`APPEND INBOX {${msg.length}+}\r\n`), msg]);
};

/**
 * Before the next APPEND: wait until the server has as few processes as before the first
 * (Dovecot with hibernation forks an imap process for every woken client; they go back to
 * imap-hibernate after its timeout), so each run starts from the same resting state. Bounded.
 */
async function settleBack(pid: number, processes: number): Promise<void> {
  await sleep(RUN_GAP_MS);
  const deadline = Date.now() + 60_000;
  while (processTree(pid).length > processes && Date.now() < deadline) await sleep(1000);
}

/**
 * APPENDs RUNS times and times the EXISTS fan-out. A client that did not see it fails Gannet's
 * turn (a bug of ours); for Dovecot it is a result (its hibernation at large N cannot wake every
 * client in time): recorded, reported as a shortfall, and the remaining runs are skipped.
 */
async function fanOut(t: Target, pool: ClientPool, result: Result): Promise<void> {
  const s = await Session.open(t.port);
  try {
    await s.run(`LOGIN ${USER} ${PASSWORD}`);
    const restingProcesses = processTree(t.pid).length;
    for (let run = 1; run <= RUNS; run++) {
      if (run > 1) await settleBack(t.pid, restingProcesses);
      const status = /MESSAGES (\d+)/.exec(await s.run('STATUS INBOX (MESSAGES)'));
      if (!status) throw new Error('no MESSAGES in the STATUS reply');
      const exists = Number(status[1]) + 1;
      const processesBefore = processTree(t.pid).length;
      await pool.arm(exists);
      const cpu0 = cpuSeconds(t.pid);
      const t0 = sharedClock();
      await s.run(appendCommand(run));
      const appendMs = sharedClock() - t0;
      const seen = await pool.collect(t0 + EXISTS_WAIT_MS);
      const cpu = cpuSeconds(t.pid) - cpu0;
      result.runs.push({
        exists,
        seen: seen.times.length,
        missing: seen.missing,
        closed: seen.closed,
        processesBefore,
        appendMs,
        cpuSeconds: cpu,
        latencyMs: latency(seen.times.map((x) => x - t0)),
      });
      process.stderr.write(`  run ${run}: ${seen.times.length}/${result.n} saw * ${exists} EXISTS\n`);
      if (seen.missing > 0) {
        const text = `${seen.missing} of ${result.n} IDLE clients did not see * ${exists} EXISTS within ${EXISTS_WAIT_MS / 1000} s (${seen.closed} connections closed)`;
        if (result.server === 'gannet') throw new Error(text);
        result.shortfall = text;
        return;
      }
    }
  } finally {
    s.close();
  }
}

/** One server's turn: start it, warm up, baseline, open n IDLE clients, rest, measure, stop. */
async function measure(name: ServerName, n: number): Promise<Result> {
  const result: Result = { server: name, label: LABELS[name], n, runs: [], logProblems: [] };
  process.stderr.write(`${LABELS[name]}: ${n} IDLE connections\n`);
  let t: Target | null = null;
  let pool: ClientPool | null = null;
  try {
    t = await startTarget(name);
    if (name === 'gannet') {
      // Gannet holds every connection in one process: its soft limit must allow n sockets.
      // (Node raises its soft limit to the hard one at start; checked, not assumed.)
      result.openFiles = openFilesLimit(t.pid);
      if (result.openFiles.soft < n + OPEN_FILES_MARGIN)
        throw new Error(`Gannet may open ${result.openFiles.soft} files, too few for ${n} connections (raise ulimit -n)`);
    }
    pool = await ClientPool.start(Math.max(1, Math.ceil(n / SOCKETS_PER_PROCESS)), STEP_DEADLINE_MS);
    const opts = { concurrency: CONCURRENCY, user: USER, password: PASSWORD };
    await withDeadline(pool.open(t.port, WARM_UP, opts), STEP_DEADLINE_MS, 'warm-up');
    await pool.drop();
    await sleep(BASELINE_REST_MS);
    await t.collectGarbage();
    result.before = memoryUse(t.pid);
    const t0 = Date.now();
    const opened = await withDeadline(pool.open(t.port, n, opts), OPEN_DEADLINE_MS, `opening ${n} connections`);
    result.setupSeconds = (Date.now() - t0) / 1000;
    if (opened !== n) throw new Error(`${opened} connections open, ${n} wanted`);
    process.stderr.write(`  ${n} IDLE after ${result.setupSeconds.toFixed(1)} s; resting ${SETTLE_S} s\n`);
    await sleep(SETTLE_S * 1000);
    result.afterUncollected = memoryUse(t.pid);
    await t.collectGarbage();
    result.after = memoryUse(t.pid);
    const per = (k: keyof MemoryUse) => (result.after![k] - result.before![k]) / n;
    result.kibPerConnection = { rss: per('rssKiB'), pss: per('pssKiB'), anon: per('anonKiB') };
    await fanOut(t, pool, result);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    process.stderr.write(`  ${LABELS[name]} FAILED: ${result.error}\n`);
  } finally {
    await pool?.close();
    if (t) {
      const counts = new Map<string, number>();
      for (const line of t.logProblems()) counts.set(line, (counts.get(line) ?? 0) + 1);
      result.logProblems = [...counts].map(([line, count]) => ({ count, line })).sort((a, b) => b.count - a.count);
      await t.stop();
    }
  }
  return result;
}

function inotifyInstances(): number {
  try {
    return Number(readFileSync(INOTIFY_LIMIT, 'utf8').trim());
  } catch {
    return NaN;
  }
}

/** With --raise-inotify, raises the per-user inotify limit for Dovecot; returns how to put it back. */
function raiseInotify(wanted: number): () => void {
  const old = inotifyInstances();
  if (!RAISE_INOTIFY || !(old < wanted)) return () => {};
  writeFileSync(INOTIFY_LIMIT, String(wanted));
  process.stderr.write(`fs.inotify.max_user_instances raised from ${old} to ${wanted} for this run\n`);
  const restore = () => writeFileSync(INOTIFY_LIMIT, String(old));
  // A machine-wide setting: put back even when the run is interrupted.
  const interrupted = () => {
    restore();
    process.exit(130);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  return () => {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    restore();
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const unknown = SERVERS.filter((s) => !SERVER_NAMES.includes(s));
  if (unknown.length > 0) throw new Error(`unknown server ${unknown.join(', ')}; choose from ${SERVER_NAMES.join(', ')}`);
  if (!(N > 0) || !(DOVECOT_N > 0) || !(SETTLE_S >= 0)) throw new Error('--n, --dovecot-n and --settle take positive numbers');
  const dovecotRuns = SERVERS.some((s) => s !== 'gannet');
  const inotifyWanted = 2 * DOVECOT_N + INOTIFY_HEADROOM;
  const restoreInotify = dovecotRuns ? raiseInotify(inotifyWanted) : () => {};
  const inotify = inotifyInstances();
  const notes: string[] = [];
  const gannetRest = GANNET_HIBERNATE_S + Math.min(10, GANNET_HIBERNATE_S);
  if (SERVERS.includes('gannet') && SETTLE_S < gannetRest)
    notes.push(
      `settle ${SETTLE_S} s is shorter than Gannet's hibernation (hibernate_after ${GANNET_HIBERNATE_S}s plus one sweep): some connections may not hibernate`,
    );
  if (dovecotRuns && inotify < inotifyWanted) {
    notes.push(
      `fs.inotify.max_user_instances is ${inotify}, below ${inotifyWanted} for ${DOVECOT_N} Dovecot IDLE connections: IDLE processes past the limit poll the mailbox ` +
        'every 30 s instead of being notified, and cannot hibernate; run with --raise-inotify (as root) or raise it by hand',
    );
  }
  for (const n of notes) process.stderr.write(`note: ${n}\n`);

  const results: Result[] = [];
  try {
    for (const name of SERVERS) results.push(await measure(name, name === 'gannet' ? N : DOVECOT_N));
  } finally {
    restoreInotify();
  }

  const machine = {
    ...machineInfo(dovecotRuns),
    openFiles: openFilesLimit(process.pid),
    inotifyMaxUserInstances: inotify,
  };
  const gannetFiles = results.find((r) => r.openFiles)?.openFiles?.soft;
  const lines = [
    `idle: N IDLE clients per server (LOGIN, SELECT INBOX, IDLE), resting ${SETTLE_S} s before memory is read; ${RUNS} APPENDs fanned out as * n EXISTS`,
    `${machine.cores} cores, node ${machine.node}, Dovecot ${machine.dovecot}; open files: ${machine.openFiles.soft} here, ${gannetFiles ?? '–'} for Gannet; ` +
      `fs.inotify.max_user_instances ${inotify}`,
    'Per-connection figures (KiB/conn, and the ratios per connection) compare runs with different N; latencies and fan-out CPU grow with N and compare directly only at equal N.',
    "EXISTS latency: from just before the APPEND is written until each client has read * n EXISTS; median over the runs of each run's p50 / p99 / max.",
    ...notes.map((n) => `Note: ${n}.`),
    '',
    ...mainTable(results),
    '',
    ...runsTable(results),
    '',
    ...ratioTable(results),
  ];
  for (const r of results) {
    if (r.error) lines.push('', `${r.label} FAILED: ${r.error}`);
    if (r.shortfall) lines.push('', `${r.label}: ${r.shortfall}; later runs skipped`);
    if (r.logProblems.length > 0)
      lines.push('', `${r.label}, its log:`, ...r.logProblems.slice(0, 3).map((p) => `  ${p.count} × ${p.line}`));
  }
  console.log(`\n${lines.join('\n')}`);
  mkdirSync(dirname(jsonOut), { recursive: true });
  const config = {
    n: N,
    dovecotN: DOVECOT_N,
    settleSeconds: SETTLE_S,
    runs: RUNS,
    existsWaitMs: EXISTS_WAIT_MS,
    dovecotHibernateTimeoutSeconds: HIBERNATE_TIMEOUT_S,
    dovecotHibernateClientLimit: HIBERNATE_CLIENT_LIMIT,
    socketsPerClientProcess: SOCKETS_PER_PROCESS,
    handshakesInFlightPerClientProcess: CONCURRENCY,
  };
  writeFileSync(
    jsonOut,
    `${JSON.stringify({ bench: 'idle', date: new Date().toISOString(), quick: QUICK, config, seconds: (Date.now() - started) / 1000, machine, notes, results }, null, 2)}\n`,
  );
  console.log(`\nJSON: ${jsonOut}`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
