// The mixed workload, Gannet and Dovecot side by side in one run (issue 6, scenario 1): each
// client loops the session a mail client opens to check mail (see mixed-worker.ts for the exact
// commands) on its own user's INBOX, for a fixed time, with 10 and with 100 clients. The client
// side runs on worker threads so the load generator is not the bottleneck.
//
// Each client count runs twice per server: closed loop (every client starts its next command as
// soon as the last one is answered: the server's maximum rate), then paced (both servers offered
// the same session rate, PACED_SHARE of Dovecot's closed-loop rate), which is where latencies
// compare like for like.
//
// Reported per server and run: commands/s, commands per server CPU-second (the fairer
// figure on a noisy machine), p50/p99 latency per command, errors, and the server's peak RSS and
// PSS (all its processes). Servers run one at a time, alternating.
//
//   npm run build && node --import tsx bench/mixed.ts [--quick] [--clients 10,100] [--seconds 30]
//       [--messages 100] [--threads 2] [--seed 1] [--servers gannet,dovecot] [--no-paced] [--paced-rate SESSIONS_PER_S] [--json FILE]

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { startDovecot } from './dovecot-server.js';
import { Corpus } from './fixtures/corpus.js';
import { StreamClient } from './imap-stream.js';
import { machineInfo } from './machine.js';
import type { MixedWorkerInput, MixedWorkerOutput } from './mixed-worker.js';
import { cpuSeconds, memoryUse, type MemoryUse } from './proc-stats.js';
import { sleep, startBenchServer } from './server-process.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const QUICK = args.includes('--quick');
const CLIENTS = (opt('--clients') ?? '10,100').split(',').map(Number);
const SECONDS = Number(opt('--seconds') ?? (QUICK ? 4 : 30));
/** Messages each user's INBOX holds; every loop appends one and expunges one. */
const MESSAGES = Number(opt('--messages') ?? (QUICK ? 20 : 100));
/** Load-generator threads; two keep the client off the critical path on a 2-core machine. */
const THREADS = Number(opt('--threads') ?? 2);
const SEED = Number(opt('--seed') ?? 1);
const SERVERS = (opt('--servers') ?? 'gannet,dovecot').split(',');
/**
 * Paced runs offer both servers the same load, this share of Dovecot's closed-loop session
 * rate, so their latencies can be compared: in a closed loop each client's next command waits
 * for its last, and latency is mostly the queue the server's own speed builds.
 */
const PACED_SHARE = 0.8;
const PACED = !args.includes('--no-paced');
const CORPUS_SEED = 7;
const CORPUS_SIZE = 200;
const PASSWORD = 'secret';
/** Fill: users filled at once, and APPENDs pipelined per connection (LITERAL+). */
const FILL_CONNECTIONS = 8;
const FILL_WINDOW = 8;
/** Memory is sampled this often during a run; the peak is reported. */
const MEMORY_SAMPLE_MS = 1000;

