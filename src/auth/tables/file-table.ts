// `table file PATH`: maddy's read-only text table (internal/table/file). One `key: value` per
// line; lines starting with `#` and blank lines are skipped; key and value are trimmed; a line
// without a colon maps the key to the empty string; a value with commas is a list, of which a
// single lookup returns the first element. A missing file is an empty table, as in maddy.

import { readFile, stat } from 'node:fs/promises';
import type { ReadableTable } from './table.js';

/** A syntax error in the table file, reported with file and line. */
export class TableFileError extends Error {
  override name = 'TableFileError';
}

interface Snapshot {
  /** Identity of the file version the map was read from; null when the file was missing. */
  stamp: string | null;
  entries: Map<string, string>;
}

/** Parses maddy's table file format. Exported for tests. */
export function parseTableFile(text: string, path: string): Map<string, string> {
  const entries = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    // maddy only skips `#` in the first column; an indented `#` line would become a key there.
    // No account name starts with `#`, so treating it as a comment here loses nothing.
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const key = (colon < 0 ? line : line.slice(0, colon)).trim();
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (key === '') throw new TableFileError(`${path}:${i + 1}: empty key before colon`);
    // Later lines win, as in maddy, where each line overwrites the map entry.
    entries.set(key, (value.split(',')[0] ?? '').trim());
  }
  return entries;
}

/**
 * A read-only table backed by a text file. Each access compares the file's modification time,
 * change time, size and inode with the version in memory and re-reads it when any differs,
 * so an edited (or atomically replaced) file takes effect on the next login without a reload.
 */
export class FileTable implements ReadableTable {
  readonly kind = 'file' as const;
  readonly mutable = false;
  readonly description: string;
  #snapshot: Snapshot | undefined;
  #loading: Promise<Snapshot> | undefined;

  constructor(readonly path: string) {
    this.description = `file table ${path}`;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#current()).entries.get(key);
  }

  async keys(): Promise<string[]> {
    return [...(await this.#current()).entries.keys()].sort();
  }

  async close(): Promise<void> {
    this.#snapshot = undefined;
  }

  async #current(): Promise<Snapshot> {
    // Concurrent logins share one stat/read instead of each reading the file.
    this.#loading ??= this.#refresh().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #refresh(): Promise<Snapshot> {
    const stamp = await this.#stamp();
    if (this.#snapshot !== undefined && this.#snapshot.stamp === stamp) return this.#snapshot;
    if (stamp === null) {
      this.#snapshot = { stamp, entries: new Map() };
      return this.#snapshot;
    }
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (isNotFound(err)) {
        this.#snapshot = { stamp: null, entries: new Map() };
        return this.#snapshot;
      }
      throw err;
    }
    // Keep the stamp taken before the read: if the file changes during the read, the next
    // access sees a different stamp and reads it again.
    this.#snapshot = { stamp, entries: parseTableFile(text, this.path) };
    return this.#snapshot;
  }

  async #stamp(): Promise<string | null> {
    try {
      const st = await stat(this.path, { bigint: true });
      return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT';
}
