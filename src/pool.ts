// The one piscina pool for work off the event loop: MIME parsing at store time, the text part
// of SEARCH (RFC 3501 §6.4.4), and IMAP filter commands at delivery. Task files live in
// workers/; their contracts in workers/contracts.ts.

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { clonable } from './clonable.js';
import { StorageError } from './storage/types.js';
import type {
  FilterTaskInput,
  FilterTaskOutput,
  ParseMimeInput,
  ParseMimeOutput,
  SearchTextInput,
  SearchTextOutput,
  TextIndexInput,
  TextIndexOutput,
} from '../workers/contracts.js';

/**
 * Tasks that may wait for a free thread before new ones are refused. A task is tens of µs of
 * overhead plus its CPU work (a MIME parse is about 0.1-5 ms), so 1,000 queued tasks are at
 * most a few seconds of backlog on a small machine; past that, a client is better served by
 * NO [UNAVAILABLE] and a retry than by a reply that arrives after its own timeout.
 */
export const MAX_POOL_QUEUE = 1000;

// Worker files sit beside this module's tree in the same flavour: .ts under tsx and tap,
// .js in dist (tsx does not map a .js path that piscina itself imports to the .ts source).
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const workerPath = (name: string): string => fileURLToPath(new URL(`../workers/${name}${EXT}`, import.meta.url));

/** The pool refused a task because its queue is full; callers answer NO [UNAVAILABLE] (RFC 5530). */
export class PoolBusyError extends StorageError {
  constructor(cause?: unknown) {
    super('unavailable', 'Server busy, try again later', { cause });
    this.name = 'PoolBusyError';
  }
}

/** A task was cancelled through its AbortSignal (the client went away). */
export class TaskAbortedError extends Error {
  constructor(cause?: unknown) {
    super('Task aborted', { cause });
    this.name = 'TaskAbortedError';
  }
}

export interface PoolOptions {
  /** Worker threads; defaults to the number of cores. */
  threads?: number;
  maxQueue?: number;
}

export interface WorkerPool {
  /** Parses a raw message into its index, summary and content address (workers/parse-mime.ts). */
  parseMime(raw: Uint8Array): Promise<ParseMimeOutput>;
  /** UIDs among `input.uids` whose text matches `input.key`, a tree of text keys (workers/search-text.ts). */
  searchText(input: SearchTextInput, signal?: AbortSignal): Promise<Uint32Array>;
  /** Builds or merges segments of a mailbox's text index (workers/text-index.ts). */
  textIndex(input: TextIndexInput): Promise<TextIndexOutput>;
  /** Runs one IMAP filter command (workers/filter.ts); never rejects for the command's own failures. */
  runFilter(input: FilterTaskInput): Promise<FilterTaskOutput>;
  /** Waits for running tasks, then stops the threads. */
  close(): Promise<void>;
}

/**
 * Filter commands running at once per filter thread. A filter task waits on a child process
 * and uses almost no CPU, so it gets its own thread that runs many of them side by side;
 * sharing the MIME threads would let a few slow filters stall every APPEND's parse.
 */
export const FILTER_TASKS_PER_THREAD = 64;

/**
 * Tasks handed to each MIME/SEARCH thread at once. Piscina gives a thread its next task only
 * when the event loop has taken in the last one's result, so with one task per thread a busy
 * event loop leaves the threads idle between tasks: under the mixed benchmark's 100 clients a
 * parse that runs for 0.1 ms waited 190 ms (p99) before it started, with up to 33 tasks queued;
 * with four handed ahead, 28 ms. A thread runs what it holds back to back from its port, one at
 * a time (the tasks are synchronous); the cost is that a task may wait behind a slow one on its
 * thread while the other thread is free.
 */
export const TASKS_AHEAD_PER_THREAD = 4;

export function createPool(opts: PoolOptions = {}): WorkerPool {
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  const pool = new Piscina({
    filename: workerPath('parse-mime'),
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: TASKS_AHEAD_PER_THREAD,
    maxQueue: opts.maxQueue ?? MAX_POOL_QUEUE,
  });
  const searchFile = workerPath('search-text');
  const textIndexFile = workerPath('text-index');
  // Started on the first filter run: most configurations have no filter.
  let filterPool: Piscina | null = null;
  const filters = (): Piscina =>
    (filterPool ??= new Piscina({
      filename: workerPath('filter'),
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: FILTER_TASKS_PER_THREAD,
      maxQueue: opts.maxQueue ?? MAX_POOL_QUEUE,
      // Tasks of this thread overlap; a thread parked in Atomics.wait between messages
      // would stop the other tasks' I/O (STACK.md, piscina gotcha).
      atomics: 'disabled',
    }));

  const mapError = (err: unknown): unknown => {
    if (err instanceof Error && err.message === 'Task queue is at limit') return new PoolBusyError(err);
    if (err instanceof Error && err.name === 'AbortError') return new TaskAbortedError(err);
    return err;
  };

  return {
    async parseMime(raw) {
      const input: ParseMimeInput = { raw: clonable(raw) };
      try {
        return (await pool.run(input)) as ParseMimeOutput;
      } catch (err) {
        throw mapError(err);
      }
    },
    async searchText(input, signal) {
      try {
        const out = (await pool.run(input, { filename: searchFile, ...(signal === undefined ? {} : { signal }) })) as SearchTextOutput;
        return out.uids;
      } catch (err) {
        throw mapError(err);
      }
    },
    async textIndex(input) {
      try {
        return (await pool.run(input, { filename: textIndexFile })) as TextIndexOutput;
      } catch (err) {
        throw mapError(err);
      }
    },
    async runFilter(input) {
      try {
        return (await filters().run(input)) as FilterTaskOutput;
      } catch (err) {
        throw mapError(err);
      }
    },
    async close() {
      await Promise.all([pool.close(), filterPool?.close()]);
    },
  };
}
