// Server-side cost of a bench run, read from /proc (Linux): CPU seconds and memory (RSS and
// PSS) summed over a process and all its descendants, so a one-process server (Gannet) and a
// process-per-connection one (Dovecot) are measured the same way.

import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** Clock ticks per second for /proc/<pid>/stat times; 100 on every Linux platform Node runs on. */
const CLK_TCK = 100;

interface StatLine {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself, in ticks. */
  own: number;
  /** cutime + cstime: ticks of children that exited and were waited for. */
  reaped: number;
}

function readStat(pid: number): StatLine | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state); utime is field 14, so f[11]; stime f[12]; cutime f[13]; cstime f[14].
  return { pid, ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
}

/** `root` and every live descendant. */
export function processTree(root: number): StatLine[] {
  const all: StatLine[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = readStat(Number(e));
    if (s) all.push(s);
  }
  const children = new Map<number, StatLine[]>();
  for (const s of all) {
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  const top = all.find((s) => s.pid === root);
  if (!top) return [];
  const out: StatLine[] = [];
  const stack = [top];
  while (stack.length > 0) {
    const s = stack.pop()!;
    out.push(s);
    stack.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/**
 * CPU seconds (user + system) used so far by `root` and its descendants, living or exited:
 * an exited child's time is in its parent's cutime/cstime once reaped, so differences between
 * two readings stay right while processes come and go.
 */
export function cpuSeconds(root: number): number {
  let ticks = 0;
  for (const s of processTree(root)) ticks += s.own + s.reaped;
  return ticks / CLK_TCK;
}

export interface MemoryUse {
  /** Resident set size summed over the processes: counts shared pages once per process. */
  rssKiB: number;
  /** Proportional set size summed: each shared page split between the processes mapping it. */
  pssKiB: number;
  /**
   * Anonymous memory summed (heap, stacks): what the processes own beyond mapped files. For an
   * mmap store (LMDB) most of RSS is file pages the kernel can drop, so this is the figure to
   * compare alongside RSS/PSS.
   */
  anonKiB: number;
  processes: number;
}

/** RSS and PSS of `root` and its descendants, from smaps_rollup. */
export function memoryUse(root: number): MemoryUse {
  let rssKiB = 0;
  let pssKiB = 0;
  let anonKiB = 0;
  let processes = 0;
  for (const s of processTree(root)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${s.pid}/smaps_rollup`, 'utf8');
    } catch {
      continue;
    }
    rssKiB += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    pssKiB += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    anonKiB += Number(/^Anonymous:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    processes++;
  }
  return { rssKiB, pssKiB, anonKiB, processes };
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The soft and hard open-files limits of a live process (`Max open files` in /proc/<pid>/limits). */
export function openFilesLimit(pid: number): { soft: number; hard: number } {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const n = (s: string | undefined) => (s === 'unlimited' ? Infinity : Number(s ?? 0));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}

/** Whether something on the loopback `port` accepts a connection and greets (sends a first line). */
export function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('data', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
