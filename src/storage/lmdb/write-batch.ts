// One commit of the writer thread: the writes that arrived together, in one synchronous
// transaction, each in a child transaction of its own so that one that throws rolls back
// alone, then one change-log entry for the mailboxes they changed.
//
// The commit is synced before the call returns: a synchronous lmdb-js transaction without
// `NO_SYNC_FLUSH` makes LMDB's classic commit, data pages flushed, then the meta page written
// through a synchronous descriptor. So every write is answered once synced, and whatever was
// answered OK survives a power cut. That includes flag changes, EXPUNGE, COPY and MOVE,
// although Dovecot's `mail_fsync = optimized` does not sync those. (lmdb-js's asynchronous
// transactions, used before, resolved only after their sync too: in lmdb-js 3.5 the sync runs
// inside the commit call.) With `NO_SYNC_FLUSH` the call returned before the flush: 2.4 ms for
// a 3 MB commit against 6.2 ms synced, so that flag stays off.

import { StorageError, type StorageErrorKind } from '../types.js';
import { appendChangelog } from './changes.js';
import type { Dbs } from './env.js';
import type { Tx } from './tx.js';
import { runWrite, type WriteCall } from './write-ops.js';

/** A write as the thread queues it: the caller's id for the answer, and the write itself. */
export type WriteRequest = { id: number } & WriteCall;

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
 * The batch as one synchronous transaction of this thread, each write in its own child
 * transaction; returns once the commit is synced.
 */
export function commitBatch(dbs: Dbs, origin: string, requests: readonly WriteRequest[]): BatchResult {
  const root = dbs.root;
  const now = Date.now();
  const changed = new Set<number>();
  const outcomes: WriteOutcome[] = [];
  let seq = 0;
  try {
    root.transactionSync(() => {
      for (const request of requests) {
        const { id } = request;
        try {
          // Inside a synchronous transaction lmdb-js runs a child transaction at once and returns
          // its callback's value (its type says Promise); one that throws is rolled back alone.
          const value = root.childTransaction(() => {
            const tx: Tx = { dbs, now, changed: new Set() };
            const v = runWrite(tx, request);
            for (const mailboxId of tx.changed) changed.add(mailboxId);
            return v;
          }) as unknown;
          outcomes.push({ id, ok: true, value });
        } catch (err) {
          outcomes.push({ id, ok: false, error: sendableError(err) });
        }
      }
      if (changed.size > 0)
        seq = appendChangelog(
          { dbs, now, changed: new Set() },
          origin,
          [...changed].sort((a, b) => a - b),
        );
    });
  } catch (err) {
    return failedBatch(requests, sendableError(err));
  }
  return { outcomes, changed: [...changed].sort((a, b) => a - b), seq };
}

/** A batch none of whose writes took effect, each answered with `error`. */
export function failedBatch(requests: ReadonlyArray<{ id: number }>, error: SentError): BatchResult {
  return { outcomes: requests.map(({ id }) => ({ id, ok: false, error })), changed: [], seq: 0 };
}

/**
 * A committed batch whose result could not be sent: the writes that succeeded are answered as
 * uncertain (committed, with a result lost), those that failed keep their own error, and the
 * changed mailboxes are still reported.
 */
export function unsentBatch(result: BatchResult, cause: SentError): BatchResult {
  const error: SentError = { ...cause, kind: 'uncertain', message: `The change was stored but its result was lost: ${cause.message}` };
  return { ...result, outcomes: result.outcomes.map((o) => (o.ok ? { id: o.id, ok: false, error } : o)) };
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