const here = dirname(fileURLToPath(import.meta.url));
const jsonOut =
  opt('--json') ?? join(here, 'results', `mixed-${QUICK ? 'quick-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);

interface Target {
  name: string;
  port: number;
  cpu(): number;
  memory(): MemoryUse;
  stop(): Promise<void>;
}

interface RunResult {
  server: string;
  clients: number;
  /** Closed loop, or paced at this many sessions/s over all clients. */
  pacedSessionsPerSecond: number | null;
  seconds: number;
  commands: number;
  perSecond: number;
  cpuSeconds: number;
  perCpuSecond: number;
  loops: number;
  /** Busiest load-generator thread's event-loop utilization (near 1: the client limited the run). */
  clientUtilization: number;
  errors: Record<string, number>;
  errorSamples: string[];
  peak: MemoryUse;
  perCommand: Record<string, { count: number; p50: number; p99: number }>;
}

const users = Array.from({ length: Math.max(...CLIENTS) }, (_, i) => ({ name: `user${i}`, password: PASSWORD, index: i }));

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Fills every user's INBOX with MESSAGES corpus messages (numbered apart from the loop's). */
async function fill(t: Target, corpus: Corpus): Promise<void> {
  const queue = [...users];
  const one = async (): Promise<void> => {
    for (let u = queue.shift(); u !== undefined; u = queue.shift()) {
      const c = await StreamClient.open(t.port);
      await c.ok(`LOGIN ${u.name} ${u.password}`);
      const inflight = new Set<Promise<unknown>>();
      for (let k = 0; k < MESSAGES; k++) {
        const m = corpus.message(1_000_000 + k, u.index);
        const p = c.ok(
          Buffer.concat([Buffer.from(`APPEND INBOX (${m.flags.join(' ')}) "${m.internalDate}" {${m.raw.length}+}\r\n`), m.raw]),
        );
        const tracked: Promise<unknown> = p.finally(() => inflight.delete(tracked));
        inflight.add(tracked);
        if (inflight.size >= FILL_WINDOW) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      await c.ok('LOGOUT');
      c.close();
    }
  };
  await Promise.all(Array.from({ length: FILL_CONNECTIONS }, one));
}

async function run(t: Target, clients: number, pacedSessionsPerSecond: number | null = null): Promise<RunResult> {
  const sessionIntervalMs = pacedSessionsPerSecond === null ? undefined : (clients * 1000) / pacedSessionsPerSecond;
  const shares: MixedWorkerInput['users'][] = Array.from({ length: THREADS }, () => []);
  users.slice(0, clients).forEach((u, i) => shares[i % THREADS]!.push(u));
  const workers = shares
    .filter((s) => s.length > 0)
    .map(
      (share) =>
        new Worker(new URL('./ts-worker.mjs', import.meta.url), {
          workerData: {
            tsModule: new URL('./mixed-worker.ts', import.meta.url).href,
            ...({
              port: t.port,
              users: share,
              durationMs: SECONDS * 1000,
              seed: SEED,
              corpusSeed: CORPUS_SEED,
              corpusSize: CORPUS_SIZE,
              ...(sessionIntervalMs === undefined ? {} : { sessionIntervalMs }),
            } satisfies MixedWorkerInput),
          },
        }),
    );
  const results = workers.map(
    (w) =>
      new Promise<MixedWorkerOutput>((resolve, reject) => {
        w.on('message', (m: MixedWorkerOutput | 'ready') => {
          if (m !== 'ready') resolve(m);
        });
        w.once('error', reject);
      }),
  );
  // A worker that fails before 'ready' must fail the run, not leave a rejection unhandled.
  for (const r of results) r.catch(() => {});
  await Promise.race([
    Promise.all(workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve())))),
    Promise.all(results),
  ]);
  const cpu0 = t.cpu();
  for (const w of workers) w.postMessage('go');
  let peak = t.memory();
  const sampler = setInterval(() => {
    const m = t.memory();
    if (m.rssKiB > peak.rssKiB) peak = m;
  }, MEMORY_SAMPLE_MS);
  await sleep(SECONDS * 1000);
  const cpu = t.cpu() - cpu0;
  clearInterval(sampler);
  const outs = await Promise.all(results);
  await Promise.all(workers.map((w) => w.terminate()));

  const latencies: Record<string, number[]> = {};
  const errors: Record<string, number> = {};
  const errorSamples: string[] = [];
  let loops = 0;
  for (const o of outs) {
    for (const [k, v] of Object.entries(o.latencies)) (latencies[k] ??= []).push(...v);
    for (const [k, v] of Object.entries(o.errors)) errors[k] = (errors[k] ?? 0) + v;
    errorSamples.push(...o.samples);
    loops += o.loops;
  }
  const perCommand: RunResult['perCommand'] = {};
  let commands = 0;
  for (const [k, v] of Object.entries(latencies)) {
    v.sort((a, b) => a - b);
    perCommand[k] = { count: v.length, p50: quantile(v, 0.5), p99: quantile(v, 0.99) };
    if (k !== 'connect') commands += v.length;
  }
  return {
    server: t.name,
    clients,
    pacedSessionsPerSecond,
    seconds: SECONDS,
    commands,
    perSecond: commands / SECONDS,
    cpuSeconds: cpu,
    perCpuSecond: commands / cpu,
    loops,
    clientUtilization: Math.max(...outs.map((o) => o.eventLoopUtilization)),
    errors,
    errorSamples: errorSamples.slice(0, 10),
    peak,
    perCommand,
  };
}

async function startTarget(name: string): Promise<Target> {
  const creds = Object.fromEntries(users.map((u) => [u.name, u.password]));
  if (name === 'gannet') {
    const s = await startBenchServer(creds);
    return {
      name: 'Gannet',
      port: s.port,
      cpu: () => cpuSeconds(s.process.pid!),
      memory: () => memoryUse(s.process.pid!),
      stop: () => s.stop(),
    };
  }
  if (name === 'dovecot') {
    // Dovecot's authentication cache on, as a tuned installation has it: it saves the passdb
    // lookup, while every login still verifies the argon2id hash (as Gannet's cache does not).
    const s = await startDovecot({ users: creds, extraConfig: 'auth_cache_size = 10M\nauth_cache_verify_password_with_worker = yes\n' });
    return { name: 'Dovecot', port: s.port, cpu: () => s.cpuSeconds(), memory: () => s.memory(), stop: () => s.stop() };
  }
  throw new Error(`unknown server ${name}`);
}

function fmt(x: number): string {
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function ratio(g: number | undefined, d: number | undefined, higherIsBetter: boolean): string {
  if (!g || !d) return '';
  return `${(higherIsBetter ? g / d : d / g).toFixed(2)}×`;
}

function section(lines: string[], title: string, g: RunResult | undefined, d: RunResult | undefined): void {
  lines.push(`\n### ${title}\n`);
  lines.push('| measure | Gannet | Dovecot | advantage |', '|---|---:|---:|---:|');
  const row = (label: string, gv: number | undefined, dv: number | undefined, higher: boolean) =>
    lines.push(`| ${label} | ${gv === undefined ? '' : fmt(gv)} | ${dv === undefined ? '' : fmt(dv)} | ${ratio(gv, dv, higher)} |`);
  row('commands/s', g?.perSecond, d?.perSecond, true);
  row('commands per server CPU-second', g?.perCpuSecond, d?.perCpuSecond, true);
  row('server CPU seconds', g?.cpuSeconds, d?.cpuSeconds, false);
  row('sessions completed', g?.loops, d?.loops, true);
  lines.push(
    `| load generator busiest thread, % busy | ${g ? Math.round(g.clientUtilization * 100) : ''} | ${d ? Math.round(d.clientUtilization * 100) : ''} | |`,
  );
  row('server peak RSS, MiB', g && g.peak.rssKiB / 1024, d && d.peak.rssKiB / 1024, false);
  row('server peak PSS, MiB', g && g.peak.pssKiB / 1024, d && d.peak.pssKiB / 1024, false);
  // RSS and PSS count the pages of LMDB's memory-mapped file that the run touched; anonymous
  // memory is what the processes allocated themselves.
  row('server anonymous memory at the RSS peak, MiB', g && g.peak.anonKiB / 1024, d && d.peak.anonKiB / 1024, false);
  const names = [...new Set([...Object.keys(g?.perCommand ?? {}), ...Object.keys(d?.perCommand ?? {})])];
  for (const n of names) {
    row(`${n} p50 ms`, g?.perCommand[n]?.p50, d?.perCommand[n]?.p50, false);
    row(`${n} p99 ms`, g?.perCommand[n]?.p99, d?.perCommand[n]?.p99, false);
  }
  const errs = (r: RunResult | undefined) => (r ? Object.values(r.errors).reduce((a, b) => a + b, 0) : undefined);
  lines.push(`| errors | ${errs(g) ?? ''} | ${errs(d) ?? ''} | |`);
}

