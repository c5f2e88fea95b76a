// Keeps every mailbox's text index (src/storage/lmdb/text-segment.ts) up to date in the
// background: after messages are stored (APPEND, COPY, MOVE, LMTP, the CLI; any process, as the
// store reports its changes) it has the pool build a segment of the new ones, merges small
// segments into larger ones, and rewrites segments that expunges have left half empty. SEARCH
// never waits for it: what the index does not cover yet is verified message by message, so
// answers are the same before, during and after indexing, only slower before.
//
// One job at a time for the whole process: indexing is background work, and a second job
// would take the second core from the sessions. For the same reason it yields to writes: while
// messages keep arriving (a client uploading a folder, a migration) it waits until they pause,
// or at most INDEX_MAX_WAIT_MS, so a burst of APPENDs runs at the speed of a store without an
// index and is indexed right after. The work is the same; it moves to when the server has room.

import type { LogSink } from '../log.js';
import { upperBound } from '../sorted.js';
import type { WorkerPool } from '../pool.js';
import type { MailStore, TextSegmentInfo } from '../storage/types.js';

/**
 * Wait after a change before indexing: a burst of APPENDs (a client uploading a folder, a
 * migration) then makes one segment instead of one per message, and a single delivery is still
 * indexed within a moment.
 */
export const INDEX_DELAY_MS = 250;

/**
 * Longest indexing is put off while writes keep coming: under a steady stream it then indexes
 * every this often, so what SEARCH must verify unindexed stays a few seconds' worth of mail.
 */
export const INDEX_MAX_WAIT_MS = 30_000;

/**
 * Messages per build task. Each (gram, message) pair costs 8 bytes while the task sorts them,
 * about 1,500 pairs for a 4 KB message: 1,024 messages are some 12 MB of the task's memory and a
 * tenth of a second of one thread.
 */
export const INDEX_BUILD_BATCH = 1024;

/** Segments of one size class that are merged into one (the fan-in of the LSM levels). */
export const MERGE_FANIN = 8;

/**
 * Messages a merge may put in one segment. A segment is read whole by each lookup's pass and by
 * a merge, so its size bounds a merge task's memory (input and output, some 60 MB at this size);
 * a 100,000-message mailbox has about a dozen segments, each looked up in microseconds.
 */
export const SEGMENT_MAX_DOCS = 16_384;

/** A segment with fewer live messages than this fraction of those it holds is rewritten without the expunged ones. */
export const COMPACT_BELOW_LIVE = 0.5;

/** Size class of a segment: its message count in powers of MERGE_FANIN. */
function level(docs: number): number {
  return Math.floor(Math.log(Math.max(1, docs)) / Math.log(MERGE_FANIN));
}

export interface IndexProgress {
  /** Messages indexed by builds since the indexer started, and the folded text they held. */
  indexed: number;
  textChars: number;
}

export class TextIndexer {
  readonly #store: MailStore;
  readonly #pool: WorkerPool;
  readonly #logger: LogSink | undefined;
  readonly #dirty = new Set<number>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #closed = false;
  #unsubscribe: (() => void) | null = null;
  /** When a change last arrived, and since when changes have waited for indexing (null: none). */
  #lastChange = 0;
  #waitingSince: number | null = null;
  /** idle() is waiting: index without yielding. */
  #urgent = false;
  readonly progress: IndexProgress = { indexed: 0, textChars: 0 };

  readonly #delayMs: number;
  readonly #maxWaitMs: number;

  /** `timing` overrides INDEX_DELAY_MS and INDEX_MAX_WAIT_MS (tests). */
  constructor(store: MailStore, pool: WorkerPool, logger?: LogSink, timing: { delayMs?: number; maxWaitMs?: number } = {}) {
    this.#store = store;
    this.#pool = pool;
    this.#logger = logger;
    this.#delayMs = timing.delayMs ?? INDEX_DELAY_MS;
    this.#maxWaitMs = timing.maxWaitMs ?? INDEX_MAX_WAIT_MS;
  }

