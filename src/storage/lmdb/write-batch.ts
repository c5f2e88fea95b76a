// One commit of the writer thread: the writes that arrived together, issued as lmdb-js
// asynchronous child transactions in one turn, so that they share one commit and one that
// throws rolls back alone, then one change-log entry for the mailboxes they changed.
//
// lmdb-js's own write thread runs the commit and then, with `overlappingSync` (its default on
// Linux), the sync, after releasing the write lock; the callbacks run here, on the writer
// thread's event loop, which has nothing else to do. Every write is answered once its commit
// is synced, so whatever was answered OK survives a power cut. That includes flag changes,
// EXPUNGE, COPY and MOVE, although Dovecot's `mail_fsync = optimized` does not sync those: in
// lmdb-js 3.5 (pinned) the write thread makes the sync inside LMDB's commit call
// (mdb_txn_commit, lmdb-js's overlapping-sync branch) and marks the commit done only once that
// call returns, so a transaction's promise never resolves before its sync. Measured: commit
// and `root.flushed` resolve within the same turn, at every batch size. Answering flag changes
// earlier would need a commit that is visible before it is synced, which lmdb-js does not
// report to JavaScript.

import { StorageError, type StorageErrorKind } from '../types.js';
import { appendChangelog } from './changes.js';
import type { Dbs } from './env.js';
import type { Tx } from './tx.js';
import { WRITE_OPS, type WriteOpName } from './write-ops.js';

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

/**
 * The batch as lmdb-js asynchronous child transactions, issued in one turn so that they share
 * one commit, which lmdb-js's own write thread makes. `committed` settles once the commit is
 * done (the next batch may be issued); `answered` once it is also synced.
 */
export function issueBatch(dbs: Dbs, origin: string, requests: readonly WriteRequest[]): { committed: Promise<unknown>; answered: Promise<BatchResult> } {
  const root = dbs.root;
  const now = Date.now();
  const changed = new Set<number>();
  let seq = 0;
  const results = requests.map(({ op, args }) =>
    root.childTransaction(() => {
      const tx: Tx = { dbs, now, changed: new Set() };
      const value = (WRITE_OPS[op] as (tx: Tx, ...args: unknown[]) => unknown)(tx, ...args);
      for (const mailboxId of tx.changed) changed.add(mailboxId);
      return value;
    }),
  );
  // Last in the same commit: by the time it runs, the writes' callbacks have run.
  const logged = root.childTransaction(() => {
    if (changed.size > 0) seq = appendChangelog({ dbs, now, changed: new Set() }, origin, [...changed].sort((a, b) => a - b));
  });
  // The flush of the commit these writes have just joined, taken now: `root.flushed` is read
  // when its `then` is called, and read after the commit it is the flush of whatever batch is
  // being gathered by then (lmdb-js 3.5, pinned). Called synchronously, not through
  // Promise.resolve, which would call it a microtask later.
  // Awaited although it settles with the commit (see the header): the promise holds even if a
  // later lmdb-js resolves commits first.
  const flushed = new Promise<unknown>((resolve, reject) => root.flushed.then(resolve, reject));
  flushed.catch(() => {}); // a failed commit is reported once, through the writes themselves
  const committed = Promise.allSettled([...results, logged]);
  const answered = (async (): Promise<BatchResult> => {
    const settled = await committed;
    let failure: unknown = null;
    if (settled[settled.length - 1]!.status === 'rejected') failure = (settled[settled.length - 1] as PromiseRejectedResult).reason;
    if (failure === null) {
      try {
        await flushed;
      } catch (err) {
        failure = err;
      }
    }
    if (failure !== null) {
      const error = sendableError(failure);
      return failedBatch(requests, error);
    }
    const outcomes = requests.map(({ id }, i): WriteOutcome => {
      const r = settled[i]!;
      return r.status === 'fulfilled' ? { id, ok: true, value: r.value } : { id, ok: false, error: sendableError(r.reason) };
    });
    return { outcomes, changed: [...changed].sort((a, b) => a - b), seq };
  })();
  return { committed, answered };
}

/** A batch none of whose writes took effect, each answered with `error`. */
export function failedBatch(requests: ReadonlyArray<{ id: number }>, error: SentError): BatchResult {
  return { outcomes: requests.map(({ id }) => ({ id, ok: false, error })), changed: [], seq: 0 };
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
