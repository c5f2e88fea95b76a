// CONDSTORE and QRESYNC (RFC 7162) with several sessions racing on one mailbox, each race set
// up so that its outcome is exact:
//   - conditional STOREs from the same modseq: every message is changed by exactly one of them,
//     and each of the others names it in [MODIFIED] (§3.1.3), decided at commit;
//   - a QRESYNC session in IDLE that applies what it is told (VANISHED, FETCH with MODSEQ) ends
//     with exactly the server's state, whatever other sessions did meanwhile (§3.2.10);
//   - a client that reconnects with SELECT (QRESYNC …) after concurrent changes ends in sync,
//     and a second QRESYNC SELECT from the modseq it then knows reports nothing more.

import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

const srv = await startTestServer({ users: { alice: 'secret' } });
t.teardown(() => srv.close());

async function session(): Promise<WireClient> {
  return WireClient.login(srv.port(), 'alice', 'secret');
}

async function fill(c: WireClient, mailbox: string, n: number): Promise<void> {
  await c.command('c', `CREATE ${mailbox}`);
  for (let i = 1; i <= n; i++) {
    const text = `Subject: ${i}\r\n\r\nbody ${i}\r\n`;
    c.write(`ap APPEND ${mailbox} {${text.length}+}\r\n${text}\r\n`);
    await c.readTagged('ap');
  }
}

function highestModseq(lines: string[]): number {
  for (const l of lines) {
    const m = /^\* OK \[HIGHESTMODSEQ (\d+)\]/.exec(l);
    if (m) return Number(m[1]);
  }
  throw new Error(`no HIGHESTMODSEQ in ${JSON.stringify(lines)}`);
}

/** UIDs of a uid-set as the server writes it (`1:3,7`). */
function expand(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map(Number) as [number, number | undefined];
    for (let n = a; n <= (b ?? a); n++) out.push(n);
  }
  return out;
}

interface Fetched {
  uid: number;
  flags: string[] | null;
  modseq: number | null;
}

function parseFetch(line: string): Fetched | null {
  const m = /^\* \d+ FETCH \((.*)\)$/.exec(line);
  if (!m) return null;
  const uid = /UID (\d+)/.exec(m[1]!);
  const flags = /FLAGS \(([^)]*)\)/.exec(m[1]!);
  const modseq = /MODSEQ \((\d+)\)/.exec(m[1]!);
  if (!uid) throw new Error(`FETCH without UID under CONDSTORE: ${line}`);
  return {
    uid: Number(uid[1]),
    flags: flags ? flags[1]!.split(' ').filter((f) => f && f !== '\\Recent') : null,
    modseq: modseq ? Number(modseq[1]) : null,
  };
}

/** A client's cache of a mailbox: UID → flags, and the highest modseq it has heard of. */
class Cache {
  flags = new Map<number, string[]>();
  modseq = 0;
  apply(lines: string[]): void {
    for (const line of lines) {
      const v = /^\* VANISHED (?:\(EARLIER\) )?([\d:,]+)$/.exec(line);
      if (v) {
        for (const uid of expand(v[1]!)) this.flags.delete(uid);
        continue;
      }
      if (/^\* \d+ EXPUNGE$/.test(line)) throw new Error(`EXPUNGE under QRESYNC: ${line}`);
      const f = parseFetch(line);
      if (!f) continue;
      if (f.flags) this.flags.set(f.uid, f.flags.sort());
      if (f.modseq !== null) this.modseq = Math.max(this.modseq, f.modseq);
    }
  }
}

/** The server's state as a fresh full fetch sees it. */
async function truth(mailbox: string): Promise<Map<number, string[]>> {
  const c = await session();
  await c.command('s', `EXAMINE ${mailbox}`);
  const r = await c.command('f', 'UID FETCH 1:* (FLAGS)');
  await c.command('l', 'LOGOUT');
  const out = new Map<number, string[]>();
  for (const line of r.untagged) {
    const f = parseFetch(line);
    if (f) out.set(f.uid, f.flags!.sort());
  }
  return out;
}

t.test('conditional STOREs from one modseq, racing: each message is won by exactly one session', async (t) => {
  const sessions = await Promise.all([1, 2, 3, 4, 5].map(() => session()));
  t.teardown(() => sessions.forEach((s) => s.close()));
  await fill(sessions[0]!, 'Race', 20);
  const base = highestModseq((await sessions[0]!.command('s', 'SELECT Race')).untagged);
  for (const s of sessions.slice(1)) await s.command('s', 'SELECT Race');
  // Each session asks for its own keyword on every message, all from the same modseq, at once.
  const replies = await Promise.all(sessions.map((s, i) => s.command('st', `UID STORE 1:20 (UNCHANGEDSINCE ${base}) +FLAGS (k${i})`)));
  const won = new Map<number, number>();
  replies.forEach((r, i) => {
    const modified = /\[MODIFIED ([\d:,]+)\]/.exec(r.tagged);
    const lost = new Set(modified ? expand(modified[1]!) : []);
    // Its own changes show its keyword; FETCHes without it report the winners' changes.
    const reported = r.untagged.map(parseFetch).filter((f): f is Fetched => f !== null && f.flags !== null && f.flags.includes(`k${i}`));
    for (const f of reported) {
      t.notOk(lost.has(f.uid), `session ${i} reports no FETCH for UID ${f.uid}, which it lost`);
      t.ok(f.modseq !== null && f.modseq > base, 'with its new MODSEQ');
      t.notOk(won.has(f.uid), `UID ${f.uid} won once`);
      won.set(f.uid, i);
    }
    t.equal(reported.length + lost.size, 20, `session ${i}: every UID either changed or MODIFIED`);
  });
  t.equal(won.size, 20, 'every message changed by one session');
  const state = await truth('Race');
  for (const [uid, i] of won) t.same(state.get(uid), [`k${i}`], `UID ${uid} carries only its winner's keyword`);
});

