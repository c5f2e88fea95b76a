// The writer thread: where every mail store of the process executes and commits its writes.
//
// Why a thread of its own: an LMDB commit writes the dirty pages and waits for fsync, and a
// busy server's main thread has better things to do for those milliseconds. lmdb-js's own
// asynchronous writes keep the commit off the main thread, but they run each write's
// callback there, inside the batch's transaction: the write thread wakes the main thread to
// run the callbacks, then again to resolve them, and under load each wake-up waits for a
// whole turn of a busy event loop. Here the main thread sends a write and hears back once.
//
// One thread serves every store the process opens (a server has one or a few; tests open
// hundreds), each store under the key its opener chose. Writes arriving while a commit runs
// are gathered into the next one (`setImmediate` runs after the port has delivered every
// message that has arrived), so a busy server commits many writes per fsync and an idle one
// commits each at once; write-schedule.ts picks which of them go first.

import { parentPort } from 'node:worker_threads';
import { openEnv, type Dbs } from './env.js';
import { runBatch, sendableError, type BatchResult, type SentError, type WriteRequest } from './write-batch.js';
import { nextCommit } from './write-schedule.js';

/** What a store sends: its opening, a write, or its closing once every write sent is answered. */
export type ToWriter =
  | { type: 'open'; key: number; path: string; origin: string }
  | ({ type: 'write'; key: number } & WriteRequest)
  | { type: 'close'; key: number };

/** What the thread answers: a committed batch of one store's writes, or that a store is closed. */
export type FromWriter = { type: 'batch'; key: number; result: BatchResult } | { type: 'closed'; key: number };

interface OpenStore {
  dbs: Dbs;
  origin: string;
  queue: WriteRequest[];
  scheduled: boolean;
}

const port = parentPort;
if (port === null) throw new Error('writer-thread.ts runs as a worker thread');
const stores = new Map<number, OpenStore>();
/** Stores whose environment this thread could not open, with the reason their writes get. */
const unopened = new Map<number, SentError>();

function send(message: FromWriter): void {
  port!.postMessage(message);
}

function commitNext(key: number, store: OpenStore): void {
  const { commit, rest } = nextCommit(store.queue);
  store.queue = rest;
  if (commit.length > 0) send({ type: 'batch', key, result: runBatch(store.dbs, store.origin, commit) });
}

function schedule(key: number, store: OpenStore): void {
  if (store.scheduled) return;
  store.scheduled = true;
  setImmediate(() => {
    store.scheduled = false;
    if (stores.get(key) !== store) return;
    commitNext(key, store);
    // What is left waits one turn, in which newly arrived light writes join it.
    if (store.queue.length > 0) schedule(key, store);
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
        send({ type: 'batch', key: message.key, result: { outcomes: [{ id: message.id, ok: false, error }], changed: [], seq: 0 } });
        return;
      }
      store.queue.push({ id: message.id, op: message.op, args: message.args });
      schedule(message.key, store);
      return;
    }
    case 'close': {
      const store = stores.get(message.key);
      unopened.delete(message.key);
      if (store === undefined) return send({ type: 'closed', key: message.key });
      while (store.queue.length > 0) commitNext(message.key, store);
      stores.delete(message.key);
      void store.dbs.root.close().finally(() => send({ type: 'closed', key: message.key }));
      return;
    }
  }
});
