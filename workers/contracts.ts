// Task inputs and outputs shared by src/pool.ts and the worker task files. Everything here
// crosses a thread boundary by structured clone: plain data only (Buffers arrive as Uint8Array).

import type { SearchKey } from '../src/protocol/search-key.js';
import type { MimeSummary } from '../src/protocol/encode/mime-summary.js';
import type { MessageIndex } from '../src/mime/types.js';

export type { MessageIndex } from '../src/mime/types.js';

/** parse-mime task: one raw RFC 5322 message. */
export interface ParseMimeInput {
  raw: Uint8Array;
}

/**
 * Everything the store keeps beside a message's bytes, all computed in the pool so the event
 * loop neither parses, encodes nor hashes a message (a 3 MB body is ~10 ms of sha256 alone).
 */
export interface ParseMimeOutput {
  index: MessageIndex;
  summary: MimeSummary;
  /** Lower-case hex sha256 of the bytes: the body's content address in the store. */
  sha256: string;
}

/**
 * search-text task: a key tree of text keys only (FROM TO CC BCC SUBJECT HEADER BODY TEXT
 * SENT*, combined with AND/OR/NOT/ALL), verified over the messages `uids` of one mailbox. The
 * task reads records and bytes from the store itself (`storePath`): no body crosses the event
 * loop. The main thread evaluates flag, size, date and sequence keys itself, and narrows `uids`
 * with the text index, before sending.
 */
export interface SearchTextInput {
  storePath: string;
  mailboxId: number;
  key: SearchKey;
  uids: Uint32Array;
}

/** UIDs of the messages that match, ascending. Messages expunged meanwhile are left out. */
export interface SearchTextOutput {
  uids: Uint32Array;
}

/** text-index task: build a segment from messages, or merge segments (src/storage/lmdb/text-segment.ts). */
export type TextIndexInput =
  | {
      kind: 'build';
      storePath: string;
      mailboxId: number;
      /** The messages to index, ascending; the segment covers uids[0]..uids[last]. */
      uids: Uint32Array;
    }
  | {
      kind: 'merge';
      storePath: string;
      mailboxId: number;
      /** First UIDs of consecutive segments, ascending. */
      firstUids: number[];
    };

export interface TextIndexOutput {
  /** The new segment; null when a segment to merge was gone (another merge, a wipe). */
  segment: Uint8Array | null;
  /** A build's folded body texts (UTF-8) by content address, for blobs that had none stored. */
  bodies: Array<[string, Uint8Array]>;
  /** Messages read and indexed, and how many of them had too much text to index. */
  docs: number;
  skipped: number;
  /** Characters of folded text the grams came from (the index's size is measured against it). */
  textChars: number;
}

/**
 * filter task: run one IMAP filter command (maddy's imap.filter.command) with the message on
 * its standard input. `executable` and `args` are final: placeholders are already expanded
 * and nothing is interpreted by a shell.
 */
export interface FilterTaskInput {
  executable: string;
  args: string[];
  stdin: Uint8Array;
  timeoutMs: number;
  /** Most bytes kept of stdout and of stderr each; the rest is read and dropped. */
  maxOutputBytes: number;
}

export interface FilterTaskOutput {
  /** Exit status, null when killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  /** The time limit ran out and the process group was killed. */
  timedOut: boolean;
  /** Why the command could not be started (ENOENT, EACCES…), else null. */
  spawnError: string | null;
  stdout: string;
  stderr: string;
  /** Output went past maxOutputBytes and was cut. */
  truncated: boolean;
  ms: number;
}
