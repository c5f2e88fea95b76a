// One commit of the writer thread: the writes that arrived together, issued as lmdb-js
// asynchronous child transactions in one turn, so that they share one commit and one that
// throws rolls back alone, then one change-log entry for the mailboxes they changed.
//
// lmdb-js's own write thread runs the commit and then, with `overlappingSync` (its default on
// Linux), the sync, after releasing the write lock; the callbacks run here, on the writer
// thread's event loop, which has nothing else to do. When a batch is answered depends on what
// it holds (needsSync). New mail, accounts and mailboxes: once the sync has finished, so once
// answered they survive a power cut. Changes to stored mail alone (flags, EXPUNGE, COPY, MOVE,
// \Recent, MIME indexes): once committed, with the sync already under way. A crash of the
// process then loses nothing acknowledged (the commit is in the OS's page cache), and a power
// cut can only undo the last commits, never an earlier one without the later ones (LMDB
// recovers to the last synced commit) and never stored mail: a COPY or MOVE undone leaves the
// message where it was, an EXPUNGE undone brings it back. That is the promise of Dovecot's
// default `mail_fsync = optimized`; a flag change does not wait for a device flush.

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
 * visible; `answered` once the batch may be answered: at that point for changes to stored mail
 * alone, after the sync for the rest.
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
  const flushed = needsSync(requests) ? new Promise<unknown>((resolve, reject) => root.flushed.then(resolve, reject)) : null;
  flushed?.catch(() => {}); // a failed commit is reported once, through the writes themselves
  const committed = Promise.allSettled([...results, logged]);
  const answered = (async (): Promise<BatchResult> => {
    const settled = await committed;
    let failure: unknown = null;
    if (settled[settled.length - 1]!.status === 'rejected') failure = (settled[settled.length - 1] as PromiseRejectedResult).reason;
    if (failure === null && flushed !== null) {
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

/** Whether the batch is answered only once synced: it holds new mail or changes accounts or mailboxes. */
export function needsSync(requests: readonly WriteRequest[]): boolean {
  return !requests.every((r) => ANSWERED_AT_COMMIT.has(r.op));
}

/** Writes that change only mail already stored: answered at commit (see the header). */
const ANSWERED_AT_COMMIT: ReadonlySet<WriteOpName> = new Set(['setFlags', 'expunge', 'copy', 'move', 'claimRecent', 'setMimeIndex']);

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
