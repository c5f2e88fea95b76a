// FETCH throughput and SEARCH time over a large mailbox, Gannet and Dovecot side by side in one
// run (issue 4): both servers get the same seeded messages over IMAP (pipelined LITERAL+
// APPENDs on several connections), then, alternating between the servers, the bench times
//   - FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)  messages/s (first pass, then warm)
//   - FETCH 1:n BODY.PEEK[]                    messages/s and MiB/s
//   - SEARCH BODY / SEARCH TEXT                 seconds, for a rare, an absent and a common word
// and the server CPU seconds each took (all processes, from /proc). Dovecot runs without a
// full-text plugin, as Debian ships it. Match counts are checked against the generator's own.
//
//   npm run build && node --import tsx bench/fetch-search.ts [--quick] [--messages N] [--seed S] [--json FILE]

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { MARKERS } from './fixtures/messages.js';
import { fillInbox, loginStream, startDovecotTarget, startGannetTarget, type FillResult, type Target } from './imap-fill.js';
import type { StreamClient } from './imap-stream.js';
import { machineInfo } from './machine.js';
import { resultPath } from './scenario.js';
import { median } from './server-process.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const QUICK = args.includes('--quick');
const MESSAGES = Number(opt('--messages') ?? (QUICK ? 2_000 : 100_000));
const SEED = Number(opt('--seed') ?? 4);
const RUNS = 3;
/** Messages fetched whole by the BODY.PEEK[] measure. */
const BODY_RANGE = Math.min(MESSAGES, 20_000);

const jsonOut = opt('--json') ?? resultPath('fetch-search', QUICK);

interface Measure {
  seconds: number;
  cpu: number;
  count: number;
  bytes: number;
}

async function timed(t: Target, c: StreamClient, command: string): Promise<Measure & { untagged: string[] }> {
  const cpu0 = t.cpu();
  const t0 = performance.now();
  const r = await c.ok(command);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpu: t.cpu() - cpu0, count: r.fetches, bytes: r.literalBytes, untagged: r.untagged };
}

function searchCount(untagged: string[]): number {
  const line = untagged.find((l) => l.startsWith('* SEARCH'));
  if (line === undefined) throw new Error(`no SEARCH response: ${untagged.join(' | ').slice(0, 200)}`);
  return line.split(' ').length - 2;
}

interface Row {
  measure: string;
  unit: string;
  /** true when more is better (throughput), false for times. */
  higherIsBetter: boolean;
  gannet: number;
  dovecot: number;
  /** How many times better Gannet is (>1: Gannet ahead). */
  advantage: number;
  gannetCpu?: number;
  dovecotCpu?: number;
  note?: string;
}

function row(measure: string, unit: string, higherIsBetter: boolean, g: number, d: number, extra: Partial<Row> = {}): Row {
  return { measure, unit, higherIsBetter, gannet: g, dovecot: d, advantage: higherIsBetter ? g / d : d / g, ...extra };
}

