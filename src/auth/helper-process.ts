// Runs a password-checking helper the way maddy's auth.external does: the executable itself,
// no shell, `username\npassword\n` on its stdin, the verdict in its exit code.

import { spawnGroup } from '../process-group.js';

/** Bytes of helper stderr kept for error messages; helpers print a line or two. */
export const HELPER_STDERR_LIMIT = 4096;

/**
 * How long to wait for the helper's stderr to close after it exited. A helper that left a
 * background child holding the pipe must not hold the login past this (the child is killed).
 */
const STDERR_GRACE_MS = 500;

export interface HelperRun {
  /** Exit code, or null when the helper was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the helper was killed because it ran past the timeout. */
  timedOut: boolean;
  /** The start of what the helper wrote to stderr, for logs (never contains the password unless the helper echoes it). */
  stderr: string;
}

export interface HelperOptions {
  timeoutMs: number;
  /** Run the helper as this user/group (only possible when Gannet runs as root). */
  uid?: number;
  gid?: number;
}

/**
 * Starts `path`, writes the two lines, and resolves when it has exited (or was killed at the
 * timeout). Rejects only when the helper could not be started (missing, not executable).
 */
export async function runHelper(path: string, username: string, password: string, options: HelperOptions): Promise<HelperRun> {
  const { child, exit } = spawnGroup(path, [], {
    stdio: ['pipe', 'ignore', 'pipe'],
    timeoutMs: options.timeoutMs,
    graceMs: STDERR_GRACE_MS,
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < HELPER_STDERR_LIMIT) stderr = (stderr + chunk).slice(0, HELPER_STDERR_LIMIT);
  });
  child.stderr?.on('error', () => {
    /* a closed pipe only ends the capture */
  });
  // A helper may exit without reading its input (EPIPE); the exit code still decides.
  child.stdin?.on('error', () => {});
  child.stdin?.end(`${username}\n${password}\n`);
  const { code, signal, timedOut } = await exit;
  return { code, signal, timedOut, stderr };
}
