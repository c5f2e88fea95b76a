// Runs the bench scenarios one after another, each in its own process (so one server's memory
// or a crash does not leak into the next), and says which ran, which failed and which were
// skipped because their file is not there (yet). Expects a fresh `npm run build`.
//
//   node --import tsx bench/run.ts [--quick] [--only NAME]

import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

interface Scenario {
  file: string;
  quick: string[];
  full: string[];
}

/**
 * Dovecot needs one inotify instance per IDLE connection, and the kernel's per-user default
 * (128) would leave it polling every 30 s and unable to hibernate: as root the idle bench
 * raises the limit for its run and puts it back (see idle.ts).
 */
const inotify = process.getuid?.() === 0 ? ['--raise-inotify'] : [];

const scenarios: Scenario[] = [
  // The mixed workload of mail clients, 10 and 100 clients, closed loop and paced.
  { file: 'mixed.ts', quick: ['--quick'], full: [] },
  { file: 'fetch-search.ts', quick: ['--quick'], full: [] },
  // SEARCH over one large INBOX: Gannet, Dovecot, and Dovecot with fts-xapian (left out, with the
  // reason, when the plugin is not installed or its index is not complete in --index-timeout).
  { file: 'search.ts', quick: ['--quick'], full: [] },
  { file: 'index-cost.ts', quick: ['--quick'], full: [] },
  // Resynchronising a client's cache of a large INBOX: QRESYNC against a full UID FETCH.
  { file: 'resync.ts', quick: ['--quick'], full: [] },
  // LMTP delivery, Gannet and Dovecot side by side: any bench/lmtp*.ts scenario file.
  ...lmtpScenarios(),
  // IDLE clients: memory per connection and new-mail fan-out, Gannet and Dovecot side by side.
  { file: 'idle.ts', quick: ['--quick', ...inotify], full: inotify },
  { file: 'imap-mailbox.ts', quick: ['--quick'], full: [] },
];

/** Any bench/lmtp*.ts scenario; when there is none, one missing entry so the summary says so. */
function lmtpScenarios(): Scenario[] {
  const files = readdirSync(here)
    .filter((f) => /^lmtp.*\.ts$/.test(f))
    .sort();
  return (files.length > 0 ? files : ['lmtp.ts']).map((file) => ({ file, quick: ['--quick'], full: [] }));
}

function run(file: string, argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, file), ...argv], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const summary: string[] = [];
let failed = 0;
for (const s of scenarios) {
  const name = s.file.replace(/\.ts$/, '');
  if (only !== undefined && name !== only) continue;
  if (!existsSync(join(here, s.file))) {
    summary.push(`skipped  ${name} (no ${s.file})`);
    continue;
  }
  const argv = QUICK ? s.quick : s.full;
  console.log(`\n=== ${name} ${argv.join(' ')}`);
  const t0 = Date.now();
  const code = await run(s.file, argv);
  const took = `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  if (code === 0) summary.push(`ok       ${name} (${took})`);
  else {
    failed++;
    summary.push(`FAILED   ${name} (exit ${code}, ${took})`);
  }
}
console.log(`\n=== bench ${QUICK ? '--quick ' : ''}summary\n${summary.join('\n')}`);
process.exitCode = failed > 0 ? 1 : 0;
