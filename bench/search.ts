// SEARCH over one large INBOX, three servers side by side in one run: Gannet, Dovecot without a
// full-text plugin (as Debian ships it, as fetch-search runs it) and Dovecot with fts-xapian
// (Debian's dovecot-fts-xapian, configured as its README recommends; see FTS_XAPIAN_CONFIG in
// dovecot-server.ts). Each server gets the same seeded messages over IMAP (imap-fill.ts), one
// server at a time; then, per server:
//
//   1. Dovecot+xapian only: the bench waits for the indexer workers that fts_autoindex set to
//      work during the fill to go idle, then runs `doveadm index -u bench INBOX` (without -q: it
//      indexes what is left in its own process and returns when the index is complete), so no
//      SEARCH is timed against a partial index. Both within --index-timeout, or Dovecot+xapian
//      is left out with the reason printed (fts-xapian 1.5.5 indexes these messages slowly).
//   2. The bench waits until the server's processes use no CPU (background work after the fill),
//      then reads its RSS idle.
//   3. The first run of every key that reads no flags, on a session that has INBOX examined.
//   4. \Seen is made the same on every server: cleared on every message, then set on the messages
//      the generator made first (half of them). The fill's parallel APPENDs give each server its
//      own UID order, so `UID STORE 1:half` would mark different messages on each; the UIDs of
//      those messages are read from each server's Message-IDs (FETCH ENVELOPE). Then the first
//      run of UNSEEN and of the combined key.
// Then every key RUNS more times, the servers taking turns, and the median is reported. Last,
// Gannet is restarted (same state directory) and every key runs once more: the first SEARCH of
// a fresh process (its files are still in the kernel's page cache).
//
// Match sets are compared through the Message-IDs: Gannet and Dovecot must find the very same
// messages (else the bench fails); Dovecot+xapian matches indexed terms (words and n-grams of
// at least 3 characters), not substrings, so its differences are printed and not failed on.
//
//   npm run build && node --import tsx bench/search.ts [--quick] [--messages N] [--runs 3]
//       [--seed 4] [--servers gannet,dovecot,xapian] [--index-timeout S] [--no-restart] [--json FILE]

import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

import {
  DoveadmTimeout,
  ensureDovecotInstalled,
  ensureFtsXapianInstalled,
  FTS_XAPIAN_CONFIG,
  ftsXapianVersion,
  startDovecot,
  type DoveadmRun,
  type DovecotServer,
} from './dovecot-server.js';
import { MARKERS } from './fixtures/messages.js';
import { BENCH_PASSWORD, BENCH_USER, fillInbox, loginStream, type FillResult, type ServerName, type Target } from './imap-fill.js';
import { StreamClient } from './imap-stream.js';
import { machineInfo } from './machine.js';
import { cpuSeconds, greets, memoryUse, type MemoryUse } from './proc-stats.js';
import { flag, option, resultPath, runScenario, writeResult } from './scenario.js';
import { GANNET_BIN, median, sleep, startBenchServer } from './server-process.js';

const QUICK = flag('--quick');
const MESSAGES = Number(option('--messages') ?? (QUICK ? 2_000 : 100_000));
const RUNS = Number(option('--runs') ?? 3);
const SEED = Number(option('--seed') ?? 4);
const SERVERS = (option('--servers') ?? 'gannet,dovecot,xapian').split(',');
const RESTART = !flag('--no-restart');
/**
 * How long Dovecot+xapian may take to finish indexing after the fill before it is left out (with
 * the reason printed). fts-xapian 1.5.5 (Debian 12) spends about 0.36 CPU s on each of these
 * messages (README): 2,000 take 13 minutes, 100,000 would take ten hours, which no default waits.
 */
const INDEX_TIMEOUT = Number(option('--index-timeout') ?? (QUICK ? 1_800 : 3_600));
const jsonOut = option('--json') ?? resultPath('search', QUICK);

/** Messages the generator made first (index below this) get \Seen; the rest are unseen. */
const SEEN = Math.floor(MESSAGES / 2);
/** The generator spreads INTERNALDATE evenly over 2020-2024: about half the mailbox is since this. */
const SINCE = '1-Jul-2022';
/**
 * From addresses are user0..user499 at example.org, .com or .net, so this is in about 1 in 300
 * From fields: its own, and as a substring user142@, user242@, … (SEARCH matches substrings).
 */
