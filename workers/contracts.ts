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

/** One message for a text search: its UID, raw bytes and stored index. */
export interface SearchMessage {
  uid: number;
  raw: Uint8Array;
  /** The stored MIME index; null when missing or of an old format: the task parses the message. */
  index: MessageIndex | null;
}

/**
 * search-text task: a key tree of text keys only (FROM TO CC BCC SUBJECT HEADER BODY TEXT
 * SENT*, combined with AND/OR/NOT/ALL); the main thread evaluates flag, size, date and
 * sequence keys itself before sending the batch.
 */
export interface SearchTextInput {
  key: SearchKey;
  messages: SearchMessage[];
}

/** UIDs of the messages that match, in batch order. */
export interface SearchTextOutput {
  uids: number[];
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
