// Read access to the store from a pool thread: a task that searches or indexes a mailbox reads
// the records and bytes it needs itself, so no body crosses the event loop (RFC 3501 SEARCH
// over a large mailbox used to copy every body through the main thread). lmdb-js shares one
// environment among the threads of a process; each thread opens its own handle once.

import { readBinaryTransient } from './blobs.js';
import { openEnv, type Dbs } from './env.js';
import { messageRange } from './keys.js';
import { readMailbox } from './mailbox-records.js';
import { readMessage } from './messages.js';
import { readSegments } from './text-index.js';
import type { SegmentReader } from './text-segment.js';
import type { MessageRecord, MimeIndexData } from '../types.js';
import type { StoredMailbox } from './records.js';

const opened = new Map<string, ThreadReader>();

/**
 * The reader of the store at `path` for this thread, opened on first use, reading the latest
 * commit: lmdb-js keeps a thread's read transaction between reads and renews it when that thread
 * writes, but a pool thread never writes, so without the reset each task would see the store as
 * it was at the thread's first read.
 */
export function threadReader(path: string): ThreadReader {
  let reader = opened.get(path);
  if (reader === undefined) {
    reader = new ThreadReader(openEnv(path));
    opened.set(path, reader);
  }
  reader.renew();
  return reader;
}

export class ThreadReader {
  readonly #dbs: Dbs;

  constructor(dbs: Dbs) {
    this.#dbs = dbs;
  }

  renew(): void {
    this.#dbs.root.resetReadTxn();
  }

  /**
   * Lets go of the snapshot this thread read: a thread that keeps one between tasks keeps every
   * page freed since in use, and LMDB grows its file instead of reusing them (merges rewrite
   * segments of megabytes). A task calls this when it is done.
   */
  release(): void {
    this.#dbs.root.resetReadTxn();
  }

  mailbox(mailboxId: number): StoredMailbox | undefined {
    return readMailbox(this.#dbs, mailboxId);
  }

  message(mailboxId: number, uid: number): MessageRecord | null {
    return readMessage(this.#dbs, mailboxId, uid);
  }

  mimeIndex(blob: string): MimeIndexData | null {
    return this.#dbs.mime.get(blob) ?? null;
  }

  /** The message bytes (a copy), or undefined when the blob is gone. */
  body(blob: string): Buffer | undefined {
    return this.#dbs.blobs.getBinary(blob);
  }

  /** The message's header block stored apart from its body (a copy), or undefined. */
  header(blob: string): Buffer | undefined {
    return this.#dbs.headers.getBinary(blob);
  }

  /**
   * Whether the stored folded body of the blob contains `text`; undefined when none is stored.
   * Searched as UTF-8 bytes, never decoded: UTF-8 is self-synchronising, so a byte match of a
   * string's encoding is exactly a match of the string, and decoding 20 KB of text to search it
   * cost several times the search.
   */
  searchBodyIncludes(blob: string, text: string): boolean | undefined {
    const bytes = readBinaryTransient(this.#dbs.searchBodies, blob);
    return bytes === undefined ? undefined : bytes.indexOf(text, 0, 'utf8') >= 0;
  }

  hasSearchBody(blob: string): boolean {
    return this.#dbs.searchBodies.doesExist(blob);
  }

  /** UIDs of the mailbox from `first` to `last`, ascending. */
  uidsBetween(mailboxId: number, first: number, last: number): Uint32Array {
    const out: number[] = [];
    const { start } = messageRange(mailboxId);
    for (const key of this.#dbs.messages.getKeys({ start: [start[0], first], end: [start[0], last + 1] })) out.push(key[1]);
    return Uint32Array.from(out);
  }

  segments(mailboxId: number, firstUids: readonly number[]): SegmentReader[] | null {
    return readSegments(this.#dbs, mailboxId, firstUids);
  }
}