const FROM = 'user42@example.org';
/** UID STORE sets are sent in pieces of this many ranges, well under any server's line limit. */
const STORE_RANGES = 500;

interface Key {
  /** The search key, as sent after `UID SEARCH`. */
  key: string;
  /** Whether it reads flags, so that its first run waits for the \Seen setup. */
  flags: boolean;
  /** How many messages the generator put there, when it knows. */
  expect: number | null;
}

function keys(counts: FillResult['counts']): Key[] {
  return [
    { key: `BODY ${MARKERS.rare}`, flags: false, expect: counts.rare },
    { key: `TEXT ${MARKERS.rare}`, flags: false, expect: counts.rare },
    { key: `BODY ${MARKERS.common}`, flags: false, expect: null },
    { key: `TEXT ${MARKERS.common}`, flags: false, expect: null },
    { key: `FROM ${FROM}`, flags: false, expect: null },
    { key: `SUBJECT ${MARKERS.subject}`, flags: false, expect: counts.subject },
    { key: `SINCE ${SINCE}`, flags: false, expect: null },
    { key: 'UNSEEN', flags: true, expect: MESSAGES - SEEN },
    // Cheap keys with a body scan and an OR of two header keys: a server that checks flags and
    // dates first reads only the bodies of the messages left.
    { key: `UNSEEN SINCE ${SINCE} BODY ${MARKERS.common} OR FROM ${FROM} SUBJECT ${MARKERS.subject}`, flags: true, expect: null },
  ];
}

interface Server extends Target {
  /** Stops the process and starts a new one on the same state (Gannet only). */
  restart?: () => Promise<void>;
  /** The Dovecot instance, for doveadm. */
  dovecot?: DovecotServer;
}

/**
 * Gannet as startGannetTarget starts it, plus a restart: the same command line as
 * server-process.ts on the same configuration and state directory. BenchServer.stop() waits
 * for the first process's exit, so after a restart this stops the process it started itself.
 */
async function startGannet(): Promise<Server> {
  const s = await startBenchServer({ [BENCH_USER]: BENCH_PASSWORD });
  let child: ChildProcess = s.process;
  const exit = (c: ChildProcess): Promise<void> =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));
  return {
    name: 'Gannet',
    port: s.port,
    cpu: () => cpuSeconds(child.pid!),
    memory: () => memoryUse(child.pid!),
    async restart() {
      child.kill('SIGTERM');
      await exit(child);
      const extra = (process.env['GANNET_BENCH_NODE_OPTIONS'] ?? '').split(' ').filter(Boolean);
      child = spawn(process.execPath, ['--expose-gc', ...extra, GANNET_BIN, '--config', s.config, 'run'], { stdio: 'inherit' });
      const deadline = Date.now() + 60_000;
      while (!(await greets(s.port))) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error('Gannet did not come back after the restart');
        await sleep(100);
      }
    },
    async stop() {
      if (child === s.process) return s.stop();
      child.kill('SIGTERM');
      await exit(child);
      rmSync(s.dir, { recursive: true, force: true });
    },
  };
}

async function startDovecotServer(name: ServerName, ftsXapian: boolean): Promise<Server> {
  const d = await startDovecot({ users: { [BENCH_USER]: BENCH_PASSWORD }, ftsXapian });
  return { name, port: d.port, cpu: () => d.cpuSeconds(), memory: () => d.memory(), stop: () => d.stop(), dovecot: d };
}

/**
 * Waits until the server's processes have used at most one clock tick per half second for two
 * seconds: work a server does after the fill (an index built in the background, Dovecot's
 * indexer workers) must not run into the first SEARCH. Gives up after `limit` seconds. The
 * seconds returned include the two quiet seconds it takes to tell.
 */
