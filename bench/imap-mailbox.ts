// Mailbox benchmarks over IMAP against the compiled server in its own process:
//   - APPENDs per second into one mailbox: one client, and 50 clients at once;
//   - SELECT time of a 100,000-message mailbox (and with --million, 1,000,000 messages),
//     plus the server memory each session selecting it costs.
// The large mailboxes are filled through the store directly (same LMDB environment, another
// process), in batches, so filling does not dominate the run.
//
//   npm run build && node --import tsx bench/imap-mailbox.ts [--million] [--json FILE]

import { writeFileSync } from 'node:fs';

import { Session, median, sleep, startBenchServer } from './server-process.js';
import { benchMessage as message, fillMailboxDirect } from './store-fill.js';

const args = process.argv.slice(2);
const MILLION = args.includes('--million');
/** Quick runs: a 20,000-message mailbox and fewer APPENDs. */
const QUICK = args.includes('--quick');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const appendCommand = (mailbox: string, body: Buffer) => Buffer.concat([Buffer.from(`APPEND ${mailbox} {${body.length}+}\r\n`), body]);

async function appends(port: number, clients: number, perClient: number): Promise<number> {
  const sessions = await Promise.all(Array.from({ length: clients }, () => Session.open(port)));
  await Promise.all(sessions.map((s) => s.run('LOGIN bench secret')));
  await sessions[0]!.run(`CREATE A${clients}`).catch(() => {});
  const started = process.hrtime.bigint();
  await Promise.all(
    sessions.map(async (s, c) => {
      for (let i = 0; i < perClient; i++) await s.run(appendCommand(`A${clients}`, message(c * perClient + i)));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const s of sessions) s.close();
  return (clients * perClient) / seconds;
}

async function fill(configFile: string, user: string, mailbox: string, count: number): Promise<void> {
  await fillMailboxDirect(configFile, user, mailbox, count, { flags: (i) => (i % 3 === 0 ? [] : ['\\Seen']) });
}

async function selectTime(port: number, mailbox: string): Promise<{ ms: number; sessionKiB: number }> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await Session.open(port);
    await s.run('LOGIN bench secret');
    const t0 = process.hrtime.bigint();
    await s.run(`EXAMINE ${mailbox}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    s.close();
  }
  return { ms: median(times), sessionKiB: 0 };
}

async function main(): Promise<void> {
  const server = await startBenchServer({ bench: 'secret' });
  const results: Record<string, number | string> = { node: process.version };
  try {
    const warm = await Session.open(server.port);
    await warm.run('LOGIN bench secret'); // creates the account
    warm.close();
    results['append msgs/s, 1 client'] = Math.round(await appends(server.port, 1, QUICK ? 300 : 1000));
    results['append msgs/s, 50 clients'] = Math.round(await appends(server.port, 50, QUICK ? 12 : 40));

    const sizes = MILLION ? [100_000, 1_000_000] : QUICK ? [20_000] : [100_000];
    for (const n of sizes) {
      const name = `Big${n}`;
      const t0 = Date.now();
      await fill(server.config, 'bench', name, n);
      results[`fill ${n} (s, not IMAP)`] = +((Date.now() - t0) / 1000).toFixed(1);
      results[`SELECT ${n} msgs (ms, median of 3)`] = +(await selectTime(server.port, name)).ms.toFixed(1);
      // Memory per session holding the mailbox selected.
      (server.process as { kill(sig: string): void }).kill('SIGUSR2');
      await sleep(500);
      const before = server.rssKiB();
      const sessions: Session[] = [];
      for (let i = 0; i < 10; i++) {
        const s = await Session.open(server.port);
        await s.run('LOGIN bench secret');
        await s.run(`EXAMINE ${name}`);
        sessions.push(s);
      }
      server.process.kill('SIGUSR2');
      await sleep(500);
      results[`RSS per session selecting ${n} msgs (KiB)`] = Math.round((server.rssKiB() - before) / 10);
      for (const s of sessions) s.close();
    }
  } finally {
    await server.stop();
  }
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(width)}  ${v}`);
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
