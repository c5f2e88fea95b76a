// Resynchronising a client's cache of a large mailbox after a few changes (RFC 7162 QRESYNC
// against the old way), Gannet and Dovecot side by side in one run:
//
//   1. INBOX is filled with the seeded messages of fetch-search (imap-fill.ts).
//   2. Client A: ENABLE QRESYNC, SELECT INBOX, UID FETCH 1:* (FLAGS MODSEQ): its cache (UID →
//      flags), UIDVALIDITY and HIGHESTMODSEQ. LOGOUT.
//   3. Session B changes the flags of CHANGED random messages (seeded) and expunges EXPUNGED
//      others (UID STORE +FLAGS (\Deleted), UID EXPUNGE). LOGOUT.
//   4. Client A reconnects and resyncs from a copy of the cache of step 2, each way in turn,
//      `--repeats` times (the order of the ways alternates):
//        qresync: ENABLE QRESYNC, SELECT INBOX (QRESYNC (uidvalidity modseq known-uids))
//        full:    SELECT INBOX, UID FETCH 1:* (FLAGS)
//      measuring the bytes received and sent from the end of the LOGIN's tagged OK to the end of
//      the resync, and the time from sending the first resync command to the cache being
//      updated. After every resync the cache must equal the server's state (read once by
//      another session after step 3, and checked against what B did): else the bench fails.
//
// Login is left out of every figure: Dovecot verifies an argon2id hash at every LOGIN while
// Gannet keeps recently verified credentials, which is a setting rather than the engine.
//
//   npm run build && node --import tsx bench/resync.ts [--quick] [--messages N] [--repeats 5]
//       [--seed 4] [--servers gannet,dovecot] [--ways qresync,full] [--json FILE]

import { rng } from './fixtures/messages.js';
import { BENCH_PASSWORD, BENCH_USER, fillInbox, startDovecotTarget, startGannetTarget, type Target } from './imap-fill.js';
import { StreamClient, type StreamReply } from './imap-stream.js';
import { machineInfo } from './machine.js';
import { flag, option, resultPath, runScenario, writeResult } from './scenario.js';
import { median } from './server-process.js';

const opt = option;
const QUICK = flag('--quick');
const MESSAGES = Number(opt('--messages') ?? (QUICK ? 10_000 : 100_000));
const REPEATS = Number(opt('--repeats') ?? 5);
const SEED = Number(opt('--seed') ?? 4);
const SERVERS = (opt('--servers') ?? 'gannet,dovecot').split(',');
const WAYS = (opt('--ways') ?? 'qresync,full').split(',') as Way[];
/** Messages whose flags session B changes, and messages it expunges (others). */
const CHANGED = 100;
const EXPUNGED = 10;
/** Goals of the issue: full-resync bytes / QRESYNC bytes, and Gannet's / Dovecot's QRESYNC time. */
const BYTES_GOAL = 50;
const TIME_GOAL = 0.5;

type Way = 'qresync' | 'full';

const jsonOut = opt('--json') ?? resultPath('resync', QUICK);

/** UID → flags, normalised (see `normFlags`). */
type Cache = Map<number, string>;

interface Synced {
  uidValidity: number;
  /** HIGHESTMODSEQ as the server wrote it (may exceed 2^53). */
  highestModseq: string | null;
  cache: Cache;
}

interface Run {
  server: string;
  way: Way;
  repeat: number;
  ms: number;
  bytesIn: number;
  bytesOut: number;
  fetches: number;
  vanished: number;
  serverCpu: number;
  /** Milliseconds from the start to each command's tagged reply, and to the cache updated. */
  steps: Record<string, number>;
}

/** Flags as a comparable string: lower case, sorted, `\Recent` (a session flag) left out. */
function normFlags(list: string): string {
  return list
    .split(/\s+/)
    .filter((f) => f !== '' && f.toLowerCase() !== '\\recent')
    .map((f) => f.toLowerCase())
    .sort()
    .join(' ');
}

interface FetchItems {
  uid: number;
  flags: string;
  modseq: string | null;
}

function parseFetch(line: string): FetchItems {
  const uid = /[( ]UID (\d+)/.exec(line);
  const flags = /[( ]FLAGS \(([^)]*)\)/.exec(line);
  if (!uid || !flags) throw new Error(`FETCH response without UID or FLAGS: ${line.slice(0, 200)}`);
  return { uid: Number(uid[1]), flags: normFlags(flags[1]!), modseq: /[( ]MODSEQ \((\d+)\)/.exec(line)?.[1] ?? null };
}

/** `1:3,7` → [1, 2, 3, 7]. */
function parseSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map(Number) as [number, number | undefined];
    const lo = Math.min(a, b ?? a);
    const hi = Math.max(a, b ?? a);
    for (let u = lo; u <= hi; u++) out.push(u);
  }
  return out;
}