async function settle(s: Server, limit = 900): Promise<{ seconds: number; idle: boolean }> {
  const t0 = performance.now();
  let last = s.cpu();
  for (let quiet = 0; quiet < 4;) {
    await sleep(500);
    const now = s.cpu();
    quiet = now - last <= 0.011 ? quiet + 1 : 0;
    last = now;
    if (performance.now() - t0 > limit * 1000) return { seconds: (performance.now() - t0) / 1000, idle: false };
  }
  return { seconds: (performance.now() - t0) / 1000, idle: true };
}

/** `settle`, going on (with a word on stderr) when the server is still busy after 15 minutes. */
async function settled(s: Server): Promise<number> {
  const r = await settle(s);
  if (!r.idle) process.stderr.write(`${s.name}: still busy after ${fmt(r.seconds)} s; going on\n`);
  return r.seconds;
}

/** The highest RSS and anonymous memory seen per label, sampled every 250 ms for the server searched. */
class PeakMemory {
  readonly peaks = new Map<string, { rssKiB: number; anonKiB: number; samples: number }>();
  #active: { label: string; s: Server } | null = null;
  #timer = setInterval(() => {
    if (this.#active) this.sample(this.#active.label, this.#active.s);
  }, 250);

  watch(label: string, s: Server): void {
    this.#active = { label, s };
    this.sample(label, s);
  }

  sample(label: string, s: Server): void {
    const m = s.memory();
    const p = this.peaks.get(label) ?? { rssKiB: 0, anonKiB: 0, samples: 0 };
    this.peaks.set(label, { rssKiB: Math.max(p.rssKiB, m.rssKiB), anonKiB: Math.max(p.anonKiB, m.anonKiB), samples: p.samples + 1 });
  }

  stop(): void {
    this.#active = null;
    clearInterval(this.#timer);
  }
}

interface Run {
  seconds: number;
  /** Server CPU seconds (all its processes) during the SEARCH. */
  cpu: number;
  count: number;
}

function searchUids(untagged: string[]): number[] {
  const line = untagged.find((l) => l.startsWith('* SEARCH'));
  if (line === undefined) throw new Error(`no SEARCH response: ${untagged.join(' | ').slice(0, 200)}`);
  return line
    .slice(8)
    .split(' ')
    .filter((w) => /^\d+$/.test(w))
    .map(Number);
}

async function timedSearch(s: Server, c: StreamClient, key: string, peaks: PeakMemory, label: string): Promise<Run & { uids: number[] }> {
  const cpu0 = s.cpu();
  const t0 = performance.now();
  const r = await c.ok(`UID SEARCH ${key}`);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = s.cpu() - cpu0;
  peaks.sample(label, s);
  const uids = searchUids(r.untagged);
  return { seconds, cpu, count: uids.length, uids };
}

/** Ascending numbers → the shortest sequence-set pieces (`1:3,7`), at most `per` ranges each. */
function sequenceSets(sorted: number[], per: number): string[] {
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  const out: string[] = [];
  for (let i = 0; i < ranges.length; i += per) out.push(ranges.slice(i, i + per).join(','));
  return out;
}

interface SeenSetup {
  /** UID → the generator's index of that message (from its Message-ID `<index.n@bench.example.org>`). */
  indexOf: Map<number, number>;
  mapSeconds: number;
  storeSeconds: number;
  storeRanges: number;
}

/**
 * Reads which message every UID holds (FETCH ENVELOPE, Message-ID), clears \Seen everywhere and
 * sets it on the generator's first SEEN messages, on a session of its own.
 */
