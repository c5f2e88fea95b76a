// Appends per second into one mailbox through the LMDB mail store, with durable commits:
// one writer awaiting each append, 50 concurrent writers (the store's writer thread
// commits those that queue up together), and 50-message APPEND batches.
// Run: node --import tsx bench/mailbox-append.bench.ts [messages]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMailStore } from '../src/storage/index.js';
import type { StorageModuleConfig } from '../src/config/schema.js';
import { DEFAULT_TOMBSTONE_RETENTION } from '../src/config/modules.js';

const TOTAL = Number(process.argv[2] ?? 3000);
const BODY_BYTES = 2048;

/** A deterministic ~2 KB message, distinct per `n` so blobs are not shared. */
function body(n: number): Buffer {
  const head = `From: bench@example.org\r\nTo: user@example.org\r\nSubject: message ${n}\r\n\r\n`;
  return Buffer.from(head + 'x'.repeat(BODY_BYTES - head.length - 2) + '\r\n');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface Row {
  scenario: string;
  appends: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function scenario(name: string, writers: number, perCall: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'gannet-bench-'));
  const cfg: StorageModuleConfig = {
    kind: 'lmdb',
    name: 'bench',
    path: join(dir, 'mail'),
    appendLimit: 1 << 20,
    tombstoneRetention: { ...DEFAULT_TOMBSTONE_RETENTION },
    searchIndex: true,
    junkMailbox: 'Junk',
    defaultMailboxes: [],
    source: { file: 'bench', line: 0 },
  };
  const store = openMailStore(cfg);
  try {
    const account = await store.createAccount('bench@example.org', []);
    const inbox = store.getMailbox(account.id, 'INBOX')!;
    const latencies: number[] = [];
    let next = 0;
    const writer = async () => {
      for (;;) {
        const first = next;
        if (first >= TOTAL) return;
        next += perCall;
        const items = Array.from({ length: Math.min(perCall, TOTAL - first) }, (_, i) => ({ body: body(first + i), flags: [] }));
        const t0 = performance.now();
        await store.append(inbox.id, items);
        latencies.push(performance.now() - t0);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: writers }, writer));
    const seconds = (performance.now() - start) / 1000;
    const mailbox = store.getMailboxById(inbox.id)!;
    if (mailbox.messages !== TOTAL || mailbox.uidNext !== TOTAL + 1) throw new Error(`lost appends: ${mailbox.messages}`);
    latencies.sort((a, b) => a - b);
    return { scenario: name, appends: TOTAL, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [
  await scenario('1 writer, awaited, 1 msg/append', 1, 1),
  await scenario('50 concurrent writers, 1 msg/append', 50, 1),
  await scenario('1 writer, 50 msgs/append', 1, 50),
];

console.log(`node ${process.version}, ${TOTAL} messages of ${BODY_BYTES} B per scenario, durable commits\n`);
console.log('| scenario | messages/s | p50 ms/call | p99 ms/call |');
console.log('|---|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${Math.round(r.appends / r.seconds).toLocaleString('en-US')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`,
  );
}
