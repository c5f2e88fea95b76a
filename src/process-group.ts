// Runs an external program in its own process group with a time limit: the password helper
// of auth.external (src/auth/helper-process.ts) and IMAP filter commands (workers/filter.ts).
// No shell; the group is killed as a whole, so a shell script's `sleep` or an LDAP client it
// started goes with it instead of being left behind.

import { spawn, type ChildProcess, type StdioPipe, type StdioNull } from 'node:child_process';

export interface GroupRunOptions {
  /** stdin, stdout and stderr: each a pipe to us, or ignored. */
  stdio: [StdioPipe | StdioNull, StdioPipe | StdioNull, StdioPipe | StdioNull];
  /** At this age the group is killed; the run then ends within `graceMs`. */
  timeoutMs: number;
  /**
   * How long the output pipes may stay open after the program exited (or was killed). A
   * program that left a background child holding them must not hold its caller past this;
   * what is left of the group then is killed.
   */
  graceMs: number;
  /** Run as this user/group (only possible when Gannet runs as root). */
  uid?: number;
  gid?: number;
}

/** How a run ended. */
export interface GroupExit {
  /** Exit code; null when killed by a signal, or when the run ended before the exit was seen. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The time limit ran out and the group was killed. */
  timedOut: boolean;
}

export interface GroupRun {
  /** The started program; its pipes are the caller's to write and read until `exit` settles. */
  child: ChildProcess;
  /**
   * Settles when the pipes have closed, or `graceMs` after the exit or the kill; the output
   * pipes are destroyed then. Rejects only when the program could not be started (ENOENT,
   * EACCES…).
   */
  exit: Promise<GroupExit>;
}

export function spawnGroup(file: string, args: readonly string[], options: GroupRunOptions): GroupRun {
  const child = spawn(file, args, {
    stdio: options.stdio,
    shell: false,
    // A new session and process group (setsid), so the group can be killed.
    detached: true,
    windowsHide: true,
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  const exit = new Promise<GroupExit>((resolve, reject) => {
    let code: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let timedOut = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ code, signal, timedOut });
    };

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      // Pipes close once the group is gone; do not wait on a process stuck in the kernel.
      grace = setTimeout(finish, options.graceMs);
    }, options.timeoutMs);

    child.once('error', (err) => {
      // 'error' without a pid means the program never started; after a start it can only
      // come from a kill, and the exit still follows.
      if (settled || child.pid !== undefined) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (c, s) => {
      code = c;
      signal = s;
      grace ??= setTimeout(() => {
        killGroup(child.pid); // whatever it left behind holding the pipes
        finish();
      }, options.graceMs);
    });
    child.once('close', () => {
      if (child.pid !== undefined) finish();
    });
  });
  return { child, exit };
}

/** SIGKILL to the whole process group of `pid` (which leads its own group). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