async function setupSeen(s: Server): Promise<SeenSetup> {
  const c = await StreamClient.open(s.port, '127.0.0.1', { keepFetchText: true });
  await c.ok(`LOGIN ${BENCH_USER} ${BENCH_PASSWORD}`);
  await c.ok('SELECT INBOX');
  let t0 = performance.now();
  const r = await c.ok('UID FETCH 1:* (UID ENVELOPE)');
  const mapSeconds = (performance.now() - t0) / 1000;
  const indexOf = new Map<number, number>();
  for (const line of r.fetchText) {
    const uid = /[( ]UID (\d+)/.exec(line);
    const id = /<(\d+)\.\d+@bench\.example\.org>/.exec(line);
    if (!uid || !id) throw new Error(`${s.name}: FETCH response without UID or the bench's Message-ID: ${line.slice(0, 200)}`);
    indexOf.set(Number(uid[1]), Number(id[1]));
  }
  if (indexOf.size !== MESSAGES || new Set(indexOf.values()).size !== MESSAGES)
    throw new Error(`${s.name}: ${indexOf.size} UIDs mapped to ${new Set(indexOf.values()).size} Message-IDs, ${MESSAGES} expected`);
  const seen = [...indexOf]
    .filter(([, i]) => i < SEEN)
    .map(([u]) => u)
    .sort((a, b) => a - b);
  const sets = sequenceSets(seen, STORE_RANGES);
  t0 = performance.now();
  await c.ok('UID STORE 1:* -FLAGS.SILENT (\\Seen)');
  for (const set of sets) await c.ok(`UID STORE ${set} +FLAGS.SILENT (\\Seen)`);
  const storeSeconds = (performance.now() - t0) / 1000;
  await c.ok('LOGOUT').catch(() => {});
  c.close();
  return { indexOf, mapSeconds, storeSeconds, storeRanges: sets.reduce((n, set) => n + set.split(',').length, 0) };
}

/** Dovecot+xapian: how its index was made complete after the fill. */
interface IndexStep {
  how: string;
  /** Until the indexer workers (fts_autoindex) went idle, and their CPU seconds meanwhile. */
  autoindexSeconds: number;
  autoindexCpu: number;
  /** `doveadm index` run then, to be sure nothing was left. */
  doveadm: DoveadmRun;
  /** From the end of the fill to doveadm's return. */
  seconds: number;
}

interface ServerState {
  s: Server;
  fill: FillResult;
  index: IndexStep | null;
  settleSeconds: number[];
  memoryIdle: MemoryUse;
  seen: SeenSetup | null;
  session: StreamClient | null;
}

interface KeyResult {
  key: Key;
  first: Map<ServerName, Run>;
  runs: Map<ServerName, Run[]>;
  afterRestart: Run | null;
  /** The generator indexes the first run found, per server, ascending. */
  found: Map<ServerName, number[]>;
  /** UIDs of the first run, until the UID → index map is read. */
  uids: Map<ServerName, number[]>;
}

function fmt(x: number): string {
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

const fmtInt = (x: number): string => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const started = Date.now();
  const servers: Server[] = [];
  const skipped: Record<string, string> = {};
  const states = new Map<ServerName, ServerState>();
  const peaks = new PeakMemory();
  let results: KeyResult[] = [];
  const failures: string[] = [];
  const notes: string[] = [];
  const restartInfo: Record<string, unknown> = {};
  try {
    for (const name of SERVERS) {
      if (name === 'gannet') servers.push(await startGannet());
      else if (name === 'dovecot') servers.push(await startDovecotServer('Dovecot', false));
      else if (name === 'xapian') {
        ensureDovecotInstalled();
        const why = ensureFtsXapianInstalled();
        if (why !== null) {
          skipped['Dovecot+xapian'] = why;
          process.stderr.write(`Dovecot+xapian skipped: ${why}\n`);
          continue;
        }
        try {
          servers.push(await startDovecotServer('Dovecot+xapian', true));
        } catch (err) {
          skipped['Dovecot+xapian'] = `did not start: ${String(err)}`;
          process.stderr.write(`Dovecot+xapian skipped, it did not start: ${String(err)}\n`);
        }
      } else throw new Error(`unknown server ${name} (gannet, dovecot, xapian)`);
    }

    // Per server: fill, index (xapian), settle, idle memory, first runs, \Seen, first flag runs.
    for (const s of [...servers]) {
      process.stderr.write(`filling ${s.name} with ${MESSAGES} messages…\n`);
      const fill = await fillInbox(s, MESSAGES, SEED);
      if (results.length === 0)
        results = keys(fill.counts).map((key) => ({
          key,
          first: new Map(),
          runs: new Map(),
          afterRestart: null,
          found: new Map(),
          uids: new Map(),
        }));
      let index: IndexStep | null = null;
      if (s.dovecot && s.name === 'Dovecot+xapian') {
        // The fill's APPENDs queued their mailbox for fts_autoindex: the indexer workers index
        // while the fill runs and after it. Waiting for them to finish before doveadm index
        // matters: run at the same time, both index the same messages (doveadm waits for the
        // index's lock, and the worker then indexes again what doveadm just did).
        const how = `doveadm index -u ${BENCH_USER} INBOX`;
        const deadline = performance.now() + INDEX_TIMEOUT * 1000;
        process.stderr.write(`${s.name}: waiting for the indexer workers, then ${how} (at most ${INDEX_TIMEOUT} s in all)…\n`);
        const cpu0 = s.cpu();
        const auto = await settle(s, INDEX_TIMEOUT);
        const autoindexCpu = s.cpu() - cpu0;
        let doveadm: DoveadmRun | null = null;
        if (auto.idle) {
          try {
            doveadm = await s.dovecot.doveadmMeasured(['index', '-u', BENCH_USER, 'INBOX'], Math.max(1_000, deadline - performance.now()));
          } catch (err) {
            if (!(err instanceof DoveadmTimeout)) throw err;
          }
        }
        if (doveadm === null) {
          skipped[s.name] =
            `indexing was not complete ${INDEX_TIMEOUT} s after the fill of ${fmtInt(MESSAGES)} messages ` +
            `(${auto.idle ? `\`${how}\` had not returned` : 'the indexer workers were still busy'}; ` +
            `they had used ${fmt(s.cpu() - cpu0)} CPU s; --index-timeout S waits longer)`;
          process.stderr.write(`${s.name} left out: ${skipped[s.name]}\n`);
          await s.stop();
          servers.splice(servers.indexOf(s), 1);
          continue;
        }
        index = {
          how,
          autoindexSeconds: auto.seconds,
          autoindexCpu,
          doveadm,
          seconds: (performance.now() - (deadline - INDEX_TIMEOUT * 1000)) / 1000,
        };
      }
      const st: ServerState = { s, fill, index, settleSeconds: [await settled(s)], memoryIdle: s.memory(), seen: null, session: null };
      states.set(s.name, st);
      const c = await loginStream(s.port);
      await c.ok('EXAMINE INBOX');
      st.session = c;
      peaks.watch(s.name, s);
      for (const r of results.filter((x) => !x.key.flags)) {
        process.stderr.write(`${s.name}: first UID SEARCH ${r.key.key}\n`);
        const { uids, ...run } = await timedSearch(s, c, r.key.key, peaks, s.name);
        r.first.set(s.name, run);
        r.uids.set(s.name, uids);
      }
      process.stderr.write(`${s.name}: \\Seen on the first ${SEEN} messages generated…\n`);
      st.seen = await setupSeen(s);
      // The examining session takes in the other session's flag changes at its next command.
      await c.ok('NOOP');
      st.settleSeconds.push(await settled(s));
      peaks.watch(s.name, s);
      for (const r of results.filter((x) => x.key.flags)) {
        process.stderr.write(`${s.name}: first UID SEARCH ${r.key.key}\n`);
        const { uids, ...run } = await timedSearch(s, c, r.key.key, peaks, s.name);
        r.first.set(s.name, run);
        r.uids.set(s.name, uids);
      }
    }

    // The repeats, the servers taking turns at every key.
    for (let i = 0; i < RUNS; i++) {
      for (const r of results) {
        for (const s of servers) {
          const st = states.get(s.name)!;
          process.stderr.write(`${s.name}: UID SEARCH ${r.key.key}, run ${i + 1}/${RUNS}\n`);
          peaks.watch(s.name, s);
          const run = await timedSearch(s, st.session!, r.key.key, peaks, s.name);
          if (run.count !== r.first.get(s.name)!.count)
            (s.name === 'Dovecot+xapian' ? notes : failures).push(
              `${s.name}: UID SEARCH ${r.key.key} found ${run.count} in run ${i + 1}, ${r.first.get(s.name)!.count} in the first`,
            );
          const list = r.runs.get(s.name) ?? [];
          list.push({ seconds: run.seconds, cpu: run.cpu, count: run.count });
          r.runs.set(s.name, list);
        }
      }
    }
    for (const st of states.values()) {
      st.session?.close();
      st.session = null;
    }

    // Gannet in a new process on the same state: each key's first SEARCH there.
    const gannet = servers.find((s) => s.name === 'Gannet');
    if (RESTART && gannet?.restart) {
      process.stderr.write('restarting Gannet…\n');
      await gannet.restart();
      const settleSeconds = await settled(gannet);
      restartInfo['settleSeconds'] = settleSeconds;
      restartInfo['memoryIdle'] = gannet.memory();
      const c = await loginStream(gannet.port);
      await c.ok('EXAMINE INBOX');
      peaks.watch('Gannet after restart', gannet);
      for (const r of results) {
        process.stderr.write(`Gannet after restart: UID SEARCH ${r.key.key}\n`);
        const run = await timedSearch(gannet, c, r.key.key, peaks, 'Gannet after restart');
        r.afterRestart = { seconds: run.seconds, cpu: run.cpu, count: run.count };
        if (run.count !== r.first.get('Gannet')!.count)
          failures.push(`Gannet after restart: UID SEARCH ${r.key.key} found ${run.count}, ${r.first.get('Gannet')!.count} before`);
      }
      c.close();
    }
  } finally {
    peaks.stop();
    for (const st of states.values()) st.session?.close();
    for (const s of servers) await s.stop().catch(() => {});
  }

  // The match sets, as generator indexes, so servers with different UID orders compare.
  for (const r of results) {
    for (const [name, uids] of r.uids) {
      const indexOf = states.get(name)!.seen!.indexOf;
      r.found.set(
        name,
        uids.map((u) => indexOf.get(u) ?? -1).sort((a, b) => a - b),
      );
    }
  }
  const ran = servers.map((s) => s.name);
  const columns: ServerName[] = ['Gannet', 'Dovecot', 'Dovecot+xapian'];
  const matchNote = (r: KeyResult): string => {
    const g = r.found.get('Gannet');
    const d = r.found.get('Dovecot');
    const x = r.found.get('Dovecot+xapian');
    const parts: string[] = [];
    if (g && d) {
      const same = g.length === d.length && g.every((v, i) => v === d[i]);
      if (!same) {
        failures.push(`UID SEARCH ${r.key.key}: Gannet found ${g.length} and Dovecot ${d.length}, not the same messages`);
        parts.push('**Gannet ≠ Dovecot**');
      }
    }
    const ref = d ?? g;
    if (x && ref) {
      const refSet = new Set(ref);
      const xSet = new Set(x);
      const extra = x.filter((v) => !refSet.has(v)).length;
      const missing = ref.filter((v) => !xSet.has(v)).length;
      if (extra > 0 || missing > 0) parts.push(`xapian differs: +${extra} / −${missing} against ${d ? 'Dovecot' : 'Gannet'}`);
    }
    if (r.key.expect !== null) {
      const off = [...r.found].filter(([name, f]) => name !== 'Dovecot+xapian' && f.length !== r.key.expect).map(([name]) => name);
      parts.push(`generated ${fmtInt(r.key.expect)}${off.length > 0 ? ` (**${off.join(', ')} differ**)` : ''}`);
      for (const name of off)
        notes.push(`${name}: UID SEARCH ${r.key.key} found ${r.found.get(name)!.length}, the generator put ${r.key.expect}`);
    }
    return parts.join('; ');
  };

  const machine = machineInfo(ran.some((n) => n !== 'Gannet'));
  const xapianVersion = ftsXapianVersion();
  const xapianState = states.get('Dovecot+xapian');
  console.log(
    `\nsearch: ${MESSAGES.toLocaleString('en-US')} messages (seed ${SEED}), first run then median of ${RUNS}; ` +
      `${machine.cores} cores, node ${machine.node}, Dovecot ${machine.dovecot}, fts-xapian ${xapianVersion ?? 'not installed'}`,
  );
  if (skipped['Dovecot+xapian']) console.log(`Dovecot+xapian skipped: ${skipped['Dovecot+xapian']}`);
  const xi = xapianState?.index;
  if (xi)
    console.log(
      `Dovecot+xapian: its index was complete before the first SEARCH: the indexer workers (fts_autoindex, fed by the fill's ` +
        `APPENDs) went idle ${fmt(xi.autoindexSeconds)} s after the fill (${fmt(xi.autoindexCpu)} CPU s), and then ` +
        `\`${xi.how}\` returned in ${fmt(xi.doveadm.seconds)} s (${fmt(xi.doveadm.cpuSeconds)} CPU s). ` +
        'xapian matches words/prefixes (n-grams) of ≥ 3 characters, not exact substrings: its counts may differ and are flagged, not failed.',
    );
  console.log(
    'advantage = Dovecot time / Gannet time (> 1: Gannet ahead); CPU = server CPU seconds of that SEARCH (all its processes); ' +
      `\\Seen on the ${fmtInt(SEEN)} messages generated first\n`,
  );
  const present = columns.filter((n) => ran.includes(n));
  const hasD = present.includes('Dovecot');
  const hasX = present.includes('Dovecot+xapian');
  const hasG = present.includes('Gannet');
  console.log(
    `| UID SEARCH | run | matches ${present.map((n) => (n[0] === 'G' ? 'G' : n === 'Dovecot' ? 'D' : 'X')).join(' / ')} | ` +
      `${present.map((n) => `${n} s`).join(' | ')} |${hasG && hasD ? ' advantage vs Dovecot |' : ''}${hasG && hasX ? ' advantage vs Dovecot+xapian |' : ''} ` +
      `CPU s ${present.map((n) => (n[0] === 'G' ? 'G' : n === 'Dovecot' ? 'D' : 'X')).join(' / ')} | note |`,
  );
  console.log(`|---|---|---:|${present.map(() => '---:').join('|')}|${hasG && hasD ? '---:|' : ''}${hasG && hasX ? '---:|' : ''}---:|---|`);
  const ratio = (num: number | undefined, den: number | undefined): string =>
    num !== undefined && den !== undefined && den > 0 ? `${(num / den).toFixed(2)}×` : '';
  const line = (label: string, run: string, counts: string, secs: Map<ServerName, number>, cpus: Map<ServerName, number>, note: string) => {
    const g = secs.get('Gannet');
    console.log(
      `| ${label} | ${run} | ${counts} | ${present.map((n) => (secs.has(n) ? fmt(secs.get(n)!) : '–')).join(' | ')} |` +
        `${hasG && hasD ? ` ${ratio(secs.get('Dovecot'), g)} |` : ''}${hasG && hasX ? ` ${ratio(secs.get('Dovecot+xapian'), g)} |` : ''} ` +
        `${present.map((n) => (cpus.has(n) ? fmt(cpus.get(n)!) : '–')).join(' / ')} | ${note} |`,
    );
  };
  const summary = results.map((r) => {
    const med = new Map(present.map((n) => [n, median((r.runs.get(n) ?? []).map((x) => x.seconds))] as const));
    const medCpu = new Map(present.map((n) => [n, median((r.runs.get(n) ?? []).map((x) => x.cpu))] as const));
    return { r, med, medCpu };
  });
  for (const { r, med, medCpu } of summary) {
    const counts = present.map((n) => fmtInt(r.first.get(n)?.count ?? NaN)).join(' / ');
    const firstSecs = new Map([...r.first].map(([n, x]) => [n, x.seconds] as const));
    const firstCpu = new Map([...r.first].map(([n, x]) => [n, x.cpu] as const));
    line(r.key.key, 'first', counts, firstSecs, firstCpu, matchNote(r));
    line('', `median of ${RUNS}`, '', med, medCpu, '');
    if (r.afterRestart)
      line(
        '',
        'first after Gannet restart',
        fmtInt(r.afterRestart.count),
        new Map([['Gannet', r.afterRestart.seconds]]),
        new Map([['Gannet', r.afterRestart.cpu]]),
        '',
      );
  }

  // Fill, indexing and memory, one column per server.
  console.log(`\n| measure | unit | ${present.join(' | ')} |`);
  console.log(`|---|---|${present.map(() => '---:').join('|')}|`);
  const row = (measure: string, unit: string, f: (st: ServerState, n: ServerName) => string) =>
    console.log(`| ${measure} | ${unit} | ${present.map((n) => f(states.get(n)!, n)).join(' | ')} |`);
  row('fill: APPEND, 8 connections × 16 pipelined (LITERAL+)', 'msgs/s', (st) => fmt(st.fill.perSecond));
  row('fill: server CPU', 's', (st) => fmt(st.fill.cpu));
  row('indexing after the fill: until the indexer workers went idle', 's', (st) => (st.index ? fmt(st.index.autoindexSeconds) : '–'));
  row("indexing after the fill: the indexer workers' CPU", 's', (st) => (st.index ? fmt(st.index.autoindexCpu) : '–'));
  row('indexing after the fill: then `doveadm index`, time / CPU', 's', (st) =>
    st.index ? `${fmt(st.index.doveadm.seconds)} / ${fmt(st.index.doveadm.cpuSeconds)}` : '–',
  );
  row('then waited for the server to go idle', 's', (st) => fmt(st.settleSeconds[0] ?? 0));
  row('RSS idle after the fill (no session)', 'MiB', (st) => fmt(st.memoryIdle.rssKiB / 1024));
  row('RSS peak during the searches (1 session)', 'MiB', (_st, n) => fmt((peaks.peaks.get(n)?.rssKiB ?? 0) / 1024));
  row('anonymous memory idle after the fill', 'MiB', (st) => fmt(st.memoryIdle.anonKiB / 1024));
  row('anonymous memory peak during the searches', 'MiB', (_st, n) => fmt((peaks.peaks.get(n)?.anonKiB ?? 0) / 1024));
  const gr = peaks.peaks.get('Gannet after restart');
  if (gr) console.log(`\nGannet after the restart: RSS peak ${fmt(gr.rssKiB / 1024)} MiB, anonymous ${fmt(gr.anonKiB / 1024)} MiB.`);
  const uniqueNotes = [...new Set(notes)];
  if (uniqueNotes.length > 0) console.log(`\nNotes:\n${uniqueNotes.map((n) => `- ${n}`).join('\n')}`);
  if (failures.length > 0) {
    console.log(`\nMATCHES DIFFER:\n${failures.map((f) => `- ${f}`).join('\n')}`);
    process.exitCode = 1;
  }

  writeResult(jsonOut, {
    bench: 'search',
    date: new Date().toISOString(),
    quick: QUICK,
    messages: MESSAGES,
    seed: SEED,
    runs: RUNS,
    seen: SEEN,
    seconds: (Date.now() - started) / 1000,
    machine,
    ftsXapian: { version: xapianVersion, config: FTS_XAPIAN_CONFIG, skipped: skipped['Dovecot+xapian'] ?? null },
    failures,
    notes: uniqueNotes,
    servers: Object.fromEntries(
      [...states].map(([n, st]) => [
        n,
        {
          fill: { perSecond: st.fill.perSecond, cpu: st.fill.cpu, bytes: st.fill.bytes },
          index: st.index && {
            how: st.index.how,
            seconds: st.index.seconds,
            autoindexSeconds: st.index.autoindexSeconds,
            autoindexCpu: st.index.autoindexCpu,
            doveadmSeconds: st.index.doveadm.seconds,
            doveadmCpu: st.index.doveadm.cpuSeconds,
            doveadmOutput: st.index.doveadm.stdout,
          },
          settleSeconds: st.settleSeconds,
          memoryIdle: st.memoryIdle,
          memoryPeak: peaks.peaks.get(n) ?? null,
          seenSetup: st.seen && { mapSeconds: st.seen.mapSeconds, storeSeconds: st.seen.storeSeconds, storeRanges: st.seen.storeRanges },
        },
      ]),
    ),
    gannetRestart: RESTART ? { ...restartInfo, memoryPeak: peaks.peaks.get('Gannet after restart') ?? null } : null,
    searches: summary.map(({ r, med, medCpu }) => ({
      key: r.key.key,
      expect: r.key.expect,
      first: Object.fromEntries(r.first),
      runs: Object.fromEntries(r.runs),
      medianSeconds: Object.fromEntries(med),
      medianCpu: Object.fromEntries(medCpu),
      afterRestart: r.afterRestart,
    })),
  });
}

runScenario(main);
