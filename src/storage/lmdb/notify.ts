// Change notification across processes. A write that changes mailboxes appends their ids to
// the `changelog` sub-database in its own transaction, and after the commit the writing
// store rewrites a small signal file in the environment directory. Every open store watches
// that file (fs.watch, i.e. inotify on Linux) and polls slowly as a fallback; on either it
// reads the log entries after the last sequence it saw, skips its own, and tells its
// listeners. The log, not the file, carries the data: a lost or merged file event only
// delays a notification until the next event or poll, it never loses one.

import { constants, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CHANGE_POLL_INTERVAL_MS } from '../limits.js';
import { changelogHead, readChangelog } from './changes.js';
import type { Dbs } from './env.js';

/** Name of the signal file inside the environment directory. */
export const SIGNAL_FILE = 'changes.signal';

export class ChangeWatcher {
  readonly #dbs: Dbs;
  readonly #origin: string;
  readonly #file: string;
  readonly #deliver: (mailboxIds: number[]) => void;
  readonly #logger: Logger | undefined;
  #lastSeq: number;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #scheduled = false;
  #closed = false;
  #signalling: Promise<void> | null = null;
  #signalAgain = false;
  #latestSeq = 0;
  #warnedWatch = false;
  /**
   * The signal file, kept open: a busy server signals after every commit, and one positional
   * write is a single call on libuv's thread pool where open + write + close were three.
   */
  #handle: Promise<FileHandle> | null = null;

  constructor(dbs: Dbs, dir: string, origin: string, deliver: (mailboxIds: number[]) => void, logger?: Logger) {
    this.#dbs = dbs;
    this.#origin = origin;
    this.#file = join(dir, SIGNAL_FILE);
    this.#deliver = deliver;
    this.#logger = logger;
    // Changes from before this store opened are not news to anyone using it.
    this.#lastSeq = changelogHead(dbs);
  }

  /** Starts watching; only stores with listeners need to. */
  start(): void {
    if (this.#timer !== null || this.#closed) return;
    try {
      writeFileSync(this.#file, '', { flag: 'a' });
    } catch (err) {
      this.#logger?.warn({ err }, 'cannot create the change signal file; relying on polling');
    }
    this.#watch();
    this.#timer = setInterval(() => {
      // The signal file may have been removed and created again: watch the new one.
      if (this.#watcher === null) this.#watch();
      this.#schedule();
    }, CHANGE_POLL_INTERVAL_MS);
    this.#timer.unref();
  }

  #watch(): void {
    if (this.#closed) return;
    try {
      const watcher = watch(this.#file, { persistent: false }, (event) => {
        this.#schedule();
        // The file was replaced or removed: the watch follows the old inode, so renew it.
        if (event === 'rename') {
          watcher.close();
          if (this.#watcher === watcher) this.#watcher = null;
          setTimeout(() => {
            if (this.#watcher === null) this.#watch();
          }, 100).unref();
        }
      });
      watcher.on('error', (err) => {
        this.#logger?.warn({ err }, 'watching the change signal file failed; relying on polling');
        watcher.close();
        if (this.#watcher === watcher) this.#watcher = null;
      });
      this.#watcher = watcher;
    } catch (err) {
      // Said once: on a file system without change events this fails at every poll.
      if (!this.#warnedWatch) this.#logger?.warn({ err }, 'cannot watch the change signal file; relying on polling');
      this.#warnedWatch = true;
    }
  }

  /** Coalesces bursts of file events into one read of the log. */
  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.check();
    });
  }

  /** Reads the log after the last sequence seen and reports other stores' changes. */
  check(): void {
    if (this.#closed) return;
    // Reads otherwise use a snapshot renewed only per event turn; the signal says a newer
    // commit exists now.
    this.#dbs.root.resetReadTxn();
    if (changelogHead(this.#dbs) <= this.#lastSeq) return;
    const ids = new Set<number>();
    for (const { seq, entry } of readChangelog(this.#dbs, this.#lastSeq)) {
      this.#lastSeq = seq;
      if (entry.origin !== this.#origin) for (const id of entry.mailboxIds) ids.add(id);
    }
    if (ids.size > 0) this.#deliver([...ids].sort((a, b) => a - b));
  }

  /** Called after this store committed a logged change: wake the other stores. */
  signal(seq: number): void {
    if (this.#closed) return;
    this.#latestSeq = Math.max(this.#latestSeq, seq);
    if (this.#signalling !== null) {
      this.#signalAgain = true;
      return;
    }
    // Rewriting in place keeps the inode, so watchers see a modification.
    this.#signalling = this.#write(`${this.#latestSeq}\n`)
      .catch((err: unknown) => {
        this.#logger?.warn({ err }, 'cannot write the change signal file');
        // Opened afresh next time: the file may have been removed and created again.
        this.#closeHandle();
      })
      .finally(() => {
        this.#signalling = null;
        if (this.#signalAgain) {
          this.#signalAgain = false;
          this.signal(this.#latestSeq);
        }
      });
  }

  async #write(text: string): Promise<void> {
    // Created when missing, never truncated, and without O_APPEND (which would turn the write
    // at offset 0 into an append). The sequence only grows, so each write covers the last.
    this.#handle ??= open(this.#file, constants.O_WRONLY | constants.O_CREAT);
    const handle = await this.#handle;
    await handle.write(text, 0, 'latin1');
  }

  #closeHandle(): void {
    const h = this.#handle;
    this.#handle = null;
    h?.then((fh) => fh.close()).catch(() => {});
  }

  /** Stops watching; waits for a signal being written, so a CLI run's change is announced. */
  async close(): Promise<void> {
    while (this.#signalling !== null) await this.#signalling;
    this.#closeHandle();
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
