// What the SEARCH text index costs (issue: "APPEND throughput and stored bytes with and without
// the index"): the same seeded messages APPENDed over IMAP to Gannet with `search_index yes`
// and with `search_index no`, each server alone. Reported: APPENDs per second and server CPU
// for the fill, then (index on) the time and CPU until the background indexer has covered
// every message, the store's size on disk, the index's own size (segments, from `gannet index
// status`), and the decoded text of the messages the index is measured against.
//
//   npm run build && node --import tsx bench/index-cost.ts [--quick] [--messages N] [--seed S] [--json FILE]

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { MessageGenerator } from './fixtures/messages.js';
import { BENCH_PASSWORD, BENCH_USER, fillInbox, type Target } from './imap-fill.js';
import { machineInfo } from './machine.js';
import { resultPath } from './scenario.js';
import { cpuSeconds, memoryUse } from './proc-stats.js';
import { GANNET_BIN, sleep, startBenchServer } from './server-process.js';
import { parseMessage } from '../src/mime/parse.js';
import { searchText } from '../src/mime/search-text.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const QUICK = args.includes('--quick');
const MESSAGES = Number(opt('--messages') ?? (QUICK ? 2_000 : 20_000));
const SEED = Number(opt('--seed') ?? 4);
const jsonOut = opt('--json') ?? resultPath('index-cost', QUICK);

function du(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    // LMDB's data file is sparse-free here: its size is what it holds (plus free pages).
    total += s.isDirectory() ? du(p) : s.blocks * 512;
  }
  return total;
}

/** `gannet index status` of the bench user's INBOX: [messages, indexed, bytes]. */
function indexStatus(config: string): { messages: number; indexed: number; bytes: number } {
  const out = execFileSync(process.execPath, [GANNET_BIN, '--config', config, 'index', 'status', BENCH_USER, 'INBOX'], {
    encoding: 'utf8',
  });
  const m = /^INBOX\t(\d+) messages\t(\d+) indexed\t\d+ segments\t([\d.]+) (B|KiB|MiB)$/m.exec(out);
  if (!m) throw new Error(`unexpected index status: ${out}`);
  const unit = { B: 1, KiB: 1024, MiB: 1024 * 1024 }[m[4] as 'B' | 'KiB' | 'MiB'];
  return { messages: Number(m[1]), indexed: Number(m[2]), bytes: Number(m[3]) * unit };
}

interface Run {
  searchIndex: boolean;
  appendsPerSecond: number;
  fillCpu: number;
  /** Seconds after the fill until every message was indexed, and the server CPU meanwhile. */
  catchUpSeconds: number | null;
  catchUpCpu: number | null;
  storeBytes: number;
  indexBytes: number | null;
  rssMiB: number;
}

async function run(searchIndex: boolean): Promise<Run> {
  const s = await startBenchServer({ [BENCH_USER]: BENCH_PASSWORD }, { storageConfig: `search_index ${searchIndex ? 'yes' : 'no'}` });
  const pid = s.process.pid!;
  const target: Target = { name: 'Gannet', port: s.port, cpu: () => cpuSeconds(pid), memory: () => memoryUse(pid), stop: () => s.stop() };
  try {
    const fill = await fillInbox(target, MESSAGES, SEED);
    let catchUpSeconds: number | null = null;
    let catchUpCpu: number | null = null;
    let indexBytes: number | null = null;
    if (searchIndex) {
      const cpu0 = target.cpu();
      const t0 = performance.now();
      for (;;) {
        const st = indexStatus(s.config);
        if (st.indexed >= st.messages) {
          indexBytes = st.bytes;
          break;
        }
        await sleep(200);
      }
      catchUpSeconds = (performance.now() - t0) / 1000;
      catchUpCpu = target.cpu() - cpu0;
    }
    return {
      searchIndex,
      appendsPerSecond: fill.perSecond,
      fillCpu: fill.cpu,
      catchUpSeconds,
      catchUpCpu,
      storeBytes: du(join(s.dir, 'mail')),
      indexBytes,
      rssMiB: s.rssKiB() / 1024,
    };
  } finally {
    await s.stop();
  }
}

/** UTF-8 bytes of the decoded text (text parts and header fields, once each) of the fill's messages. */
function decodedText(): { utf8: number; bytes: number } {
  const gen = new MessageGenerator(SEED);
  let utf8 = 0;
  let bytes = 0;
  for (let i = 0; i < MESSAGES; i++) {
    const raw = gen.next(i).raw;
    bytes += raw.length;
    const text = searchText(parseMessage(raw), raw);
    utf8 += Buffer.byteLength(text.body) + text.headers.reduce((n, h) => n + Buffer.byteLength(`${h[0]}: ${h[1]}\n`), 0);
  }
  return { utf8, bytes };
}

const off = await run(false);
const on = await run(true);
const text = decodedText();
const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(`\n## Cost of the SEARCH text index: ${MESSAGES} messages (${mib(text.bytes)} MiB), seed ${SEED}\n`);
console.log('| | search_index no | search_index yes | yes / no |');
console.log('| --- | ---: | ---: | ---: |');
console.log(
  `| APPEND/s (fill) | ${off.appendsPerSecond.toFixed(0)} | ${on.appendsPerSecond.toFixed(0)} | ${(on.appendsPerSecond / off.appendsPerSecond).toFixed(2)}× |`,
);
console.log(`| server CPU s, fill | ${off.fillCpu.toFixed(1)} | ${on.fillCpu.toFixed(1)} | ${(on.fillCpu / off.fillCpu).toFixed(2)}× |`);
console.log(`| indexing after the fill: s / CPU s | | ${on.catchUpSeconds?.toFixed(1)} / ${on.catchUpCpu?.toFixed(1)} | |`);
console.log(
  `| server CPU s, fill and indexing | ${off.fillCpu.toFixed(1)} | ${(on.fillCpu + (on.catchUpCpu ?? 0)).toFixed(1)} | ${((on.fillCpu + (on.catchUpCpu ?? 0)) / off.fillCpu).toFixed(2)}× |`,
);
console.log(`| store on disk, MiB | ${mib(off.storeBytes)} | ${mib(on.storeBytes)} | ${(on.storeBytes / off.storeBytes).toFixed(2)}× |`);
console.log(`| RSS after, MiB | ${off.rssMiB.toFixed(0)} | ${on.rssMiB.toFixed(0)} | |`);
console.log(
  `\nDecoded text of the messages (text parts and header fields, UTF-8): ${mib(text.utf8)} MiB. ` +
    `Index segments (postings): ${mib(on.indexBytes ?? 0)} MiB, ${(((on.indexBytes ?? 0) / text.utf8) * 100).toFixed(0)}% of it; ` +
    `everything the index adds to the store on disk (segments, the LZ4-compressed folded bodies, free pages): ` +
    `${mib(on.storeBytes - off.storeBytes)} MiB, ${(((on.storeBytes - off.storeBytes) / text.utf8) * 100).toFixed(0)}%.`,
);
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(
  jsonOut,
  JSON.stringify({ scenario: 'index-cost', quick: QUICK, messages: MESSAGES, seed: SEED, machine: machineInfo(), off, on, text }, null, 2),
);
console.log(`\nJSON: ${jsonOut}`);
