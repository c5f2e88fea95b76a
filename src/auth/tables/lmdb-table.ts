// `table lmdb NAME`: a writable credential table, one named sub-database per table inside a
// single LMDB environment at `<stateDir>/tables`. The running server and `gannet creds` open
// the same environment from different processes at once; LMDB's lock file makes that safe.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { MutableTable } from './table.js';

/** Directory name of the environment under the state directory. */
export const TABLES_DIR = 'tables';

/**
 * Named sub-databases the environment can hold: one per `table lmdb NAME` in the config.
 * lmdb-js defaults to 12 and the 13th open fails with MDB_DBS_FULL; a config has a handful of
 * tables, and each extra slot costs only a few bytes, so leave generous room.
 */
export const MAX_TABLES = 128;

interface SharedEnv {
  root: RootDatabase<string, string>;
  users: number;
}

// LMDB forbids opening one environment twice in a process, and several tables share it, so
// environments are shared per directory and closed when their last table closes.
const envs = new Map<string, SharedEnv>();

function acquireEnv(path: string): SharedEnv {
  let env = envs.get(path);
  if (env === undefined) {
    mkdirSync(path, { recursive: true });
    const root = open<string, string>({
      path,
      // The directory name may contain a dot (test directories do); without this lmdb-js
      // would take the path for a data file name.
      noSubdir: false,
      maxDbs: MAX_TABLES,
      encoding: 'string',
    });
    env = { root, users: 0 };
    envs.set(path, env);
  }
  env.users += 1;
  return env;
}

async function releaseEnv(path: string): Promise<void> {
  const env = envs.get(path);
  if (env === undefined) return;
  env.users -= 1;
  if (env.users > 0) return;
  envs.delete(path);
  await env.root.close();
}

/** One credential table: key = normalised account name, value = stored hash string. */
export class LmdbTable implements MutableTable {
  readonly kind = 'lmdb' as const;
  readonly mutable = true as const;
  readonly description: string;
  #closed = false;

  private constructor(
    private readonly envPath: string,
    private readonly db: Database<string, string>,
    name: string,
  ) {
    this.description = `lmdb table "${name}"`;
  }

  /** Opens (creating if needed) table `name` in `<stateDir>/tables`. */
  static open(stateDir: string, name: string): LmdbTable {
    const envPath = join(stateDir, TABLES_DIR);
    const env = acquireEnv(envPath);
    try {
      // Values are plain strings, not msgpack: no shared structures to keep in step between
      // processes, and the stored form is the same text maddy keeps in its tables.
      const db = env.root.openDB<string, string>({ name, encoding: 'string' });
      return new LmdbTable(envPath, db, name);
    } catch (err) {
      void releaseEnv(envPath);
      throw err;
    }
  }

  async get(key: string): Promise<string | undefined> {
    this.#checkOpen();
    // lmdb-js reuses one read transaction until the next event-loop turn or a local commit.
    // A commit by another process (the CLI) is not a local commit, so start a fresh read
    // transaction: a password changed a moment ago must take effect on the next login.
    this.db.resetReadTxn();
    return this.db.get(key);
  }

  async keys(): Promise<string[]> {
    this.#checkOpen();
    this.db.resetReadTxn();
    return Array.from(this.db.getKeys());
  }

  async set(key: string, value: string): Promise<void> {
    this.#checkOpen();
    await this.db.put(key, value);
  }

  async add(key: string, value: string): Promise<boolean> {
    this.#checkOpen();
    // Inside a write transaction the read sees the latest commit of every process, and the
    // write lock keeps two concurrent `creds create` from both succeeding.
    return this.db.transaction(() => {
      if (this.db.get(key) !== undefined) return false;
      void this.db.put(key, value);
      return true;
    });
  }

  async delete(key: string): Promise<boolean> {
    this.#checkOpen();
    // lmdb-js's remove() resolves true whether or not the key existed; look inside the write
    // transaction to answer the question.
    return this.db.transaction(() => {
      if (this.db.get(key) === undefined) return false;
      void this.db.remove(key);
      return true;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Sub-databases are closed with their environment.
    await releaseEnv(this.envPath);
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`${this.description} is closed`);
  }
}
