// Starts a real Gannet server for a test: its own temp state dir, loopback, port 0.
// Returns plain data (ports, paths) and a close function; no tap-specific assertions here.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { startGannet, type GannetServer, type StartOptions } from '../../src/main.js';
import type { GannetConfig } from '../../src/config/schema.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { setPassword } from './credentials.js';

export interface TestServer {
  server: GannetServer;
  config: GannetConfig;
  stateDir: string;
  /** The configuration as a file, for `gannet --config` run as another process. */
  configFile: string;
  /** Bound port of the n-th listener of the first endpoint. */
  port(n?: number): number;
  /** Log records written so far, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TestServerOptions extends StartOptions {
  /** Config text; `$STATE` is replaced by the temp state dir. Default: one plaintext endpoint. */
  config?: string;
  /** Users to create in the default pass_table: name → password. */
  users?: Record<string, string>;
  /**
   * Keep the config's own `debug` settings. By default the server logs at debug level, as if
   * the config said `debug yes` at top level; tests of what a default logger shows set this.
   */
  keepDebug?: boolean;
}

export const DEFAULT_TEST_CONFIG = `
state_dir $STATE
log stderr
auth.pass_table local_authdb {
    table lmdb credentials
}
storage.lmdb local_mailboxes {
    path mail
}
imap tcp://127.0.0.1:0 {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
`;

/** A pino destination that keeps parsed records in memory. */
export function logSink(records: Array<Record<string, unknown>>): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gannet-test-'));
  const text = (opts.config ?? DEFAULT_TEST_CONFIG).replaceAll('$STATE', stateDir);
  const config = loadConfig({ text, cwd: stateDir });
  const configFile = join(stateDir, 'gannet.conf');
  writeFileSync(configFile, text);
  if (!opts.keepDebug) {
    // As `debug yes` at top level would: the endpoints take the global value as their default.
    config.debug = true;
    for (const ep of config.imap) ep.debug = true;
  }
  for (const [user, password] of Object.entries(opts.users ?? {})) {
    await setPassword(config, user, password);
  }
  const logs: Array<Record<string, unknown>> = [];
  const server = await startGannet(config, {
    authFailureDelayMs: 50,
    // One handle per listening socket: copying it costs a child process per server start, which
    // made the whole suite about 40 s slower; test/connection/accept.test.ts runs the default.
    acceptHandles: 1,
    logStream: logSink(logs),
    ...opts,
  });
  return {
    server,
    config,
    stateDir,
    configFile,
    logs,
    port(n = 0) {
      const p = server.endpoints[0]?.listeners[n]?.port;
      if (p == null) throw new Error('no such listener');
      return p;
    },
    async close() {
      await server.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export { createAuthenticator };
