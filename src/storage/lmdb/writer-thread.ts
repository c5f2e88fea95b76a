// The writer thread: where every mail store of the process executes its writes.
//
// Why a thread of its own: a commit is synced to disk before its writes are answered, and a
// sync blocks. Here it blocks a thread that has nothing else to do, while the main thread goes
// on serving every connection; it sends a write and hears back once.
//
// Why synchronous transactions here, not lmdb-js's asynchronous ones (used before): an
// asynchronous batch crosses between this thread and lmdb-js's own write thread three times
// (to run the writes' callbacks, to commit, to resolve), each a wake-up on a machine whose
// cores the main thread keeps busy. A synchronous transaction runs the writes, commits and
// syncs in one call. Measured A/B on 2 cores, same tree otherwise: 10 clients closed loop 9 %
// more commands/s and write p99 22–35 ms against 29–47; 100 clients about 5 % more
// commands/s with write latencies level; paced light load level.
//
// One thread serves every store the process opens (a server has one or a few; tests open
// hundreds), each store under the key its opener chose. A store's writes that arrive while a
// commit runs wait in the port and gather into the next (`setImmediate` runs after the port
// has delivered every message that has arrived); write-schedule.ts picks which go first.

import { parentPort, workerData } from 'node:worker_threads';
import { openEnv, type Dbs } from './env.js';
import {
  commitBatch,
  failedBatch,
  sendableError,
  unsentBatch,
  type BatchResult,
  type SentError,
  type WriteRequest,
} from './write-batch.js';
import { nextCommit } from './write-schedule.js';

/** What a store sends: its opening, a write, or its closing once every write sent is answered. */
export type ToWriter =
  | { type: 'open'; key: number; path: string; origin: string }
  | { type: 'write'; key: number; request: WriteRequest }
  | { type: 'close'; key: number };

/** What the thread answers: a synced batch of one store's writes, or that a store is closed. */
export type FromWriter = { type: 'batch'; key: number; result: BatchResult } | { type: 'closed'; key: number };

interface OpenStore {
  dbs: Dbs;
  origin: string;
  queue: WriteRequest[];
  scheduled: boolean;
}

const port = parentPort;
if (port === null) throw new Error('writer-thread.ts runs as a worker thread');
/** The test fault of writer-channel.ts: exit between the commit of an APPEND of a marked message and its answer. */
const faultMark = (workerData as { exitAfterCommitOf?: string | null } | null)?.exitAfterCommitOf ?? null;

function faultHits(commit: readonly WriteRequest[]): boolean {
  if (faultMark === null) return false;
  const mark = Buffer.from(faultMark);
  return commit.some((r) => r.op === 'append' && r.items.some((item) => Buffer.from(item.body).includes(mark)));
}
const stores = new Map<number, OpenStore>();
/** Stores whose environment this thread could not open, with the reason their writes get. */
const unopened = new Map<number, SentError>();

function send(message: FromWriter): void {
  port!.postMessage(message);
}

function commitNext(key: number, store: OpenStore): void {
  const { commit, rest } = nextCommit(store.queue);
  store.queue = rest;
  if (commit.length === 0) return;
  // commitBatch answers its own failures, the commit's included, as failed writes.
  const result = commitBatch(store.dbs, store.origin, commit);
  if (faultHits(commit) && result.changed.length > 0) process.exit(1);
  try {
    send({ type: 'batch', key, result });
  } catch (err) {
    // A result that cannot be sent (a bug): the batch's writers still get an answer, and it
    // must not say their writes failed: those that succeeded are committed.
    send({ type: 'batch', key, result: unsentBatch(result, sendableError(err)) });
  }
  if (store.queue.length > 0) schedule(key, store);
}

function schedule(key: number, store: OpenStore): void {
  if (store.scheduled) return;
  store.scheduled = true;
  setImmediate(() => {
    store.scheduled = false;
    if (stores.get(key) === store) commitNext(key, store);
  });
}

port.on('message', (message: ToWriter) => {
  switch (message.type) {
    case 'open': {
      // The caller's side opened the same environment a moment ago, so this seldom fails; if
      // it does, the store's writes are answered with the reason and the thread goes on.
      try {
        stores.set(message.key, { dbs: openEnv(message.path), origin: message.origin, queue: [], scheduled: false });
      } catch (err) {
        unopened.set(message.key, sendableError(err));
      }
      return;
    }
    case 'write': {
      const store = stores.get(message.key);
      if (store === undefined) {
        const error = unopened.get(message.key) ?? sendableError(new Error('write to a store that is not open'));
        send({ type: 'batch', key: message.key, result: failedBatch([message.request], error) });
        return;
      }
      store.queue.push(message.request);
      schedule(message.key, store);
      return;
    }
    case 'close': {
      const store = stores.get(message.key);
      unopened.delete(message.key);
      if (store === undefined) return send({ type: 'closed', key: message.key });
      const key = message.key;
      // Every write the store sent came before its close: commit what still waits, then close.
      while (store.queue.length > 0) commitNext(key, store);
      stores.delete(key);
      void store.dbs.root.close().finally(() => send({ type: 'closed', key }));
      return;
    }
  }
});