  /** Watches the store's changes and checks every mailbox once: a new store or an old one without an index is built now. */
  start(): void {
    this.#unsubscribe = this.#store.onChange((ids) => this.touch(ids));
    const all: number[] = [];
    for (const account of this.#store.listAccounts()) for (const m of this.#store.listMailboxes(account.id)) all.push(m.id);
    let pending = 0;
    for (const id of all) pending += this.#unindexed(id);
    if (pending > 0) {
      this.#logger?.info(
        { messages: pending },
        'text index: indexing messages in the background; SEARCH verifies the messages not indexed yet, exact but slower',
      );
    }
    this.touch(all);
  }

  /** Marks mailboxes as changed; indexing follows INDEX_DELAY_MS after the last change. */
  touch(ids: readonly number[]): void {
    if (this.#closed) return;
    for (const id of ids) this.#dirty.add(id);
    if (ids.length > 0) this.#lastChange = Date.now();
    this.#waitingSince ??= Date.now();
    this.#schedule();
  }

  /** (Re)arms the timer: INDEX_DELAY_MS after the last change, never past the longest wait. */
  #schedule(): void {
    if (this.#closed || this.#running !== null || this.#dirty.size === 0) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    const now = Date.now();
    const delay = Math.max(0, Math.min(this.#delayMs, (this.#waitingSince ?? now) + this.#maxWaitMs - now));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#run();
    }, delay);
    this.#timer.unref();
  }

  #run(): void {
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      this.#schedule();
    });
  }

  /** Changes are still arriving, and have not waited too long: indexing gives way to them. */
  #shouldYield(): boolean {
    if (this.#urgent) return false;
    const now = Date.now();
    return now - this.#lastChange < this.#delayMs && this.#waitingSince !== null && now - this.#waitingSince < this.#maxWaitMs;
  }

  /** Resolves once nothing is left to index (for tests, benchmarks and the CLI); meanwhile nothing yields. */
  async idle(): Promise<void> {
    this.#urgent = true;
    try {
      for (;;) {
        if (this.#timer !== null) {
          clearTimeout(this.#timer);
          this.#timer = null;
          this.#run();
        }
        if (this.#running !== null) await this.#running;
        else if (this.#dirty.size > 0 && !this.#closed) this.#run();
        else return;
      }
    } finally {
      this.#urgent = false;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#dirty.clear();
    await this.#running;
  }

  /** Messages of the mailbox above its index. */
  #unindexed(id: number): number {
    const mailbox = this.#store.getMailboxById(id);
    if (mailbox === null || mailbox.noSelect || mailbox.messages === 0) return 0;
    const segments = this.#store.textSegments(id);
    const covered = segments.length === 0 ? 0 : segments[segments.length - 1]!.lastUid;
    if (covered >= mailbox.uidNext - 1) return 0;
    const uids = this.#store.uids(id);
    return uids.length - upperBound(uids, covered);
  }

  async #drain(): Promise<void> {
    const started = performance.now();
    const before = this.progress.indexed;
    // The mailboxes dirty now; one that yields, or changes meanwhile, is dirty again for the next run.
    const ids = [...this.#dirty];
    this.#dirty.clear();
    let yielded = false;
    for (const id of ids) {
      if (this.#closed) break;
      try {
        yielded = (await this.indexMailbox(id, undefined, true)) || yielded;
      } catch (err) {
        // The index is an accelerator: a failure leaves the messages unindexed, searched by
        // verification, and the next change of the mailbox tries again.
        this.#logger?.warn({ err, mailboxId: id }, 'text index: indexing failed; SEARCH verifies the messages not indexed');
      }
    }
    // Caught up: changes that came meanwhile wait from now. Yielded: they keep waiting from before.
    if (!yielded) this.#waitingSince = this.#dirty.size > 0 ? Date.now() : null;
    const indexed = this.progress.indexed - before;
    if (indexed >= INDEX_BUILD_BATCH)
      this.#logger?.info({ messages: indexed, ms: Math.round(performance.now() - started) }, 'text index: messages indexed');
  }

  /**
   * Builds segments for the mailbox's messages above its index, then merges and compacts.
   * `onProgress` hears of each built segment (the CLI's progress bar). In the `background`,
   * it stops while changes are still arriving (#shouldYield) and says so (true): the mailbox is
   * left dirty for the next run.
   */
  async indexMailbox(id: number, onProgress?: (done: number, total: number) => void, background = false): Promise<boolean> {
    const mailbox = this.#store.getMailboxById(id);
    if (mailbox === null || mailbox.noSelect) return false;
    const giveWay = (): boolean => {
      if (!background || !this.#shouldYield()) return false;
      this.#dirty.add(id);
      return true;
    };
    let segments = this.#store.textSegments(id);
    const covered = segments.length === 0 ? 0 : segments[segments.length - 1]!.lastUid;
    const uids = this.#store.uids(id);
    const pending = uids.subarray(upperBound(uids, covered));
    for (let i = 0; i < pending.length && !this.#closed; i += INDEX_BUILD_BATCH) {
      if (giveWay()) return true;
      const batch = pending.slice(i, i + INDEX_BUILD_BATCH);
      const out = await this.#pool.textIndex({ kind: 'build', storePath: this.#store.path, mailboxId: id, uids: batch });
      if (out.segment === null || !(await this.#store.addTextSegment(id, mailbox.uidValidity, out.segment, out.bodies))) {
        // Another build (the CLI, another server) got there first, or the mailbox was made
        // again: look again from what is stored now.
        this.#dirty.add(id);
        return false;
      }
      this.progress.indexed += out.docs;
      this.progress.textChars += out.textChars;
      onProgress?.(Math.min(i + batch.length, pending.length), pending.length);
    }
    if (this.#closed) return false;
    segments = this.#store.textSegments(id);
    for (let plan = nextMerge(segments, uids); plan !== null && !this.#closed; plan = nextMerge(segments, uids)) {
      if (giveWay()) return true;
      const out = await this.#pool.textIndex({
        kind: 'merge',
        storePath: this.#store.path,
        mailboxId: id,
        firstUids: plan.map((s) => s.firstUid),
      });
      const ok =
        out.segment !== null &&
        (await this.#store.replaceTextSegments(
          id,
          mailbox.uidValidity,
          plan.map((s) => s.firstUid),
          plan.map((s) => s.lastUid),
          out.segment,
        ));
      if (!ok) return false;
      segments = this.#store.textSegments(id);
    }
    return false;
  }
}

/**
 * The next segments to merge: a segment mostly expunged (rewritten alone), else the first run
 * of MERGE_FANIN consecutive segments of one size class whose sum stays within SEGMENT_MAX_DOCS.
 * `uids` are the mailbox's present messages, ascending.
 */
export function nextMerge(segments: readonly TextSegmentInfo[], uids: Uint32Array): TextSegmentInfo[] | null {
  for (const s of segments) {
    const held = s.docCount + s.skippedCount;
    const live = upperBound(uids, s.lastUid) - upperBound(uids, s.firstUid - 1);
    if (held > 0 && live < held * COMPACT_BELOW_LIVE) return [s];
  }
  for (let i = 0; i + MERGE_FANIN <= segments.length; i++) {
    const run = segments.slice(i, i + MERGE_FANIN);
    const l = level(run[0]!.docCount);
    if (!run.every((s) => level(s.docCount) === l)) continue;
    if (run.reduce((n, s) => n + s.docCount + s.skippedCount, 0) > SEGMENT_MAX_DOCS) continue;
    return run;
  }
  return null;
}