function table(results: RunResult[]): string {
  const lines: string[] = [];
  for (const clients of CLIENTS) {
    const pick = (server: string, paced: boolean) =>
      results.find((r) => r.clients === clients && r.server === server && (r.pacedSessionsPerSecond !== null) === paced);
    section(lines, `${clients} clients, closed loop, ${SECONDS} s`, pick('Gannet', false), pick('Dovecot', false));
    const paced = pick('Gannet', true) ?? pick('Dovecot', true);
    if (paced) {
      const rate = paced.pacedSessionsPerSecond!;
      section(
        lines,
        `${clients} clients, paced at ${fmt(rate)} sessions/s (${PACED_SHARE * 100} % of Dovecot's closed-loop rate), ${SECONDS} s`,
        pick('Gannet', true),
        pick('Dovecot', true),
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const corpus = new Corpus(CORPUS_SEED, CORPUS_SIZE);
  const targets: Target[] = [];
  const results: RunResult[] = [];
  try {
    for (const name of SERVERS) {
      process.stderr.write(`starting ${name} with ${users.length} users…\n`);
      const t = await startTarget(name);
      targets.push(t);
      const t0 = Date.now();
      await fill(t, corpus);
      process.stderr.write(`${t.name}: ${users.length} × ${MESSAGES} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const runOne = async (t: Target, clients: number, paced: number | null): Promise<RunResult> => {
      process.stderr.write(
        `${t.name}: ${clients} clients, ${paced === null ? 'closed loop' : `paced at ${fmt(paced)} sessions/s`}, ${SECONDS} s…\n`,
      );
      const r = await run(t, clients, paced);
      results.push(r);
      process.stderr.write(
        `  ${fmt(r.perSecond)} commands/s, ${fmt(r.perCpuSecond)} per CPU-second, client ${Math.round(r.clientUtilization * 100)} % busy, errors ${JSON.stringify(r.errors)}\n`,
      );
      for (const s of r.errorSamples) process.stderr.write(`  error: ${s}\n`);
      return r;
    };
    for (const clients of CLIENTS) {
      const closed = [];
      for (const t of targets) closed.push(await runOne(t, clients, null));
      const dovecot = closed.find((r) => r.server === 'Dovecot');
      const fixedRate = opt('--paced-rate');
      if (PACED && (fixedRate !== undefined || (dovecot && dovecot.loops > 0))) {
        const rate = fixedRate !== undefined ? Number(fixedRate) : (PACED_SHARE * dovecot!.loops) / SECONDS;
        for (const t of targets) await runOne(t, clients, rate);
      }
    }
  } finally {
    for (const t of targets) await t.stop().catch(() => {});
  }
  const machine = machineInfo(SERVERS.includes('dovecot'));
  console.log(
    `\nmixed: ${users.length} users × ${MESSAGES} messages (corpus mean ${Math.round(corpus.meanSize / 1024)} KB), ${THREADS} load threads, seed ${SEED}, ${machine.cores} cores, node ${machine.node}, Dovecot ${machine.dovecot}`,
  );
  console.log('advantage = how many times better Gannet is (> 1: Gannet ahead)');
  console.log(table(results));
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(
    jsonOut,
    `${JSON.stringify({ bench: 'mixed', date: new Date().toISOString(), quick: QUICK, clients: CLIENTS, seconds: SECONDS, messages: MESSAGES, threads: THREADS, seed: SEED, took: (Date.now() - started) / 1000, machine, results }, null, 2)}\n`,
  );
  console.log(`\nJSON: ${jsonOut}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
