// The LMDB mail store: MailStore's reads and writes over the sub-databases of env.ts.
// Reads are synchronous, on the caller's thread, and see the latest commit. Writes are named
// steps (write-ops.ts) run by the writer thread, which commits those that arrive together as
// one transaction, each in its own child transaction.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StorageModuleConfig } from '../../config/schema.js';
import { clonable } from '../../clonable.js';
import { parseRequestedFlags } from '../flags.js';
import {
  StorageError,
  type Account,
  type AppendItem,
  type AppendResult,
  type ChangeListener,
  type ChangeSet,
  type CopyResult,
  type FlagMode,
  type FlagResult,
  type MailboxRecord,
  type MailStore,
  type MessageColumns,
  type MessageRecord,
  type MimeData,
  type MimeIndexData,
  type MimeSummaryData,
  type SpecialUse,
  type TextLookup,
  type TextSegmentInfo,
  type TombstoneRetention,
} from '../types.js';
import * as textIndex from './text-index.js';
import * as accounts from './accounts.js';
import { blobAddress, blobRefCount, readBlob, readBlobTransient, readHeader } from './blobs.js';
import { changelogHead, changesSince, readChangelog } from './changes.js';
import { openEnv, type Dbs } from './env.js';
import { findMailbox, listMailboxRecords, listSubscriptionNames, readMailbox, toRecord } from './mailbox-records.js';
import * as messages from './messages.js';
import { ChangeWatcher } from './notify.js';
import type { BatchResult } from './write-batch.js';
import type { SentItem, WriteFields, WriteOpName, WriteResult } from './write-ops.js';
import { WriterChannel } from './writer-channel.js';
import { UidCache } from './uid-cache.js';
import { ColumnCache, readColumns } from './columns.js';

export interface OpenOptions {
  logger?: Logger;
}

/** Opens the store of a `storage.lmdb` module (the directory is created when missing). */
export function openMailStore(cfg: StorageModuleConfig, opts: OpenOptions = {}): LmdbMailStore {
  return new LmdbMailStore(cfg, opts.logger);
}

export class LmdbMailStore implements MailStore {
  readonly path: string;
  readonly #dbs: Dbs;
  readonly #appendLimit: number;
  readonly #retention: TombstoneRetention;
  readonly #logger: Logger | undefined;
  /** Marks this instance's change-log entries, so its watcher skips them. */
  readonly #origin = randomUUID();
  readonly #listeners = new Set<ChangeListener>();
  readonly #watcher: ChangeWatcher;
  readonly #channel: WriterChannel;
  readonly #uidCache = new UidCache();
  readonly #columnCache = new ColumnCache();
  /** The last change-log entry of this store that its listeners have heard of. */
  #answeredSeq: number;
  #closed = false;

