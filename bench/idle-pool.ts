// The parent's handle on bench/idle-clients.ts: forks a few client processes (one process may
// hold only so many open files), spreads connections over them, and gathers their answers.
// Also the message types the two sides exchange over the IPC channel.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Milliseconds on a clock shared by the parent and its client processes. */
export const sharedClock = (): number => performance.timeOrigin + performance.now();

/** Parent → client process. */
export type ToClients =
  /** Open `count` more connections, at most `concurrency` handshakes in flight. */
  | { type: 'open'; port: number; count: number; concurrency: number; user: string; password: string }
  /** Close every connection (warm-up sessions). */
  | { type: 'drop' }
  /** Start watching for `* n EXISTS` with n ≥ `exists`; answered with `armed`. */
  | { type: 'arm'; exists: number }
  /** Answer with `seen` once every connection saw the armed EXISTS, or at `deadline` (shared clock). */
  | { type: 'collect'; deadline: number };

/** Client process → parent. */
export type FromClients =
  | { type: 'ready' }
  | { type: 'opened'; total: number }
  | { type: 'dropped' }
  | { type: 'armed' }
  /** `times`: when each connection saw the armed EXISTS (shared clock); `closed`: connections lost so far. */
  | { type: 'seen'; times: number[]; missing: number; closed: number }
  | { type: 'error'; message: string };

type Reply<T extends FromClients['type']> = Extract<FromClients, { type: T }>;

const CLIENT_SCRIPT = fileURLToPath(new URL('./idle-clients.ts', import.meta.url));

/** One client process: requests go one at a time, each awaited before the next is sent. */
class ClientProcess {
  readonly child: ChildProcess;
  #waiting: { type: string; resolve: (m: FromClients) => void; reject: (e: Error) => void } | null = null;
  #gone: Error | null = null;

  constructor() {
    this.child = fork(CLIENT_SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromClients) => {
      const w = this.#waiting;
      if (!w) return;
      this.#waiting = null;
      if (m.type === w.type) w.resolve(m);
      else w.reject(new Error(m.type === 'error' ? `client process: ${m.message}` : `client process answered ${m.type}, not ${w.type}`));
    });
    this.child.on('exit', (code, signal) => {
      this.#gone = new Error(`client process exited (${signal ?? code})`);
      this.#waiting?.reject(this.#gone);
      this.#waiting = null;
    });
  }

  /** Waits for the next message of type `type` (after sending `m`, when given). */
  request<T extends FromClients['type']>(type: T, m?: ToClients): Promise<Reply<T>> {
    if (this.#gone) return Promise.reject(this.#gone);
    const p = new Promise<FromClients>((resolve, reject) => (this.#waiting = { type, resolve, reject }));
    if (m) this.child.send(m);
    return p as Promise<Reply<T>>;
  }
}

export interface Seen {
  /** When each connection saw the EXISTS (shared clock). */
  times: number[];
  missing: number;
  closed: number;
}

export class ClientPool {
  #procs: ClientProcess[];

  private constructor(procs: ClientProcess[]) {
    this.#procs = procs;
  }

  /** Forks the client processes and waits (at most `timeoutMs`) until each is ready. */
  static async start(processes: number, timeoutMs: number): Promise<ClientPool> {
    const procs = Array.from({ length: processes }, () => new ClientProcess());
    const pool = new ClientPool(procs);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`client processes not ready after ${timeoutMs / 1000} s`)), timeoutMs)),
    );
    try {
      await Promise.race([Promise.all(procs.map((p) => p.request('ready'))), late]);
    } catch (err) {
      await pool.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return pool;
  }

  /** Opens `total` IDLE connections spread evenly over the processes; resolves with the count held. */
  async open(port: number, total: number, opts: { concurrency: number; user: string; password: string }): Promise<number> {
    const k = this.#procs.length;
    const replies = await Promise.all(
      this.#procs.map((p, i) => {
        const count = Math.floor(total / k) + (i < total % k ? 1 : 0);
        return p.request('opened', { type: 'open', port, count, ...opts });
      }),
    );
    return replies.reduce((sum, r) => sum + r.total, 0);
  }

  async drop(): Promise<void> {
    await Promise.all(this.#procs.map((p) => p.request('dropped', { type: 'drop' })));
  }

  async arm(exists: number): Promise<void> {
    await Promise.all(this.#procs.map((p) => p.request('armed', { type: 'arm', exists })));
  }

  async collect(deadline: number): Promise<Seen> {
    const replies = await Promise.all(this.#procs.map((p) => p.request('seen', { type: 'collect', deadline })));
    return {
      times: replies.flatMap((r) => r.times),
      missing: replies.reduce((s, r) => s + r.missing, 0),
      closed: replies.reduce((s, r) => s + r.closed, 0),
    };
  }

  /** Ends the client processes (and so their connections); they are this pool's own children. */
  async close(): Promise<void> {
    const live = this.#procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const exited = live.map((p) => new Promise((r) => p.child.once('exit', r)));
    for (const p of live) p.child.kill('SIGKILL');
    await Promise.all(exited);
  }
}
