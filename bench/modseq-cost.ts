// What keeping modification sequences costs on a very large mailbox (issue: CONDSTORE/QRESYNC,
// "no more than 10 % worse"): STORE throughput and SELECT time of a 1,000,000-message INBOX,
// Gannet alone. Run it on the tree before and the tree after a change, one after the other on
// the same machine, and compare (bench/README.md, "modseq-cost").
//
//   1. INBOX is filled through the store directly (store-fill.ts: small messages, batched
//      appends, no flags) in the state directory, before the compiled server starts on it.
//   2. SELECT INBOX, each on a new connection, `--selects` times (median reported; the first
//      also claims every message as \Recent, a write).
//   3. On one connection with INBOX selected, `--rounds` rounds of `--stores` STOREs, at most
//      `--window` pipelined: `UID STORE u +FLAGS (\Flagged)` then `UID STORE u -FLAGS (\Flagged)`
//      for seeded random UIDs, so every STORE changes its message (one FETCH response each,
//      checked); stores/s per round, median reported (the first round, which meets a cold
//      store, is mostly the slowest).
//
// Only the store's append/createAccount/getMailbox and IMAP are used, so the one script runs on
// both trees.
//
//   npm run build && node --import tsx bench/modseq-cost.ts [--quick] [--messages N] [--stores 10000]
//       [--window 50] [--rounds 5] [--selects 5] [--seed 1] [--label NAME] [--json FILE]

import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { rng } from './fixtures/messages.js';
import { BENCH_PASSWORD, BENCH_USER, loginStream } from './imap-fill.js';
import { pipeline } from './imap-stream.js';
import { machineInfo } from './machine.js';
import { cpuSeconds } from './proc-stats.js';
import { flag, option, resultPath, runScenario, writeResult } from './scenario.js';
import { median, startBenchServer } from './server-process.js';
import { fillMailboxDirect } from './store-fill.js';

const opt = option;
const QUICK = flag('--quick');
const MESSAGES = Number(opt('--messages') ?? (QUICK ? 100_000 : 1_000_000));
const STORES = Number(opt('--stores') ?? 10_000);
const WINDOW = Number(opt('--window') ?? 50);
const ROUNDS = Number(opt('--rounds') ?? 5);
const SELECTS = Number(opt('--selects') ?? 5);
const SEED = Number(opt('--seed') ?? 1);
/** A name for the tree measured (`before`, `after`), kept in the JSON. */
const LABEL = opt('--label') ?? '';

const here = dirname(fileURLToPath(import.meta.url));
const jsonOut = opt('--json') ?? resultPath(LABEL ? `modseq-cost-${LABEL}` : 'modseq-cost', QUICK);

/** The commit of the tree this script runs in, and whether the server's code has uncommitted changes. */
function treeCommit(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', ['-C', here, ...a], { encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', '../src', '../actors', '../workers');
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (server code modified)' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function selectTimes(port: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SELECTS; i++) {
    const c = await loginStream(port);
    const t0 = performance.now();
    const r = await c.ok('SELECT INBOX');
    times.push(performance.now() - t0);
    if (!r.untagged.includes(`* ${MESSAGES} EXISTS`))
      throw new Error(`SELECT INBOX did not say * ${MESSAGES} EXISTS: ${r.untagged.join(' | ')}`);
    await c.ok('LOGOUT');
    c.close();
  }
  return times;
}

interface StoreRound {
  perSecond: number;
  seconds: number;
  serverCpu: number;
}

async function storeRounds(port: number, pid: number): Promise<StoreRound[]> {
  const random = rng(SEED);
  const c = await loginStream(port);
  await c.ok('SELECT INBOX');
  const rounds: StoreRound[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const uids = Array.from({ length: Math.ceil(STORES / 2) }, () => 1 + Math.floor(random() * MESSAGES));
    let k = 0;
    let fetches = 0;
    const next = (): string | null => {
      if (k >= STORES) return null;
      const command = `UID STORE ${uids[k >> 1]} ${k % 2 === 0 ? '+' : '-'}FLAGS (\\Flagged)`;
      k++;
      return command;
    };
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await pipeline(c, next, WINDOW, (r) => (fetches += r.fetches));
    const seconds = (performance.now() - t0) / 1000;
    // Every STORE changes its message, so each answers one FETCH with the new flags.
    if (fetches !== STORES) throw new Error(`${STORES} STOREs answered ${fetches} FETCH responses`);
    rounds.push({ perSecond: STORES / seconds, seconds, serverCpu: cpuSeconds(pid) - cpu0 });
    process.stderr.write(`STORE round ${round + 1}/${ROUNDS}: ${(STORES / seconds).toFixed(0)} stores/s\n`);
  }
  await c.ok('LOGOUT');
  c.close();
  return rounds;
}

async function main(): Promise<void> {
  const started = Date.now();
  let fillSeconds = 0;
  process.stderr.write(`filling INBOX with ${MESSAGES} messages through the store…\n`);
  const server = await startBenchServer(
    { [BENCH_USER]: BENCH_PASSWORD },
    {
      prepare: async (config) => {
        const t0 = performance.now();
        const n = await fillMailboxDirect(config, BENCH_USER, 'INBOX', MESSAGES, { batch: 5000 });
        fillSeconds = (performance.now() - t0) / 1000;
        if (n !== MESSAGES) throw new Error(`the store holds ${n} messages after filling ${MESSAGES}`);
      },
    },
  );
  let selects: number[];
  let stores: StoreRound[];
  try {
    selects = await selectTimes(server.port);
    stores = await storeRounds(server.port, server.process.pid!);
  } finally {
    await server.stop();
  }
  const tree = treeCommit();
  const result = {
    fillPerSecond: MESSAGES / fillSeconds,
    selectMsMedian: median(selects),
    selectMsFirst: selects[0]!,
    storesPerSecondMedian: median(stores.map((s) => s.perSecond)),
    serverCpuMsPerStore: (median(stores.map((s) => s.serverCpu)) / STORES) * 1000,
  };
  const machine = machineInfo(false);
  console.log(
    `\nmodseq-cost${LABEL ? ` (${LABEL})` : ''}: tree ${tree}, ${MESSAGES.toLocaleString('en-US')} messages, ` +
      `${ROUNDS} × ${STORES} STOREs ${WINDOW} in flight, ${machine.cores} cores, node ${machine.node}\n`,
  );
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| fill through the store, msgs/s | ${Math.round(result.fillPerSecond).toLocaleString('en-US')} |`);
  console.log(`| SELECT INBOX, ms (median of ${SELECTS}) | ${result.selectMsMedian.toFixed(1)} |`);
  console.log(`| SELECT INBOX, ms (first, claims \\Recent) | ${result.selectMsFirst.toFixed(1)} |`);
  console.log(`| UID STORE ±FLAGS, stores/s (median of ${ROUNDS}) | ${Math.round(result.storesPerSecondMedian).toLocaleString('en-US')} |`);
  console.log(`| server CPU ms per STORE | ${result.serverCpuMsPerStore.toFixed(3)} |`);
  writeResult(jsonOut, {
    bench: 'modseq-cost',
    label: LABEL,
    tree,
    date: new Date().toISOString(),
    quick: QUICK,
    messages: MESSAGES,
    stores: STORES,
    window: WINDOW,
    seed: SEED,
    seconds: (Date.now() - started) / 1000,
    machine,
    result,
    selectsMs: selects,
    storeRounds: stores,
  });
}

runScenario(main);
