// What the side-by-side benches over a large INBOX share: the two servers as targets (port, CPU
// seconds and memory of all their processes, stop), and the fill, which gives both the same
// seeded messages (fixtures/messages.ts) over IMAP: several connections, each with pipelined
// LITERAL+ APPENDs that carry the messages' flags and INTERNALDATE.

import { startDovecot } from './dovecot-server.js';
import { MessageGenerator } from './fixtures/messages.js';
import { pipeline, StreamClient, type StreamOptions } from './imap-stream.js';
import { cpuSeconds, memoryUse, type MemoryUse } from './proc-stats.js';
import { startBenchServer } from './server-process.js';

export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'secret';
export const FILL_CONNECTIONS = 8;
export const FILL_WINDOW = 16;

/** Dovecot+xapian: Dovecot with the fts-xapian plugin (search.ts). */
export type ServerName = 'Gannet' | 'Dovecot' | 'Dovecot+xapian';

export interface Target {
  name: ServerName;
  port: number;
  cpu(): number;
  memory(): MemoryUse;
  stop(): Promise<void>;
}

/** The compiled Gannet server with one user, `bench`. */
export async function startGannetTarget(): Promise<Target> {
  const s = await startBenchServer({ [BENCH_USER]: BENCH_PASSWORD });
  const pid = s.process.pid!;
  return { name: 'Gannet', port: s.port, cpu: () => cpuSeconds(pid), memory: () => memoryUse(pid), stop: () => s.stop() };
}

/** Dovecot as dovecot-server.ts configures it, with the same user. */
export async function startDovecotTarget(): Promise<Target> {
  const s = await startDovecot({ users: { [BENCH_USER]: BENCH_PASSWORD } });
  return { name: 'Dovecot', port: s.port, cpu: () => s.cpuSeconds(), memory: () => s.memory(), stop: () => s.stop() };
}

export const appendCommand = (m: { raw: Buffer; flags: string[]; internalDate: string }): Buffer =>
  Buffer.concat([Buffer.from(`APPEND INBOX (${m.flags.join(' ')}) "${m.internalDate}" {${m.raw.length}+}\r\n`), m.raw]);

/** A new connection, logged in as the bench user. */
export async function loginStream(port: number, opts: StreamOptions = {}): Promise<StreamClient> {
  const c = await StreamClient.open(port, '127.0.0.1', opts);
  await c.ok(`LOGIN ${BENCH_USER} ${BENCH_PASSWORD}`);
  return c;
}

export interface FillResult {
  /** APPENDs per second over the whole fill. */
  perSecond: number;
  /** Server CPU seconds the fill took. */
  cpu: number;
  /** The generator's marker counts (how many messages carry each marker word). */
  counts: MessageGenerator['counts'];
  /** Bytes of all the messages. */
  bytes: number;
}

/** Fills the bench user's INBOX with `messages` messages from the generator seeded with `seed`. */
export async function fillInbox(t: Target, messages: number, seed: number): Promise<FillResult> {
  const gen = new MessageGenerator(seed);
  const clients = await Promise.all(Array.from({ length: FILL_CONNECTIONS }, () => loginStream(t.port)));
  let sent = 0;
  let bytes = 0;
  let failed = false;
  const next = (): Buffer | null => {
    if (failed || sent >= messages) return null;
    const m = gen.next(sent++);
    bytes += m.raw.length;
    return appendCommand(m);
  };
  const cpu0 = t.cpu();
  const t0 = performance.now();
  await Promise.all(
    clients.map((c) =>
      pipeline(c, next, FILL_WINDOW).catch((err: unknown) => {
        failed = true; // the other connections stop sending
        throw err;
      }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  return { perSecond: messages / seconds, cpu: t.cpu() - cpu0, counts: gen.counts, bytes };
}