t.test('a QRESYNC session in IDLE follows concurrent flag changes and expunges exactly', async (t) => {
  const [setup, watcher, x, y] = [await session(), await session(), await session(), await session()];
  t.teardown(() => [setup, watcher, x, y].forEach((s) => s.close()));
  await fill(setup, 'Watched', 30);
  await watcher.command('e', 'ENABLE QRESYNC');
  const cache = new Cache();
  const selected = await watcher.command('s', 'SELECT Watched');
  cache.modseq = highestModseq(selected.untagged);
  cache.apply((await watcher.command('f', 'UID FETCH 1:* (FLAGS)')).untagged);
  t.equal(cache.flags.size, 30);
  watcher.write('i IDLE\r\n');
  t.equal(await watcher.readLine(), '+ idling');
  await x.command('s', 'SELECT Watched');
  await y.command('s', 'SELECT Watched');
  // x flags the odd UIDs and expunges some; y flags the even ones and moves some away, at once.
  await Promise.all([
    (async () => {
      for (let uid = 1; uid <= 30; uid += 2) await x.command('st', `UID STORE ${uid} +FLAGS (\\Flagged)`);
      await x.command('d', 'UID STORE 1:9 +FLAGS.SILENT (\\Deleted)');
      await x.command('x', 'UID EXPUNGE 1:5');
    })(),
    (async () => {
      await y.command('c', 'CREATE Elsewhere');
      for (let uid = 2; uid <= 30; uid += 2) await y.command('st', `UID STORE ${uid} +FLAGS ($Seen2)`);
      await y.command('m', 'UID MOVE 20:24 Elsewhere');
    })(),
  ]);
  watcher.write('DONE\r\n');
  const done = await watcher.readTagged('i');
  t.equal(done.tagged, 'i OK IDLE terminated');
  // Whatever arrived while idling, and whatever the NOOP still brings.
  const idleLines = done.untagged;
  const noop = await watcher.command('n', 'NOOP');
  cache.apply([...idleLines, ...noop.untagged]);
  const state = await truth('Watched');
  t.same(
    [...cache.flags.entries()].sort((a, b) => a[0] - b[0]),
    [...state.entries()].sort((a, b) => a[0] - b[0]),
    'the cache equals the server',
  );
  t.ok(!idleLines.some((l) => / EXPUNGE$/.test(l)), 'no EXPUNGE once QRESYNC is on');
  // Reconnecting from what the session has heard of finds nothing it missed.
  await watcher.command('l', 'LOGOUT');
  const again = await session();
  t.teardown(() => again.close());
  await again.command('e', 'ENABLE QRESYNC');
  const uidValidity = /UIDVALIDITY (\d+)/.exec(selected.untagged.join('\n'))![1];
  const resync = await again.command('s', `SELECT Watched (QRESYNC (${uidValidity} ${cache.modseq}))`);
  const extra = resync.untagged.filter((l) => l.startsWith('* VANISHED') || / FETCH /.test(l));
  // Expunges carry no MODSEQ of their own for the client to have heard: those after the last
  // FETCH it saw may come again, as VANISHED (EARLIER) of UIDs it already dropped.
  for (const line of extra) {
    t.match(line, /^\* VANISHED \(EARLIER\) /, `only already-applied expunges come again: ${line}`);
    for (const uid of expand(line.split(' ').pop()!)) t.notOk(state.has(uid));
  }
});

