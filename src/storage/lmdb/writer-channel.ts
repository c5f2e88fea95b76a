// The stores' side of the writer thread (writer-thread.ts): one thread for the process,
// started with the first store and shared by every store; each store sends its writes under
// its own key and hears back its own batches. While no write is outstanding the thread does
// not hold the process open, so a CLI command still exits when its work is done.

import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { StorageError } from '../types.js';
import { receivedError, type BatchResult, type WriteRequest } from './write-batch.js';
import type { WriteCall, WriteFields, WriteOpName, WriteResult } from './write-ops.js';
import type { FromWriter, ToWriter } from './writer-thread.js';

// The thread's module sits beside this one in the same flavour: .ts under tsx and tap, .js in
// dist. Under TypeScript the thread registers tsx itself before importing it: on Node 20 a
// loader inherited through execArgv is registered asynchronously and is not yet in place for a
// worker's first import.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WRITER_MODULE = new URL(`./writer-thread${EXT}`, import.meta.url).href;
const ENTRY =
  EXT === '.ts'
    ? `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(WRITER_MODULE)});`
    : `await import(${JSON.stringify(WRITER_MODULE)});`;
const ENTRY_URL = new URL(`data:text/javascript,${encodeURIComponent(ENTRY)}`);

/**
 * A fault for tests of what the stores do when the thread dies between a commit and its answer:
 * with GANNET_TEST_WRITER_EXIT_AFTER_COMMIT=MARK, the first thread of the process exits right
 * after it commits an APPEND of a message that contains MARK. Given to the first thread only,
 * so the thread that replaces it works normally. Inert unless the variable is set.
 */
let faultGiven = false;

/** The one writer thread, and the stores using it. */
class WriterThread {
  readonly #stores = new Map<number, WriterChannel>();
  #worker: Worker | null = null;
  /** Writes sent and not yet answered, over all stores: the thread is ref'd while there are any. */
  #outstanding = 0;

  /** Opens the store in the thread, starting the thread when needed; returns the thread. */
  open(store: WriterChannel): Worker {
    const worker = this.#worker ?? this.#start();
    if (!this.#stores.has(store.key)) {
      this.#stores.set(store.key, store);
      worker.postMessage({ type: 'open', key: store.key, path: store.path, origin: store.origin } satisfies ToWriter);
    }
    return worker;
  }

  /** Sends `message`, first reopening the store in a new thread if the last one failed. */
  send(store: WriterChannel, message: ToWriter): void {
    this.open(store).postMessage(message);
  }

  /** Counts a write sent (+1) or answered (-1). */
  outstanding(delta: number): void {
    this.#outstanding += delta;
    if (this.#outstanding === 0) this.#worker?.unref();
    else if (delta > 0 && this.#outstanding === 1) this.#worker?.ref();
  }

  /**
   * The store is closed in the thread. The thread itself stays, idle and unref'd, for the next
   * store: starting one costs more than keeping it (tests open hundreds of stores in turn).
   */
  forget(store: WriterChannel): void {
    this.#stores.delete(store.key);
  }

  has(store: WriterChannel): boolean {
    return this.#stores.has(store.key) && this.#worker !== null;
  }

  #start(): Worker {
    const exitAfterCommitOf = faultGiven ? null : (process.env.GANNET_TEST_WRITER_EXIT_AFTER_COMMIT ?? null);
    faultGiven = true;
    const worker = new Worker(ENTRY_URL, { workerData: { exitAfterCommitOf } });
    if (this.#outstanding === 0) worker.unref();
    worker.on('message', (message: FromWriter) => {
      const store = this.#stores.get(message.key);
      if (message.type === 'batch') store?.answer(message.result);
      else store?.closed();
    });
    worker.on('error', (err) => this.#abandon(worker, err));
    worker.on('exit', (code) => this.#abandon(worker, new Error(`the writer thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  /**
   * The thread failed: every store's waiting writes are answered as uncertain, since any of
   * them may have been committed before the thread died, and the next write starts a new thread.
   */
  #abandon(worker: Worker, cause: unknown): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    const stores = [...this.#stores.values()];
    this.#stores.clear();
    this.#outstanding = 0;
    for (const store of stores) store.abandon(cause);
  }
}

const thread = new WriterThread();
let nextKey = 1;

interface Waiter {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** One store's channel to the shared writer thread: its writes go out, its batches come back. */
export class WriterChannel {
  readonly key = nextKey++;
  readonly path: string;
  /** The store's mark on its change-log entries, so its own watcher skips them. */
  readonly origin: string;
  /** Runs once a batch is committed, before its writes are answered. */
  readonly #committed: (result: BatchResult) => void;
  /** Runs when the thread died with writes of this store unanswered: some may have committed. */
  readonly #lost: () => void;
  readonly #logger: Logger | undefined;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 1;
  #closing: { resolve(): void } | null = null;

  constructor(path: string, origin: string, committed: (result: BatchResult) => void, lost: () => void, logger?: Logger) {
    this.path = path;
    this.origin = origin;
    this.#committed = committed;
    this.#lost = lost;
    this.#logger = logger;
    // The thread starts with the first store rather than the first write: a server writes
    // within seconds anyway, its memory then counts as the server's own before any session
    // (not as the first sessions'), and a thread that cannot start is seen at once.
    thread.open(this);
  }

  run<K extends WriteOpName>(call: { op: K } & WriteFields<K>): Promise<WriteResult<K>> {
    const id = this.#nextId++;
    return new Promise<WriteResult<K>>((resolve, reject) => {
      try {
        // `call` is the WriteCall member of op K; TypeScript cannot narrow the union by a type parameter.
        const request: WriteRequest = { id, ...(call as WriteCall) };
        thread.send(this, { type: 'write', key: this.key, request });
      } catch (err) {
        // An argument that cannot be cloned: a bug of the caller, reported to it alone.
        reject(err);
        return;
      }
      this.#waiting.set(id, { resolve, reject });
      thread.outstanding(1);
    });
  }

  /** Waits for every write sent to be answered, then closes the store's environment in the thread. */
  async close(): Promise<void> {
    if (!thread.has(this)) return;
    await new Promise<void>((resolve) => {
      this.#closing = { resolve };
      thread.outstanding(1); // the thread's answer to the close is awaited like a write
      thread.send(this, { type: 'close', key: this.key });
    });
  }

  answer(result: BatchResult): void {
    this.#committed(result);
    for (const outcome of result.outcomes) {
      const waiter = this.#waiting.get(outcome.id);
      if (waiter === undefined) continue;
      this.#waiting.delete(outcome.id);
      thread.outstanding(-1);
      if (outcome.ok) waiter.resolve(outcome.value);
      else waiter.reject(receivedError(outcome.error));
    }
  }

  closed(): void {
    thread.outstanding(-1);
    thread.forget(this);
    this.#closing?.resolve();
    this.#closing = null;
  }

  abandon(cause: unknown): void {
    const unanswered = this.#waiting.size > 0;
    if (unanswered) this.#logger?.error({ err: cause }, 'mail store writer thread failed');
    // Not 'unavailable': that says the change did not happen, and a client told so retries it.
    const err = new StorageError('uncertain', 'The mail store failed before it could confirm the change', { cause });
    for (const waiter of this.#waiting.values()) waiter.reject(err);
    this.#waiting.clear();
    // What did commit must still reach the sessions that have those mailboxes selected.
    if (unanswered) this.#lost();
    this.#closing?.resolve();
    this.#closing = null;
  }
}