/** Ascending UIDs → the shortest sequence set (`1:3,7`). */
function compressSet(sorted: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The value of a response code (`* OK [UIDVALIDITY 5] …`) among the untagged responses, or null. */
function responseCode(untagged: string[], code: string): string | null {
  for (const line of untagged) {
    const m = new RegExp(`^\\* OK \\[${code} (\\d+)\\]`, 'i').exec(line);
    if (m) return m[1]!;
  }
  return null;
}

function enabledQresync(reply: StreamReply): boolean {
  return reply.untagged.some((l) => /^\* ENABLED\b.*\bQRESYNC\b/i.test(l));
}

/** A new connection logged in as the bench user, keeping FETCH text; with the LOGIN's reply. */
async function login(t: Target): Promise<{ c: StreamClient; reply: StreamReply }> {
  const c = await StreamClient.open(t.port, '127.0.0.1', { keepFetchText: true });
  const reply = await c.ok(`LOGIN ${BENCH_USER} ${BENCH_PASSWORD}`);
  return { c, reply };
}

async function logout(c: StreamClient): Promise<void> {
  await c.ok('LOGOUT');
  c.close();
}

function cacheOf(reply: StreamReply): Cache {
  const cache: Cache = new Map();
  for (const line of reply.fetchText) {
    const f = parseFetch(line);
    cache.set(f.uid, f.flags);
  }
  return cache;
}

/** Client A's first sync: the whole mailbox, with HIGHESTMODSEQ when the server enables QRESYNC. */
async function initialSync(t: Target): Promise<Synced> {
  const { c } = await login(t);
  const qresync = enabledQresync(await c.ok('ENABLE QRESYNC'));
  if (!qresync && WAYS.includes('qresync'))
    throw new Error(`${t.name} did not enable QRESYNC (ENABLE QRESYNC answered no * ENABLED QRESYNC)`);
  const sel = await c.ok('SELECT INBOX');
  const uidValidity = Number(responseCode(sel.untagged, 'UIDVALIDITY'));
  const highestModseq = qresync ? responseCode(sel.untagged, 'HIGHESTMODSEQ') : null;
  if (qresync && highestModseq === null) throw new Error(`${t.name}: SELECT after ENABLE QRESYNC gave no HIGHESTMODSEQ`);
  const cache = cacheOf(await c.ok(qresync ? 'UID FETCH 1:* (FLAGS MODSEQ)' : 'UID FETCH 1:* (FLAGS)'));
  await logout(c);
  if (cache.size !== MESSAGES) throw new Error(`${t.name}: the first sync saw ${cache.size} of ${MESSAGES} messages`);
  return { uidValidity, highestModseq, cache };
}

interface Changes {
  changed: number[];
  expunged: number[];
  /** The cache as it must be after a resync. */
  expected: Cache;
}

const toggle = (flags: string, flag: string): string => {
  const set = new Set(flags.split(' ').filter(Boolean));
  if (set.has(flag)) set.delete(flag);
  else set.add(flag);
  return [...set].sort().join(' ');
};

/** Session B: toggles \Flagged or \Seen on CHANGED random messages and expunges EXPUNGED others. */
async function changeMailbox(t: Target, before: Cache): Promise<Changes> {
  const uids = [...before.keys()].sort((a, b) => a - b);
  const random = rng(SEED * 7919 + 1);
  // A partial Fisher-Yates shuffle: the first CHANGED + EXPUNGED are distinct random UIDs.
  for (let i = 0; i < CHANGED + EXPUNGED; i++) {
    const j = i + Math.floor(random() * (uids.length - i));
    [uids[i], uids[j]] = [uids[j]!, uids[i]!];
  }
  const changed = uids.slice(0, CHANGED);
  const expunged = uids.slice(CHANGED, CHANGED + EXPUNGED).sort((a, b) => a - b);
  const expected: Cache = new Map(before);
  const { c } = await login(t);
  await c.ok('SELECT INBOX');
  const stores = changed.map((uid, i) => {
    const flag = i % 2 === 0 ? '\\flagged' : '\\seen';
    const now = toggle(before.get(uid)!, flag);
    expected.set(uid, now);
    const op = now.split(' ').includes(flag) ? '+' : '-';
    return c.ok(`UID STORE ${uid} ${op}FLAGS.SILENT (${flag === '\\flagged' ? '\\Flagged' : '\\Seen'})`);
  });
  await Promise.all(stores);
  const set = compressSet(expunged);
  await c.ok(`UID STORE ${set} +FLAGS.SILENT (\\Deleted)`);
  const ex = await c.ok(`UID EXPUNGE ${set}`);
  const gone = ex.untagged.filter((l) => /^\* \d+ EXPUNGE/i.test(l)).length;
  if (gone !== EXPUNGED) throw new Error(`${t.name}: UID EXPUNGE ${set} reported ${gone} expunges, not ${EXPUNGED}`);
  await logout(c);
  for (const uid of expunged) expected.delete(uid);
  return { changed: changed.sort((a, b) => a - b), expunged, expected };
}

/** Where `got` differs from `want`, a few examples; empty when equal. */
function differences(got: Cache, want: Cache): string[] {
  const out: string[] = [];
  for (const [uid, flags] of want) {
    if (!got.has(uid)) out.push(`UID ${uid} missing`);
    else if (got.get(uid) !== flags) out.push(`UID ${uid} flags (${got.get(uid)}), expected (${flags})`);
    if (out.length >= 5) return out;
  }
  for (const uid of got.keys()) {
    if (!want.has(uid)) out.push(`UID ${uid} present but should be gone`);
    if (out.length >= 5) return out;
  }
  return out;
}

function verify(what: string, got: Cache, want: Cache): void {
  const diff = differences(got, want);
  if (diff.length > 0) throw new Error(`VERIFICATION FAILED: ${what}: ${diff.join('; ')}`);
}

/** The server's state as another session reads it (EXAMINE: no \Recent claimed). */
async function serverState(t: Target): Promise<Cache> {
  const { c } = await login(t);
  await c.ok('EXAMINE INBOX');
  const cache = cacheOf(await c.ok('UID FETCH 1:* (FLAGS)'));
  await logout(c);
  return cache;
}

interface Sample {
  server: string;
  /** The QRESYNC SELECT's responses other than FETCH, and its first FETCH responses. */
  untagged: string[];
  fetches: string[];
  tagged: string;
}

/** Findings about a server's QRESYNC answers that do not break the resync but are worth a look. */
const notes: string[] = [];

async function resync(t: Target, way: Way, base: Synced, truth: Cache, repeat: number, samples: Sample[]): Promise<Run> {
  const { c, reply: loginReply } = await login(t);
  const cache: Cache = new Map(base.cache);
  const known = compressSet([...cache.keys()].sort((a, b) => a - b));
  const out0 = c.bytesOut;
  const cpu0 = t.cpu();
  const t0 = performance.now();
  let last: StreamReply;
  let fetches = 0;
  let vanished = 0;
  const steps: Record<string, number> = {};
  const step = (name: string) => (steps[name] = performance.now() - t0);
  if (way === 'qresync') {
    const en = await c.ok('ENABLE QRESYNC');
    step('ENABLE');
    if (!enabledQresync(en)) throw new Error(`${t.name} did not enable QRESYNC: ${en.untagged.join(' | ')}`);
    last = await c.ok(`SELECT INBOX (QRESYNC (${base.uidValidity} ${base.highestModseq} ${known}))`);
    step('SELECT (QRESYNC)');
    for (const line of last.untagged) {
      const m = /^\* VANISHED (\(EARLIER\) )?([\d:,]+)$/i.exec(line);
      if (!m) continue;
      if (!m[1]) notes.push(`${t.name}: VANISHED without (EARLIER) in the QRESYNC SELECT: ${line.slice(0, 120)}`);
      for (const uid of parseSet(m[2]!)) if (cache.delete(uid)) vanished++;
    }
    for (const line of last.fetchText) {
      const f = parseFetch(line);
      cache.set(f.uid, f.flags);
      fetches++;
    }
  } else {
    await c.ok('SELECT INBOX');
    step('SELECT');
    last = await c.ok('UID FETCH 1:* (FLAGS)');
    step('UID FETCH');
    const seen = new Set<number>();
    for (const line of last.fetchText) {
      const f = parseFetch(line);
      cache.set(f.uid, f.flags);
      seen.add(f.uid);
      fetches++;
    }
    for (const uid of [...cache.keys()]) {
      if (seen.has(uid)) continue;
      cache.delete(uid);
      vanished++;
    }
  }
  const ms = step('cache updated');
  const serverCpu = t.cpu() - cpu0;
  const run: Run = {
    server: t.name,
    way,
    repeat,
    ms,
    bytesIn: last.bytesIn - loginReply.bytesIn,
    bytesOut: c.bytesOut - out0,
    fetches,
    vanished,
    serverCpu,
    steps,
  };
  if (way === 'qresync' && repeat === 0) {
    samples.push({ server: t.name, untagged: last.untagged, fetches: last.fetchText.slice(0, 5), tagged: last.tagged });
    checkQresyncAnswer(t, base, last);
  }
  await logout(c);
  verify(`${t.name} after the ${way} resync (repeat ${repeat + 1})`, cache, truth);
  return run;
}

/** What RFC 7162 asks of the QRESYNC SELECT's answer, beyond what the cache check catches. */
function checkQresyncAnswer(t: Target, base: Synced, reply: StreamReply): void {
  const hms = responseCode(reply.untagged, 'HIGHESTMODSEQ');
  if (hms === null) notes.push(`${t.name}: no HIGHESTMODSEQ in the QRESYNC SELECT's answer (RFC 7162 §3.1.2.1)`);
  else if (BigInt(hms) <= BigInt(base.highestModseq ?? '0'))
    notes.push(`${t.name}: HIGHESTMODSEQ ${hms} after the changes is not above ${base.highestModseq}`);
  const withoutModseq = reply.fetchText.filter((l) => parseFetch(l).modseq === null);
  if (withoutModseq.length > 0)
    notes.push(
      `${t.name}: ${withoutModseq.length} FETCH responses without MODSEQ (RFC 7162 §3.2.5.1), e.g. ${withoutModseq[0]!.slice(0, 120)}`,
    );
  if (reply.fetchText.length !== CHANGED)
    notes.push(`${t.name}: ${reply.fetchText.length} FETCH responses to the QRESYNC SELECT for ${CHANGED} changed messages`);
  const vanishedLines = reply.untagged.filter((l) => /^\* VANISHED/i.test(l));
  if (vanishedLines.length === 0) notes.push(`${t.name}: no VANISHED (EARLIER) response for ${EXPUNGED} expunged messages`);
}

const fmtInt = (x: number): string => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const started = Date.now();
  const targets: Target[] = [];
  const runs: Run[] = [];
  const samples: Sample[] = [];
  const setup: Record<string, unknown> = {};
  try {
    for (const name of SERVERS) {
      if (name === 'gannet') targets.push(await startGannetTarget());
      else if (name === 'dovecot') targets.push(await startDovecotTarget());
      else throw new Error(`unknown server ${name} (gannet, dovecot)`);
    }
    const bases = new Map<Target, Synced>();
    const truths = new Map<Target, Cache>();
    for (const t of targets) {
      process.stderr.write(`filling ${t.name} with ${MESSAGES} messages…\n`);
      const fill = await fillInbox(t, MESSAGES, SEED);
      const base = await initialSync(t);
      const changes = await changeMailbox(t, base.cache);
      const truth = await serverState(t);
      verify(`${t.name}'s state after session B's changes`, truth, changes.expected);
      bases.set(t, base);
      truths.set(t, truth);
      setup[t.name] = {
        fillPerSecond: fill.perSecond,
        fillBytes: fill.bytes,
        uidValidity: base.uidValidity,
        highestModseq: base.highestModseq,
        changed: changes.changed,
        expunged: changes.expunged,
      };
    }
    for (let r = 0; r < REPEATS; r++) {
      for (const t of targets) {
        const ways = r % 2 === 0 ? WAYS : [...WAYS].reverse();
        for (const way of ways) {
          process.stderr.write(`${t.name} ${way} resync, repeat ${r + 1}/${REPEATS}\n`);
          runs.push(await resync(t, way, bases.get(t)!, truths.get(t)!, r, samples));
        }
      }
    }
    for (const t of targets) verify(`${t.name}'s state after the resyncs`, await serverState(t), truths.get(t)!);
  } finally {
    for (const t of targets) await t.stop().catch(() => {});
  }

  const summary = targets.flatMap((t) =>
    WAYS.map((way) => {
      const rs = runs.filter((r) => r.server === t.name && r.way === way);
      return {
        server: t.name,
        way,
        bytesIn: median(rs.map((r) => r.bytesIn)),
        bytesOut: median(rs.map((r) => r.bytesOut)),
        fetches: median(rs.map((r) => r.fetches)),
        vanished: median(rs.map((r) => r.vanished)),
        msMedian: median(rs.map((r) => r.ms)),
        msMax: Math.max(...rs.map((r) => r.ms)),
        cpuMsMedian: median(rs.map((r) => r.serverCpu)) * 1000,
        stepsMsMedian: Object.fromEntries(Object.keys(rs[0]?.steps ?? {}).map((k) => [k, median(rs.map((r) => r.steps[k] ?? 0))])),
      };
    }),
  );
  const machine = machineInfo(SERVERS.includes('dovecot'));
  console.log(
    `\nresync: ${MESSAGES.toLocaleString('en-US')} messages (seed ${SEED}), ${CHANGED} flag changes and ${EXPUNGED} expunges, ` +
      `${REPEATS} repeats; ${machine.cores} cores, node ${machine.node}, Dovecot ${machine.dovecot}`,
  );
  console.log('bytes from the end of the LOGIN reply to the end of the resync; time from the first resync command to the cache updated\n');
  console.log(
    '| server | way | bytes in | bytes out | FETCH responses | UIDs gone | ms median | ms max | server CPU ms | reply at, ms (median) |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of summary) {
    console.log(
      `| ${s.server} | ${s.way} | ${fmtInt(s.bytesIn)} | ${fmtInt(s.bytesOut)} | ${fmtInt(s.fetches)} | ${s.vanished} | ` +
        `${s.msMedian.toFixed(1)} | ${s.msMax.toFixed(1)} | ${s.cpuMsMedian.toFixed(0)} | ` +
        `${Object.entries(s.stepsMsMedian)
          .filter(([k]) => k !== 'cache updated')
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')} |`,
    );
  }
  const pick = (server: string, way: Way) => summary.find((s) => s.server === server && s.way === way);
  const ratios: Record<string, number> = {};
  console.log('');
  for (const t of targets) {
    const q = pick(t.name, 'qresync');
    const f = pick(t.name, 'full');
    if (!q || !f) continue;
    const r = f.bytesIn / q.bytesIn;
    ratios[`${t.name} full / QRESYNC bytes in`] = r;
    ratios[`${t.name} full / QRESYNC bytes in + out`] = (f.bytesIn + f.bytesOut) / (q.bytesIn + q.bytesOut);
    ratios[`${t.name} full / QRESYNC time`] = f.msMedian / q.msMedian;
    console.log(
      `${t.name}: full-resync bytes / QRESYNC bytes = ${r.toFixed(0)}× received, ` +
        `${((f.bytesIn + f.bytesOut) / (q.bytesIn + q.bytesOut)).toFixed(0)}× both ways (goal ≥ ${BYTES_GOAL}×: ${r >= BYTES_GOAL ? 'met' : 'NOT met'}); ` +
        `time ${(f.msMedian / q.msMedian).toFixed(1)}×`,
    );
  }
  const gq = pick('Gannet', 'qresync');
  const dq = pick('Dovecot', 'qresync');
  if (gq && dq) {
    const r = gq.msMedian / dq.msMedian;
    ratios['Gannet / Dovecot QRESYNC time'] = r;
    console.log(`Gannet time / Dovecot time, QRESYNC: ${r.toFixed(2)} (goal ≤ ${TIME_GOAL}: ${r <= TIME_GOAL ? 'met' : 'NOT met'})`);
  }
  const gf = pick('Gannet', 'full');
  const df = pick('Dovecot', 'full');
  if (gf && df) {
    ratios['Gannet / Dovecot full time'] = gf.msMedian / df.msMedian;
    console.log(`Gannet time / Dovecot time, full resync: ${(gf.msMedian / df.msMedian).toFixed(2)}`);
  }
  const uniqueNotes = [...new Set(notes)];
  if (uniqueNotes.length > 0) console.log(`\nNotes on the QRESYNC answers:\n${uniqueNotes.map((n) => `- ${n}`).join('\n')}`);
  writeResult(jsonOut, {
    bench: 'resync',
    date: new Date().toISOString(),
    quick: QUICK,
    messages: MESSAGES,
    seed: SEED,
    repeats: REPEATS,
    changed: CHANGED,
    expunged: EXPUNGED,
    seconds: (Date.now() - started) / 1000,
    machine,
    summary,
    ratios,
    notes: uniqueNotes,
    setup,
    samples,
    runs,
  });
}

runScenario(main);