function fmt(x: number): string {
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

async function main(): Promise<void> {
  const started = Date.now();
  const gannet = await startGannetTarget();
  const dovecot = await startDovecotTarget();
  const targets = [gannet, dovecot];
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  try {
    // Fill, one server at a time so each has both cores.
    const fills = [];
    for (const t of targets) {
      process.stderr.write(`filling ${t.name} with ${MESSAGES} messages…\n`);
      fills.push(await fillInbox(t, MESSAGES, SEED));
    }
    const [gf, df] = fills as [FillResult, FillResult];
    const counts = gf.counts;
    raw['mailboxBytes'] = gf.bytes;
    rows.push(
      row('fill: APPEND, 8 connections × 16 pipelined (LITERAL+)', 'msgs/s', true, gf.perSecond, df.perSecond, {
        gannetCpu: gf.cpu,
        dovecotCpu: df.cpu,
      }),
    );
    const memAfterFill = { gannet: gannet.memory(), dovecot: dovecot.memory() };

    const sessions = new Map<Target, StreamClient>();
    for (const t of targets) {
      const c = await loginStream(t.port);
      await c.ok('EXAMINE INBOX');
      sessions.set(t, c);
    }

    /** Runs `command` RUNS times on each server, alternating; returns the per-server measures. */
    const alternate = async (label: string, command: string, runs = RUNS): Promise<Map<Target, Measure[]>> => {
      const out = new Map<Target, Measure[]>(targets.map((t) => [t, []]));
      for (let i = 0; i < runs; i++) {
        for (const t of targets) {
          process.stderr.write(`${label} on ${t.name}, run ${i + 1}/${runs}\n`);
          out.get(t)!.push(await timed(t, sessions.get(t)!, command));
        }
      }
      raw[label] = Object.fromEntries(
        [...out].map(([t, ms]) => [t.name, ms.map(({ seconds, cpu, count, bytes }) => ({ seconds, cpu, count, bytes }))]),
      );
      return out;
    };

    // FETCH of the items a client lists a mailbox with.
    const meta = await alternate('FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)', 'FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)');
    for (const t of targets) {
      const bad = meta.get(t)!.find((m) => m.count !== MESSAGES);
      if (bad) throw new Error(`${t.name}: FETCH 1:* returned ${bad.count} of ${MESSAGES}`);
    }
    const first = (t: Target) => meta.get(t)![0]!;
    const warm = (t: Target) => meta.get(t)!.slice(1);
    rows.push(
      row(
        'FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE), first pass',
        'msgs/s',
        true,
        MESSAGES / first(gannet).seconds,
        MESSAGES / first(dovecot).seconds,
        {
          gannetCpu: first(gannet).cpu,
          dovecotCpu: first(dovecot).cpu,
        },
      ),
    );
    rows.push(
      row(
        'FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE), warm (median)',
        'msgs/s',
        true,
        MESSAGES / median(warm(gannet).map((m) => m.seconds)),
        MESSAGES / median(warm(dovecot).map((m) => m.seconds)),
        { gannetCpu: median(warm(gannet).map((m) => m.cpu)), dovecotCpu: median(warm(dovecot).map((m) => m.cpu)) },
      ),
    );

    const body = await alternate(`FETCH 1:${BODY_RANGE} BODY.PEEK[]`, `FETCH 1:${BODY_RANGE} BODY.PEEK[]`);
    const bodyMed = (t: Target) => median(body.get(t)!.map((m) => m.seconds));
    const bodyCpu = (t: Target) => median(body.get(t)!.map((m) => m.cpu));
    // Parallel APPENDs land in a different order on each server, so 1:n is the same number of
    // messages but not the same ones (unless n is the whole mailbox): MiB/s uses each server's bytes.
    const bodyBytes = (t: Target) => body.get(t)![0]!.bytes;
    for (const t of targets)
      if (body.get(t)!.some((m) => m.count !== BODY_RANGE)) throw new Error(`${t.name}: BODY.PEEK[] returned the wrong number of messages`);
    rows.push(
      row(`FETCH 1:${BODY_RANGE} BODY.PEEK[] (median)`, 'msgs/s', true, BODY_RANGE / bodyMed(gannet), BODY_RANGE / bodyMed(dovecot), {
        gannetCpu: bodyCpu(gannet),
        dovecotCpu: bodyCpu(dovecot),
      }),
    );
    rows.push(
      row(
        `FETCH 1:${BODY_RANGE} BODY.PEEK[] (median)`,
        'MiB/s',
        true,
        bodyBytes(gannet) / 2 ** 20 / bodyMed(gannet),
        bodyBytes(dovecot) / 2 ** 20 / bodyMed(dovecot),
        {
          note: `bytes: Gannet ${bodyBytes(gannet)}, Dovecot ${bodyBytes(dovecot)}`,
        },
      ),
    );

    const searches: Array<{ key: string; expect: number | null }> = [
      { key: `BODY ${MARKERS.rare}`, expect: counts.rare },
      { key: `BODY ${MARKERS.absent}`, expect: 0 },
      { key: `BODY ${MARKERS.common}`, expect: null },
      { key: `TEXT ${MARKERS.subject}`, expect: counts.subject },
      { key: `TEXT ${MARKERS.absent}`, expect: 0 },
    ];
    for (const s of searches) {
      const m = await alternate(`SEARCH ${s.key}`, `SEARCH ${s.key}`);
      const found = new Map(targets.map((t) => [t, searchCount((m.get(t)![0] as Measure & { untagged: string[] }).untagged)]));
      let note = `matches: Gannet ${found.get(gannet)}, Dovecot ${found.get(dovecot)}`;
      if (s.expect !== null) note += `, generated ${s.expect}`;
      const sec = (t: Target) => median(m.get(t)!.map((x) => x.seconds));
      const cpu = (t: Target) => median(m.get(t)!.map((x) => x.cpu));
      rows.push(
        row(`SEARCH ${s.key} (median)`, 's', false, sec(gannet), sec(dovecot), { gannetCpu: cpu(gannet), dovecotCpu: cpu(dovecot), note }),
      );
    }
    // Measured with the sessions still open: Dovecot's per-session imap process is part of its cost.
    const memEnd = { gannet: gannet.memory(), dovecot: dovecot.memory() };
    for (const c of sessions.values()) c.close();
    rows.push(row('server RSS after fill', 'MiB', false, memAfterFill.gannet.rssKiB / 1024, memAfterFill.dovecot.rssKiB / 1024));
    rows.push(row('server PSS after fill', 'MiB', false, memAfterFill.gannet.pssKiB / 1024, memAfterFill.dovecot.pssKiB / 1024));
    rows.push(
      row('server RSS after the searches, 1 session open', 'MiB', false, memEnd.gannet.rssKiB / 1024, memEnd.dovecot.rssKiB / 1024),
    );
    rows.push(
      row('server PSS after the searches, 1 session open', 'MiB', false, memEnd.gannet.pssKiB / 1024, memEnd.dovecot.pssKiB / 1024),
    );
    rows.push(
      row(
        'server anonymous memory after the searches (no mapped files)',
        'MiB',
        false,
        memEnd.gannet.anonKiB / 1024,
        memEnd.dovecot.anonKiB / 1024,
      ),
    );
    raw['memory'] = { afterFill: memAfterFill, end: memEnd };
  } finally {
    for (const t of targets) await t.stop().catch(() => {});
  }

  const machine = machineInfo();
  console.log(
    `\nfetch-search: ${MESSAGES.toLocaleString('en-US')} messages (seed ${SEED}), ${machine.cores} cores, node ${machine.node}, Dovecot ${machine.dovecot}`,
  );
  console.log('advantage = how many times better Gannet is (> 1: Gannet ahead); CPU = server CPU seconds for that run\n');
  console.log('| measure | unit | Gannet | Dovecot | advantage | CPU s G / D | note |');
  console.log('|---|---|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const cpu = r.gannetCpu !== undefined ? `${fmt(r.gannetCpu)} / ${fmt(r.dovecotCpu ?? 0)}` : '';
    console.log(
      `| ${r.measure} | ${r.unit} | ${fmt(r.gannet)} | ${fmt(r.dovecot)} | ${r.advantage.toFixed(2)}× | ${cpu} | ${r.note ?? ''} |`,
    );
  }
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(
    jsonOut,
    `${JSON.stringify({ bench: 'fetch-search', date: new Date().toISOString(), quick: QUICK, messages: MESSAGES, seed: SEED, seconds: (Date.now() - started) / 1000, machine, rows, raw }, null, 2)}\n`,
  );
  console.log(`\nJSON: ${jsonOut}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