t.test('reconnecting with QRESYNC after concurrent changes ends in sync', async (t) => {
  const setup = await session();
  t.teardown(() => setup.close());
  await fill(setup, 'Away', 40);
  // The client's last session: its cache and what it knew.
  const client = await session();
  await client.command('e', 'ENABLE QRESYNC');
  const cache = new Cache();
  const sel = await client.command('s', 'SELECT Away');
  const uidValidity = Number(/UIDVALIDITY (\d+)/.exec(sel.untagged.join('\n'))![1]);
  cache.modseq = highestModseq(sel.untagged);
  cache.apply((await client.command('f', 'UID FETCH 1:* (FLAGS MODSEQ)')).untagged);
  const lastUid = Math.max(...cache.flags.keys());
  await client.command('l', 'LOGOUT');

  // While it is away, three sessions change the mailbox at the same time.
  const writers = await Promise.all([1, 2, 3].map(() => session()));
  t.teardown(() => writers.forEach((w) => w.close()));
  for (const w of writers) await w.command('s', 'SELECT Away');
  await Promise.all([
    writers[0]!.command('a', 'UID STORE 1:40 +FLAGS (\\Seen)'),
    (async () => {
      await writers[1]!.command('d', 'UID STORE 10:19 +FLAGS.SILENT (\\Deleted)');
      await writers[1]!.command('x', 'UID EXPUNGE 10:19');
    })(),
    (async () => {
      const text = 'Subject: new\r\n\r\nnew\r\n';
      writers[2]!.write(`ap APPEND Away ($New) {${text.length}+}\r\n${text}\r\n`);
      await writers[2]!.readTagged('ap');
      await writers[2]!.command('r', 'UID STORE 30:35 -FLAGS (\\Seen)');
    })(),
  ]);

  const back = await session();
  t.teardown(() => back.close());
  await back.command('e', 'ENABLE QRESYNC');
  const resync = await back.command('s', `SELECT Away (QRESYNC (${uidValidity} ${cache.modseq} 1:${lastUid}))`);
  t.match(resync.untagged.join('\n'), /\* VANISHED \(EARLIER\) 10:19/, 'the expunges, by UID');
  cache.apply(resync.untagged);
  // New messages are above what it knew: fetched as a client does after a QRESYNC SELECT.
  cache.apply((await back.command('f', `UID FETCH ${lastUid + 1}:* (FLAGS)`)).untagged);
  const state = await truth('Away');
  t.same(
    [...cache.flags.entries()].sort((a, b) => a[0] - b[0]),
    [...state.entries()].sort((a, b) => a[0] - b[0]),
    'in sync',
  );
  const now = highestModseq(resync.untagged);
  const quiet = await back.command('s2', `SELECT Away (QRESYNC (${uidValidity} ${now}))`);
  t.notOk(
    quiet.untagged.some((l) => l.startsWith('* VANISHED') || / FETCH /.test(l)),
    'a second resync from the HIGHESTMODSEQ of the first reports nothing',
  );
});

t.test('under QRESYNC, EXPUNGE says in its tagged OK the modseq the client is now at', async (t) => {
  const [q, other] = [await session(), await session()];
  t.teardown(() => [q, other].forEach((s) => s.close()));
  await fill(q, 'Tagged', 6);
  await q.command('e', 'ENABLE QRESYNC');
  await q.command('s', 'SELECT Tagged');
  await other.command('s', 'SELECT Tagged');
  await other.command('f', 'UID STORE 1 +FLAGS (\\Answered)');
  await q.command('d', 'UID STORE 2:3 +FLAGS.SILENT (\\Deleted)');
  const x = await q.command('x', 'UID EXPUNGE 2:3');
  t.same(x.untagged, ['* VANISHED 2:3']);
  const status = await other.command('st', 'STATUS Tagged (HIGHESTMODSEQ)');
  const highest = /HIGHESTMODSEQ (\d+)/.exec(status.untagged[0]!)![1];
  t.equal(x.tagged, `x OK [HIGHESTMODSEQ ${highest}] EXPUNGE completed`);
  // A resync from that modseq has nothing to add.
  const uidValidity = /UIDVALIDITY (\d+)/.exec((await other.command('s2', 'SELECT Tagged')).untagged.join('\n'))![1];
  const again = await session();
  t.teardown(() => again.close());
  await again.command('e', 'ENABLE QRESYNC');
  const r = await again.command('s', `SELECT Tagged (QRESYNC (${uidValidity} ${highest}))`);
  t.notOk(r.untagged.some((l) => l.startsWith('* VANISHED') || / FETCH /.test(l)));
});

t.test('under QRESYNC, any command that reported a VANISHED says HIGHESTMODSEQ in its tagged OK', async (t) => {
  const [q, other] = [await session(), await session()];
  t.teardown(() => [q, other].forEach((s) => s.close()));
  await fill(q, 'Noop', 4);
  await q.command('e', 'ENABLE QRESYNC');
  await q.command('s', 'SELECT Noop');
  await other.command('s', 'SELECT Noop');
  await other.command('d', 'UID STORE 2 +FLAGS.SILENT (\\Deleted)');
  await other.command('x', 'UID EXPUNGE 2');
  const highest = /HIGHESTMODSEQ (\d+)/.exec((await other.command('st', 'STATUS Noop (HIGHESTMODSEQ)')).untagged[0]!)![1];
  const n = await q.command('n', 'NOOP');
  t.same(n.untagged, ['* VANISHED 2']);
  t.equal(n.tagged, `n OK [HIGHESTMODSEQ ${highest}] NOOP completed`);
  t.equal((await q.command('n2', 'NOOP')).tagged, 'n2 OK NOOP completed', 'nothing vanished, nothing said');
});
