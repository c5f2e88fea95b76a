// Runs a password-checking helper the way maddy's auth.external does: the executable itself,
// no shell, `username\npassword\n` on its stdin, the verdict in its exit code.

import { spawn } from 'node:child_process';

/** Bytes of helper stderr kept for error messages; helpers print a line or two. */
export const HELPER_STDERR_LIMIT = 4096;

/**
 * How long to wait for the helper's stderr to close after it exited. A helper that left a
 * background child holding the pipe must not hold the login past this.
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
export function runHelper(path: string, username: string, password: string, options: HelperOptions): Promise<HelperRun> {
  return new Promise<HelperRun>((resolve, reject) => {
    const child = spawn(path, [], {
      stdio: ['pipe', 'ignore', 'pipe'],
      shell: false,
      // Own process group, so a timeout kills the helper together with anything it started
      // (a shell script's `sleep`, an LDAP client) rather than leaving orphans behind.
      detached: true,
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });

    let stderr = '';
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const finish = (): void => {
      if (settled || exit === undefined) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      child.stderr?.destroy();
      resolve({ code: exit.code, signal: exit.signal, timedOut, stderr });
    };

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);

    child.once('error', (err) => {
      // 'error' without a pid means the helper never started; after a start it can only come
      // from kill(), which killGroup already tolerates.
      if (settled || child.pid !== undefined) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    });

    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < HELPER_STDERR_LIMIT) stderr = (stderr + chunk).slice(0, HELPER_STDERR_LIMIT);
    });
    child.stderr?.on('error', () => {
      /* a closed pipe only ends the capture */
    });

    child.once('exit', (code, signal) => {
      exit = { code, signal };
      graceTimer = setTimeout(finish, STDERR_GRACE_MS);
    });
    child.once('close', finish);

    // A helper may exit without reading its input (EPIPE); the exit code still decides.
    child.stdin?.on('error', () => {});
    child.stdin?.end(`${username}\n${password}\n`);
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
