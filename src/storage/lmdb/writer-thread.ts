// The writer thread: where every mail store of the process executes its writes.
//
// Why a thread of its own: lmdb-js's asynchronous transactions commit on lmdb-js's own write
// thread, but they run each write's callback, inside the batch's transaction, on the thread
// that issued it: the write thread wakes that thread to run the callbacks, then again to
// resolve them. Issued from a busy server's main thread, each wake-up waited for a whole turn
// of an event loop serving every connection. Issued from here, they wait for a turn of a loop
// that has nothing else to do, and the main thread sends a write and hears back once.
//
// One thread serves every store the process opens (a server has one or a few; tests open
// hundreds), each store under the key its opener chose. One batch per store is issued at a
// time: the writes arriving meanwhile gather into the next (`setImmediate` runs after the port
// has delivered every message that has arrived), which is issued once the batch before has
// committed; write-schedule.ts picks which of them go first. Answering a batch (write-batch.ts)
// does not hold up the next one.

import { parentPort } from 'node:worker_threads';
import { openEnv, type Dbs } from './env.js';
import { failedBatch, issueBatch, sendableError, type BatchResult, type SentError, type WriteRequest } from './write-batch.js';
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
  /** A batch is issued and not yet committed. */
  busy: boolean;
  /** Batches committed and not yet answered. */
  answering: Set<Promise<void>>;
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
  if (commit.length === 0) return;
  const { committed, answered } = issueBatch(store.dbs, store.origin, commit);
  store.busy = true;
  const answering = answered
    .then((result) => send({ type: 'batch', key, result }))
    .catch((err: unknown) => {
      // A result that cannot be sent (a bug): the batch's writers still get an answer.
      send({ type: 'batch', key, result: failedBatch(commit, sendableError(err)) });
    });
  store.answering.add(answering);
  void answering.finally(() => store.answering.delete(answering));
  void committed.finally(() => {
    store.busy = false;
    if (store.queue.length > 0) schedule(key, store);
  });
}

function schedule(key: number, store: OpenStore): void {
  if (store.scheduled || store.busy) return;
  store.scheduled = true;
  setImmediate(() => {
    store.scheduled = false;
    if (stores.get(key) !== store || store.busy) return;
    commitNext(key, store);
  });
}

async function drain(key: number, store: OpenStore): Promise<void> {
  while (store.queue.length > 0 || store.busy) {
    if (!store.busy) commitNext(key, store);
    await Promise.allSettled([...store.answering]);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.allSettled([...store.answering]);
}

port.on('message', (message: ToWriter) => {
  switch (message.type) {
    case 'open': {
      // The caller's side opened the same environment a moment ago, so this seldom fails; if
      // it does, the store's writes are answered with the reason and the thread goes on.
      try {
        stores.set(message.key, { dbs: openEnv(message.path), origin: message.origin, queue: [], scheduled: false, busy: false, answering: new Set() });
      } catch (err) {
        unopened.set(message.key, sendableError(err));
      }
      return;
    }
    case 'write': {
      const store = stores.get(message.key);
      if (store === undefined) {
        const error = unopened.get(message.key) ?? sendableError(new Error('write to a store that is not open'));
        send({ type: 'batch', key: message.key, result: failedBatch([message], error) });
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
      const key = message.key;
      void drain(key, store)
        .then(() => {
          stores.delete(key);
          return store.dbs.root.close();
        })
        .finally(() => send({ type: 'closed', key }));
      return;
    }
  }
});
