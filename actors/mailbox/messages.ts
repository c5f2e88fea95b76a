// Requests a mailbox actor accepts. Each carries the continuation that receives its result,
// so callers can await a write that the actor serialises with every other write to the mailbox.

import type { AppendItem, AppendResult, CopyResult, FlagChange, FlagMode } from '../../src/storage/types.js';

export type WriteOp =
  | { kind: 'append'; items: AppendItem[] }
  | { kind: 'setFlags'; uids: readonly number[]; mode: FlagMode; flags: readonly string[] }
  /** `uids` null: every \Deleted message; a UID list: those of them still \Deleted at commit. */
  | { kind: 'expunge'; uids: readonly number[] | null }
  | { kind: 'copy'; uids: readonly number[]; destinationId: number }
  | { kind: 'move'; uids: readonly number[]; destinationId: number }
  | { kind: 'claimRecent'; upTo: number };

export interface WriteResults {
  append: AppendResult;
  setFlags: FlagChange[];
  expunge: number[];
  copy: CopyResult;
  move: CopyResult;
  claimRecent: { from: number; to: number };
}

export interface WriteRequest {
  type: 'mailbox.write';
  op: WriteOp;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export type MailboxActorEvent = WriteRequest | { type: 'mailbox.stop' };
