// One commit of the writer thread: the writes that arrived together, each in its own child
// transaction so that one that throws rolls back alone, then one change-log entry for the
// mailboxes they changed, and a synchronous commit that returns once the data is synced.
//
// How much of the commit is synced depends on what it holds (commitFlags). New mail, accounts
// and mailboxes: the data pages and then the meta page that makes them current, so once
// answered they survive a power cut. Changes to stored mail alone (flags, EXPUNGE, COPY, MOVE,
// \Recent, MIME indexes): the data pages, and the meta page is left to the next commit's sync
// (MDB_NOMETASYNC, which LMDB documents as keeping the database intact). A power cut can then
// undo the last such commit, never an earlier one and never stored mail: a COPY or MOVE undone
// leaves the message where it was, an EXPUNGE undone brings it back. That is the promise of
// Dovecot's default `mail_fsync = optimized`, and it saves one of the two device flushes that
// every flag change would otherwise wait for.

import { StorageError, type StorageErrorKind } from '../types.js';
import { appendChangelog } from './changes.js';
import type { Dbs } from './env.js';
import type { Tx } from './tx.js';
import { WRITE_OPS, type WriteOpName } from './write-ops.js';
import type { TransactionFlags } from 'lmdb';

export interface WriteRequest {
  id: number;
  op: WriteOpName;
  args: unknown[];
}

/** An error as it crosses back to the caller's thread: StorageError keeps its kind. */
export interface SentError {
  kind: StorageErrorKind | null;
  name: string;
  message: string;
  stack: string | undefined;
}

export type WriteOutcome = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SentError };

export interface BatchResult {
  outcomes: WriteOutcome[];
  /** Mailboxes whose messages the batch changed, ascending. */
  changed: number[];
  /** The batch's change-log sequence number; 0 when it changed no mailbox. */
  seq: number;
}

export function runBatch(dbs: Dbs, origin: string, requests: readonly WriteRequest[]): BatchResult {
  const outcomes: WriteOutcome[] = [];
  const changed = new Set<number>();
  let seq = 0;
  try {
    dbs.root.transactionSync(() => {
      const now = Date.now();
      for (const { id, op, args } of requests) {
        const tx: Tx = { dbs, now, changed: new Set() };
        try {
          const step = WRITE_OPS[op] as (tx: Tx, ...args: unknown[]) => unknown;
          // A child of the batch's transaction, begun and ended synchronously: a throw aborts it alone.
          const value = dbs.root.childTransaction(() => step(tx, ...args)) as unknown;
          for (const mailboxId of tx.changed) changed.add(mailboxId);
          outcomes.push({ id, ok: true, value });
        } catch (err) {
          outcomes.push({ id, ok: false, error: sendableError(err) });
        }
      }
      if (changed.size > 0) seq = appendChangelog({ dbs, now, changed: new Set() }, origin, [...changed].sort((a, b) => a - b));
    }, commitFlags(requests));
  } catch (err) {
    // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
    const error = sendableError(err);
    return { outcomes: requests.map(({ id }) => ({ id, ok: false, error })), changed: [], seq: 0 };
  }
  return { outcomes, changed: [...changed].sort((a, b) => a - b), seq };
}

/** LMDB's transaction flags, as lmdb-js passes them through (lmdb.h, lmdb-js's TransactionFlags). */
const TXN_ABORTABLE = 0x1;
const TXN_SYNCHRONOUS_COMMIT = 0x2;
const MDB_NOMETASYNC = 0x40000;

/** Writes that change only mail already stored (see the header). */
const META_SYNC_DEFERRABLE: ReadonlySet<WriteOpName> = new Set(['setFlags', 'expunge', 'copy', 'move', 'claimRecent', 'setMimeIndex']);

export function commitFlags(requests: readonly WriteRequest[]): TransactionFlags {
  const deferMeta = requests.every((r) => META_SYNC_DEFERRABLE.has(r.op));
  // lmdb-js's typings list only the flags it names; LMDB's own pass through unchanged.
  return (TXN_ABORTABLE | TXN_SYNCHRONOUS_COMMIT | (deferMeta ? MDB_NOMETASYNC : 0)) as TransactionFlags;
}

export function sendableError(err: unknown): SentError {
  const e = asStorageError(err);
  if (e instanceof StorageError) return { kind: e.kind, name: e.name, message: e.message, stack: e.stack };
  if (e instanceof Error) return { kind: null, name: e.name, message: e.message, stack: e.stack };
  return { kind: null, name: 'Error', message: String(e), stack: undefined };
}

/** LMDB failures the IMAP side can answer with NO [UNAVAILABLE] rather than a server bug. */
function asStorageError(err: unknown): unknown {
  if (err instanceof StorageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/MDB_MAP_FULL|MDB_READERS_FULL|MDB_TXN_FULL|ENOSPC|closed/i.test(message)) {
    return new StorageError('unavailable', 'The mail store cannot take the change now', { cause: err });
  }
  return err;
}

/** The error on the caller's side: a StorageError again when it was one, with the writer's stack. */
export function receivedError(sent: SentError): Error {
  const err = sent.kind === null ? new Error(sent.message) : new StorageError(sent.kind, sent.message);
  err.name = sent.name;
  if (sent.stack !== undefined) err.stack = sent.stack;
  return err;
}
