// External tools for interoperability tests. Without a tool the test reports itself
// skipped with the reason; with GANNET_REQUIRE_INTEROP=1 (CI) a missing tool is a failure.

import { spawn, spawnSync } from 'node:child_process';

export const REQUIRE_INTEROP = process.env.GANNET_REQUIRE_INTEROP === '1';

/** Path of an executable on PATH, or null. */
export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * tap options for a test that needs `tool`: `{}` when present; `{ skip: reason }` when
 * absent, unless interop is required, in which case the test runs and fails on the check.
 */
export function needTool(tool: string, pkg: string): { skip?: string } {
  if (which(tool) || REQUIRE_INTEROP) return {};
  return { skip: `${tool} not installed (Debian package ${pkg}); set GANNET_REQUIRE_INTEROP=1 to make this a failure` };
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without blocking the event loop: the server under test lives in this
 * process, so spawnSync would deadlock against it.
 */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    // A program that exits without reading its input (ss) closes the pipe first: EPIPE is
    // its business, its exit status and output say what happened.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(opts.input ?? '');
  });
}
