// One worker thread of the mixed-workload load generator (bench/mixed.ts). It runs its share of
// clients, each on its own user, each looping the session a mail client opens to check mail:
//
//   connect, LOGIN, LIST "" "*" (50 %) or STATUS INBOX (50 %), SELECT INBOX,
//   FETCH 1:* of FLAGS UID plus a random mix of ENVELOPE INTERNALDATE BODYSTRUCTURE RFC822.SIZE
//   and BODY.PEEK[HEADER.FIELDS (...)], FETCH n BODY.PEEK[] of one random message,
//   STORE n +FLAGS/-FLAGS ($Bench) (50 %), STORE n +FLAGS.SILENT (\Deleted), EXPUNGE,
//   APPEND of a corpus message, LOGOUT
//
// so each mailbox keeps its size. Choices come from a seeded generator per client, so two
// servers see the same sequence of commands. Every command's latency (write to tagged reply)
// is recorded per command name; a reply that is not OK, or no reply within COMMAND_TIMEOUT_MS,
// counts as an error and the client starts a new session.

import { parentPort, workerData } from 'node:worker_threads';

import { Corpus } from './fixtures/corpus.js';
import { rng } from './fixtures/messages.js';
import { StreamClient, type StreamReply } from './imap-stream.js';

export interface MixedWorkerInput {
  port: number;
  /** Users this worker drives, one client each. */
  users: Array<{ name: string; password: string; index: number }>;
  durationMs: number;
  seed: number;
  corpusSeed: number;
  corpusSize: number;
  /**
   * Paced runs: each client starts a session every this many ms (open loop), so two servers
   * can be compared at the same offered load. Absent: each client starts the next session as
   * soon as the last one ends (closed loop, the server's maximum rate).
   */
  sessionIntervalMs?: number;
}

export interface MixedWorkerOutput {
  /** Latencies in ms per command name. */
  latencies: Record<string, number[]>;
  /** Failures per command name (reply not OK, timeout, connection lost). */
  errors: Record<string, number>;
  /** First few failure texts, for the report. */
  samples: string[];
  loops: number;
  /** Share of the run this worker's event loop was busy: near 1 means the client, not the server, set the pace. */
  eventLoopUtilization: number;
}

/** A command that gets no tagged reply in this long is counted as failed and its session dropped. */
const COMMAND_TIMEOUT_MS = 60_000;
const HEADER_FIELDS = 'BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date Message-ID)]';
const OPTIONAL_ITEMS = ['ENVELOPE', 'INTERNALDATE', 'BODYSTRUCTURE', 'RFC822.SIZE', HEADER_FIELDS];

const input = workerData as MixedWorkerInput;
const corpus = new Corpus(input.corpusSeed, input.corpusSize);
const out: MixedWorkerOutput = { latencies: {}, errors: {}, samples: [], loops: 0, eventLoopUtilization: 0 };
/** Set when the parent says go (every worker at once); replies after it are not counted. */
let deadline = 0;

class CommandFailed extends Error {}

function record(name: string, ms: number): void {
  if (performance.now() <= deadline) (out.latencies[name] ??= []).push(ms);
}

function fail(name: string, text: string): never {
  out.errors[name] = (out.errors[name] ?? 0) + 1;
  if (out.samples.length < 10) out.samples.push(`${name}: ${text.slice(0, 200)}`);
  throw new CommandFailed(text);
}

async function timed(c: StreamClient, name: string, command: string | Buffer): Promise<StreamReply> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply in ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
  });
  let reply: StreamReply;
  try {
    reply = await Promise.race([c.command(command), timeout]);
  } catch (err) {
    fail(name, (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
  if (!/^\S+ OK/.test(reply.tagged)) fail(name, reply.tagged);
  record(name, performance.now() - t0);
  return reply;
}

function existsOf(reply: StreamReply): number {
  for (const line of reply.untagged) {
    const m = /^\* (\d+) EXISTS/.exec(line);
    if (m) return Number(m[1]);
  }
  return 0;
}

async function session(user: MixedWorkerInput['users'][number], r: () => number, n: number): Promise<void> {
  const t0 = performance.now();
  let c: StreamClient;
  try {
    c = await StreamClient.open(input.port);
  } catch (err) {
    fail('connect', (err as Error).message);
  }
  record('connect', performance.now() - t0);
  try {
    await timed(c, 'LOGIN', `LOGIN ${user.name} ${user.password}`);
    if (r() < 0.5) await timed(c, 'LIST', 'LIST "" "*"');
    else await timed(c, 'STATUS', 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)');
    let exists = existsOf(await timed(c, 'SELECT', 'SELECT INBOX'));
    const items = ['UID', 'FLAGS', ...OPTIONAL_ITEMS.filter(() => r() < 0.5)];
    if (exists > 0) {
      await timed(c, 'FETCH items', `FETCH 1:* (${items.join(' ')})`);
      await timed(c, 'FETCH BODY[]', `FETCH ${1 + Math.floor(r() * exists)} BODY.PEEK[]`);
      if (r() < 0.5) await timed(c, 'STORE keyword', `STORE ${1 + Math.floor(r() * exists)} ${r() < 0.5 ? '+' : '-'}FLAGS ($Bench)`);
      await timed(c, 'STORE \\Deleted', `STORE ${1 + Math.floor(r() * exists)} +FLAGS.SILENT (\\Deleted)`);
      await timed(c, 'EXPUNGE', 'EXPUNGE');
      exists--;
    }
    const m = corpus.message(n, user.index);
    await timed(
      c,
      'APPEND',
      Buffer.concat([Buffer.from(`APPEND INBOX (${m.flags.join(' ')}) "${m.internalDate}" {${m.raw.length}+}\r\n`), m.raw]),
    );
    await timed(c, 'LOGOUT', 'LOGOUT');
  } finally {
    c.close();
  }
}

async function client(user: MixedWorkerInput['users'][number]): Promise<void> {
  const r = rng(input.seed * 1_000_003 + user.index);
  const interval = input.sessionIntervalMs;
  // Paced clients start at spread-out offsets, so the sessions do not arrive in waves.
  let nextStart = performance.now() + (interval === undefined ? 0 : r() * interval);
  for (let n = 0; performance.now() < deadline; n++) {
    if (interval !== undefined) {
      const wait = nextStart - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // A session that overran its slot is followed at once, without a catch-up burst.
      nextStart = Math.max(performance.now(), nextStart) + interval;
      if (performance.now() >= deadline) break;
    }
    try {
      await session(user, r, n);
      if (performance.now() <= deadline) out.loops++;
    } catch (err) {
      if (!(err instanceof CommandFailed)) throw err;
    }
  }
}

// The corpus is built; wait for the parent so every worker starts (and stops) together.
await new Promise<void>((resolve) => {
  parentPort!.once('message', () => resolve());
  parentPort!.postMessage('ready');
});
deadline = performance.now() + input.durationMs;
const elu0 = performance.eventLoopUtilization();
setTimeout(() => (out.eventLoopUtilization = performance.eventLoopUtilization(elu0).utilization), input.durationMs).unref();
await Promise.all(input.users.map((u) => client(u)));
parentPort!.postMessage(out);
