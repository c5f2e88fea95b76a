// Credential tables: string keys (normalised account names) to string values (stored hashes),
// as maddy's `table` modules. `table lmdb NAME` is writable, `table file PATH` is read-only.

import type { TableConfig } from '../../config/schema.js';
import { FileTable } from './file-table.js';
import { LmdbTable } from './lmdb-table.js';

/** A table that can be read. Every read sees the latest committed or saved contents. */
export interface ReadableTable {
  readonly kind: TableConfig['kind'];
  /** A short description for messages: `lmdb table "local_authdb"`, `file table /etc/...`. */
  readonly description: string;
  /** Whether the table can be written (it is then a MutableTable); `gannet creds` asks. */
  readonly mutable: boolean;
  get(key: string): Promise<string | undefined>;
  /** All keys, in sorted order. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

/** A table that can also be written (`gannet creds`). */
export interface MutableTable extends ReadableTable {
  readonly mutable: true;
  set(key: string, value: string): Promise<void>;
  /** Stores the value only if the key is absent; false when it already existed. */
  add(key: string, value: string): Promise<boolean>;
  /** False when the key did not exist. */
  delete(key: string): Promise<boolean>;
}

export function isMutableTable(table: ReadableTable): table is MutableTable {
  return table.mutable;
}

/** Opens the table a configuration names; lmdb tables live under `<stateDir>/tables`. */
export function openTable(cfg: TableConfig, stateDir: string): ReadableTable {
  switch (cfg.kind) {
    case 'lmdb':
      return LmdbTable.open(stateDir, cfg.name);
    case 'file':
      return new FileTable(cfg.path);
  }
}
