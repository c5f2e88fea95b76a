// piscina task: run one IMAP filter command (maddy-imap-filters(5)) without a shell, the
// message on its stdin, and collect what it prints. The command gets its own process group
// (setsid), so a time-out kills it together with whatever it started.

import { spawn } from 'node:child_process';
import type { FilterTaskInput, FilterTaskOutput } from './contracts.js';

/**
 * After the command itself has exited, how long to wait for its output pipes to close. A
 * filter that leaves a background child holding stdout open must not hold the delivery until
 * the time-out.
 */
const PIPE_GRACE_MS = 200;

export default function runFilter(input: FilterTaskInput): Promise<FilterTaskOutput> {
  const started = performance.now();
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let truncated = false;
    let timedOut = false;
    let finished = false;
    let exitCode: number | null = null;
    let signal: string | null = null;

    const finish = (spawnError: string | null): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(grace);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({
        exitCode,
        signal,
        timedOut,
        spawnError,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        truncated,
        ms: performance.now() - started,
      });
    };

    const child = spawn(input.executable, input.args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // a new session and process group, so the group can be killed
      shell: false,
      windowsHide: true,
    });
    let grace: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      // Pipes close once the group is gone; do not wait on a process stuck in the kernel.
      grace = setTimeout(() => finish(null), PIPE_GRACE_MS);
    }, input.timeoutMs);

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
    child.stdout.on('data', (d: Buffer) => (outBytes = keep(out, outBytes, d)));
    child.stderr.on('data', (d: Buffer) => (errBytes = keep(err, errBytes, d)));
    // A filter that exits without reading all of its input closes the pipe: EPIPE is its
    // right, not an error of ours.
    child.stdin.on('error', () => {});
    child.on('error', (e) => finish((e as NodeJS.ErrnoException).code ?? e.message));
    child.on('exit', (code, sig) => {
      exitCode = code;
      signal = sig;
      grace ??= setTimeout(() => {
        killGroup(child.pid); // whatever it left behind holding the pipes
        finish(null);
      }, PIPE_GRACE_MS);
    });
    child.on('close', () => finish(null));
    child.stdin.end(input.stdin);
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