  constructor(cfg: StorageModuleConfig, logger?: Logger) {
    this.path = cfg.path;
    this.#dbs = openEnv(cfg.path);
    this.#appendLimit = cfg.appendLimit;
    this.#retention = cfg.tombstoneRetention;
    this.#logger = logger;
    this.#watcher = new ChangeWatcher(this.#dbs, cfg.path, this.#origin, (ids) => this.#notify(ids), logger);
    this.#answeredSeq = changelogHead(this.#dbs);
    this.#channel = new WriterChannel(
      cfg.path,
      this.#origin,
      (result) => this.#committed(result),
      () => this.#lost(),
      logger,
    );
  }

  // ---- accounts

  getAccount(name: string): Account | null {
    this.#assertOpen();
    return accounts.readAccount(this.#dbs, name);
  }

  listAccounts(): Account[] {
    this.#assertOpen();
    return accounts.listAccountRecords(this.#dbs);
  }

  createAccount(name: string, list: Array<{ name: string; specialUse: SpecialUse | null }>): Promise<Account> {
    return this.#write({ op: 'createAccount', name, mailboxes: list });
  }

  deleteAccount(name: string): Promise<void> {
    return this.#write({ op: 'deleteAccount', name });
  }

  setAccountAppendLimit(name: string, limit: number | null): Promise<void> {
    return this.#write({ op: 'setAccountAppendLimit', name, limit });
  }

  // ---- mailboxes

  listMailboxes(accountId: number): MailboxRecord[] {
    this.#assertOpen();
    return listMailboxRecords(this.#dbs, accountId);
  }

  getMailbox(accountId: number, name: string): MailboxRecord | null {
    this.#assertOpen();
    const stored = findMailbox(this.#dbs, accountId, name);
    return stored === undefined ? null : toRecord(this.#dbs, stored);
  }

  getMailboxById(id: number): MailboxRecord | null {
    this.#assertOpen();
    const stored = readMailbox(this.#dbs, id);
    return stored === undefined ? null : toRecord(this.#dbs, stored);
  }

  createMailbox(accountId: number, name: string, opts: { specialUse?: SpecialUse | null } = {}): Promise<MailboxRecord> {
    return this.#write({ op: 'createMailbox', accountId, name, specialUse: opts.specialUse ?? null });
  }

  deleteMailbox(accountId: number, name: string): Promise<void> {
    return this.#write({ op: 'deleteMailbox', accountId, name });
  }

  renameMailbox(accountId: number, from: string, to: string): Promise<void> {
    return this.#write({ op: 'renameMailbox', accountId, from, to });
  }

  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void> {
    return this.#write({ op: 'setSubscribed', accountId, name, subscribed });
  }

  listSubscriptions(accountId: number): string[] {
    this.#assertOpen();
    return listSubscriptionNames(this.#dbs, accountId);
  }

  setSpecialUse(accountId: number, name: string, specialUse: SpecialUse | null): Promise<void> {
    return this.#write({ op: 'setSpecialUse', accountId, name, specialUse });
  }

  // ---- messages: reads

  uids(mailboxId: number): Uint32Array {
    this.#assertOpen();
    const mailbox = readMailbox(this.#dbs, mailboxId);
    return mailbox === undefined ? new Uint32Array(0) : this.#uidCache.uids(this.#dbs, mailbox);
  }

  getMessages(mailboxId: number, uids: ArrayLike<number>): Array<MessageRecord | null> {
    this.#assertOpen();
    return messages.readMessages(this.#dbs, mailboxId, uids);
  }

  firstUnseen(mailboxId: number): number | null {
    this.#assertOpen();
    return messages.firstUnseen(this.#dbs, mailboxId);
  }

  getMessage(mailboxId: number, uid: number): MessageRecord | null {
    this.#assertOpen();
    return messages.readMessage(this.#dbs, mailboxId, uid);
  }

  getMimeIndex(message: MessageRecord): MimeIndexData | null {
    return this.#dbs.mime.get(message.blob) ?? null;
  }

  getMimeSummary(message: MessageRecord): MimeSummaryData | null {
    return this.#dbs.mimeSummary.get(message.blob) ?? null;
  }

  setMimeIndex(message: MessageRecord, mime: MimeData): Promise<void> {
    return this.#write({ op: 'setMimeIndex', address: message.blob, mime });
  }

  readBody(message: MessageRecord): Buffer {
    this.#assertOpen();
    const body = readBlob(this.#dbs, message.blob);
    if (body === undefined) throw new StorageError('nonexistent', 'The message has been expunged');
    return body;
  }

  readHeader(message: MessageRecord): Buffer | null {
    this.#assertOpen();
    return readHeader(this.#dbs, message.blob) ?? null;
  }

  withBody<T>(message: MessageRecord, use: (bytes: Buffer) => T): T {
    this.#assertOpen();
    // lmdb-js copies the value into one buffer it reuses for every read: one copy instead of
    // readBody's two, and no multi-megabyte allocation for the collector to reclaim.
    const body = readBlobTransient(this.#dbs, message.blob);
    if (body === undefined) throw new StorageError('nonexistent', 'The message has been expunged');
    return use(body);
  }

  changesSince(mailboxId: number, modseq: number): ChangeSet {
    this.#assertOpen();
    const mailbox = readMailbox(this.#dbs, mailboxId);
    if (mailbox === undefined) throw new StorageError('nonexistent', 'Mailbox does not exist');
    return changesSince(this.#dbs, mailbox, modseq);
  }

  /** Keywords the mailbox has held, in stored spelling (for FLAGS and PERMANENTFLAGS). */
  keywords(mailboxId: number): string[] {
    this.#assertOpen();
    return messages.mailboxKeywords(this.#dbs, mailboxId);
  }

  /** UIDs the \Deleted index lists for a mailbox; for tests and consistency checks. */
  deletedIndex(mailboxId: number): number[] {
    this.#assertOpen();
    return messages.deletedIndex(this.#dbs, mailboxId);
  }

  /** How many messages refer to a blob; for tests and consistency checks. */
  blobReferences(address: string): number {
    this.#assertOpen();
    return blobRefCount(this.#dbs, address);
  }

  columns(mailboxId: number): MessageColumns {
    this.#assertOpen();
    const mailbox = readMailbox(this.#dbs, mailboxId);
    return mailbox === undefined ? readColumns(this.#dbs, mailboxId) : this.#columnCache.columns(this.#dbs, mailbox);
  }

  // ---- the text index

  textLookup(mailboxId: number, gramSets: readonly Uint32Array[]): TextLookup {
    this.#assertOpen();
    return textIndex.lookupGrams(this.#dbs, mailboxId, gramSets);
  }

  textSegments(mailboxId: number): TextSegmentInfo[] {
    this.#assertOpen();
    return textIndex.segmentInfos(this.#dbs, mailboxId);
  }

  addTextSegment(
    mailboxId: number,
    uidValidity: number,
    segment: Uint8Array,
    bodies: ReadonlyArray<readonly [string, Uint8Array]> = [],
  ): Promise<boolean> {
    return this.#write({ op: 'addTextSegment', mailboxId, uidValidity, segment, bodies });
  }

  replaceTextSegments(
    mailboxId: number,
    uidValidity: number,
    replaced: readonly number[],
    lastUids: readonly number[],
    segment: Uint8Array,
  ): Promise<boolean> {
    return this.#write({ op: 'replaceTextSegments', mailboxId, uidValidity, replaced, lastUids, segment });
  }

  dropTextIndex(mailboxId: number): Promise<void> {
    return this.#write({ op: 'dropTextIndex', mailboxId });
  }

  // ---- messages: writes

  append(mailboxId: number, items: AppendItem[]): Promise<AppendResult> {
    let prepared: SentItem[];
    try {
      const now = Date.now();
      // Hashing and flag checks happen before the transaction: the write lock is held only
      // for the database work.
      prepared = items.map((item) => ({
        body: clonable(item.body),
        address: item.address ?? blobAddress(item.body),
        flags: parseRequestedFlags(item.flags),
        internalDate: item.internalDate ?? now,
        ...(item.mime === undefined ? {} : { mime: item.mime }),
      }));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write({ op: 'append', mailboxId, items: prepared, moduleLimit: this.#appendLimit });
  }

  setFlags(
    mailboxId: number,
    uids: readonly number[],
    mode: FlagMode,
    flags: readonly string[],
    opts: { unchangedSince?: number } = {},
  ): Promise<FlagResult> {
    let requested;
    try {
      requested = parseRequestedFlags(flags);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write({ op: 'setFlags', mailboxId, uids, mode, flags: requested, unchangedSince: opts.unchangedSince ?? null });
  }

  expunge(mailboxId: number, uids: readonly number[] | null, opts: { onlyDeleted?: boolean } = {}): Promise<number[]> {
    return this.#write({ op: 'expunge', mailboxId, uids, onlyDeleted: opts.onlyDeleted ?? false, retention: this.#retention });
  }

  copy(sourceId: number, uids: readonly number[], destinationId: number): Promise<CopyResult> {
    return this.#write({ op: 'copy', mailboxId: sourceId, uids, destinationId });
  }

  move(sourceId: number, uids: readonly number[], destinationId: number): Promise<CopyResult> {
    return this.#write({ op: 'move', mailboxId: sourceId, uids, destinationId, retention: this.#retention });
  }

  claimRecent(mailboxId: number, upTo: number): Promise<{ from: number; to: number }> {
    return this.#write({ op: 'claimRecent', mailboxId, upTo });
  }

  // ---- notifications

  onChange(listener: ChangeListener): () => void {
    this.#assertOpen();
    this.#listeners.add(listener);
    this.#watcher.start();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#channel.close();
    await this.#watcher.close();
    this.#listeners.clear();
    await this.#dbs.root.close();
  }

  // ---- internals

  #assertOpen(): void {
    if (this.#closed) throw new StorageError('unavailable', 'The mail store is closed');
  }

  /**
   * Sends a write to the writer thread; resolves once its commit is synced (write-batch.ts),
   * so an acknowledged change survives a crash of the process and a power cut. Listeners hear
   * of the change before the caller does (#committed).
   */
  #write<K extends WriteOpName>(call: { op: K } & WriteFields<K>): Promise<WriteResult<K>> {
    if (this.#closed) return Promise.reject(new StorageError('unavailable', 'The mail store is closed'));
    return this.#channel.run(call);
  }

  #committed(result: BatchResult): void {
    // lmdb-js keeps a read snapshot for the event turn; the writes about to be answered
    // must be visible to the reads their callers make next.
    this.#dbs.root.resetReadTxn();
    if (result.changed.length > 0) {
      this.#answeredSeq = Math.max(this.#answeredSeq, result.seq);
      this.#notify(result.changed);
      this.#watcher.signal(result.seq);
    }
  }

  /**
   * The writer thread died with writes unanswered. Those it committed are in the change log
   * under this store's mark, which its own watcher skips: report them now, so every session
   * with those mailboxes selected learns of, say, an APPEND whose client got no answer.
   */
  #lost(): void {
    if (this.#closed) return;
    this.#dbs.root.resetReadTxn();
    const ids = new Set<number>();
    let last = this.#answeredSeq;
    for (const { seq, entry } of readChangelog(this.#dbs, this.#answeredSeq)) {
      last = seq;
      if (entry.origin === this.#origin) for (const id of entry.mailboxIds) ids.add(id);
    }
    this.#answeredSeq = last;
    if (ids.size === 0) return;
    this.#notify([...ids].sort((a, b) => a - b));
    this.#watcher.signal(last);
  }

  #notify(mailboxIds: number[]): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(mailboxIds);
      } catch (err) {
        // A listener's bug must not fail the write that has already been committed.
        this.#logger?.error({ err }, 'mail store change listener threw');
      }
    }
  }
}
