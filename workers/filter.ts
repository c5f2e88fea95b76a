// piscina task: run one IMAP filter command (maddy-imap-filters(5)) without a shell, the
// message on its stdin, and collect what it prints. The command gets its own process group
// (setsid), so a time-out kills it together with whatever it started.

import { spawnGroup } from '../src/process-group.js';
import type { FilterTaskInput, FilterTaskOutput } from './contracts.js';

/**
 * After the command itself has exited, how long to wait for its output pipes to close. A
 * filter that leaves a background child holding stdout open must not hold the delivery until
 * the time-out.
 */
const PIPE_GRACE_MS = 200;

export default async function runFilter(input: FilterTaskInput): Promise<FilterTaskOutput> {
  const started = performance.now();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outBytes = 0;
  let errBytes = 0;
  let truncated = false;
  const { child, exit } = spawnGroup(input.executable, input.args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeoutMs: input.timeoutMs,
    graceMs: PIPE_GRACE_MS,
  });
  const keep = (chunks: Buffer[], used: number, d: Buffer): number => {
    const room = input.maxOutputBytes - used;
    if (room <= 0) {
      truncated = true;
      return used;
    }
    if (d.length > room) truncated = true;
    chunks.push(d.length > room ? d.subarray(0, room) : d);
    return used + Math.min(d.length, room);
  };
  child.stdout?.on('data', (d: Buffer) => (outBytes = keep(out, outBytes, d)));
  child.stderr?.on('data', (d: Buffer) => (errBytes = keep(err, errBytes, d)));
  // A filter that exits without reading all of its input closes the pipe: EPIPE is its
  // right, not an error of ours.
  child.stdin?.on('error', () => {});
  child.stdin?.end(input.stdin);
  let ended: { code: number | null; signal: string | null; timedOut: boolean };
  let spawnError: string | null = null;
  try {
    ended = await exit;
  } catch (e) {
    spawnError = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    ended = { code: null, signal: null, timedOut: false };
  }
  return {
    exitCode: ended.code,
    signal: ended.signal,
    timedOut: ended.timedOut,
    spawnError,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    truncated,
    ms: performance.now() - started,
  };
}
