// The LMDB mail store: MailStore's reads and writes over the sub-databases of env.ts.
// Reads are synchronous and see the latest commit; each write is one child transaction,
// batched by lmdb-js with the other writes issued in the same event turn into one commit.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StorageModuleConfig } from '../../config/schema.js';
import { parseRequestedFlags } from '../flags.js';
import {
  StorageError,
  type Account,
  type AppendItem,
  type AppendResult,
  type ChangeListener,
  type ChangeSet,
  type CopyResult,
  type FlagChange,
  type FlagMode,
  type MailboxRecord,
  type MailStore,
  type MessageRecord,
  type MimeData,
  type MimeIndexData,
  type SpecialUse,
} from '../types.js';
import * as accounts from './accounts.js';
import { blobAddress, blobRefCount, putMime, readBlob, readBlobTransient, readHeader } from './blobs.js';
import { appendChangelog, changesSince } from './changes.js';
import { openEnv, type Dbs } from './env.js';
import { findMailbox, listMailboxRecords, listSubscriptionNames, readMailbox, toRecord } from './mailbox-records.js';
import * as mailboxes from './mailboxes.js';
import * as messages from './messages.js';
import { ChangeWatcher } from './notify.js';
import type { Tx } from './tx.js';

export interface OpenOptions {
  logger?: Logger;
}

/** Opens the store of a `storage.lmdb` module (the directory is created when missing). */
export function openMailStore(cfg: StorageModuleConfig, opts: OpenOptions = {}): LmdbMailStore {
  return new LmdbMailStore(cfg, opts.logger);
}

export class LmdbMailStore implements MailStore {
  readonly #dbs: Dbs;
  readonly #appendLimit: number;
  readonly #logger: Logger | undefined;
  /** Marks this instance's change-log entries, so its watcher skips them. */
  readonly #origin = randomUUID();
  readonly #listeners = new Set<ChangeListener>();
  readonly #watcher: ChangeWatcher;
  readonly #inflight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(cfg: StorageModuleConfig, logger?: Logger) {
    this.#dbs = openEnv(cfg.path);
    this.#appendLimit = cfg.appendLimit;
    this.#logger = logger;
    this.#watcher = new ChangeWatcher(this.#dbs, cfg.path, this.#origin, (ids) => this.#notify(ids), logger);
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
    return this.#write((tx) => accounts.createAccount(tx, name, list));
  }

  deleteAccount(name: string): Promise<void> {
    return this.#write((tx) => accounts.deleteAccount(tx, name));
  }

  setAccountAppendLimit(name: string, limit: number | null): Promise<void> {
    return this.#write((tx) => accounts.setAccountAppendLimit(tx, name, limit));
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
    return this.#write((tx) => toRecord(tx.dbs, mailboxes.createMailbox(tx, accountId, name, opts.specialUse ?? null)));
  }

  deleteMailbox(accountId: number, name: string): Promise<void> {
    return this.#write((tx) => mailboxes.deleteMailbox(tx, accountId, name));
  }

  renameMailbox(accountId: number, from: string, to: string): Promise<void> {
    return this.#write((tx) => mailboxes.renameMailbox(tx, accountId, from, to));
  }

  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void> {
    return this.#write((tx) => mailboxes.setSubscribed(tx, accountId, name, subscribed));
  }

  listSubscriptions(accountId: number): string[] {
    this.#assertOpen();
    return listSubscriptionNames(this.#dbs, accountId);
  }

  setSpecialUse(accountId: number, name: string, specialUse: SpecialUse | null): Promise<void> {
    return this.#write((tx) => mailboxes.setSpecialUse(tx, accountId, name, specialUse));
  }

  // ---- messages: reads

  uids(mailboxId: number): Uint32Array {
    this.#assertOpen();
    return messages.messageUids(this.#dbs, mailboxId);
  }

  getMessage(mailboxId: number, uid: number): MessageRecord | null {
    this.#assertOpen();
    return messages.readMessage(this.#dbs, mailboxId, uid);
  }

  getMimeIndex(message: MessageRecord): MimeIndexData | null {
    return this.#dbs.mime.get(message.blob) ?? null;
  }

  getMimeSummary(message: MessageRecord): MimeIndexData | null {
    return this.#dbs.mimeSummary.get(message.blob) ?? null;
  }

  setMimeIndex(message: MessageRecord, mime: MimeData): Promise<void> {
    return this.#write((tx) => {
      // Only while the blob still exists: an expunge may have freed it meanwhile.
      if ((tx.dbs.blobRefs.get(message.blob) ?? 0) > 0) putMime(tx, message.blob, mime);
    });
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

  // ---- messages: writes

  append(mailboxId: number, items: AppendItem[]): Promise<AppendResult> {
    let prepared: messages.PreparedItem[];
    try {
      const now = Date.now();
      // Hashing and flag checks happen before the transaction: the write lock is held only
      // for the database work.
      prepared = items.map((item) => ({
        body: item.body,
        address: item.address ?? blobAddress(item.body),
        flags: parseRequestedFlags(item.flags),
        internalDate: item.internalDate ?? now,
        ...(item.mime === undefined ? {} : { mime: item.mime }),
      }));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write((tx) => messages.appendMessages(tx, mailboxId, prepared, this.#appendLimit));
  }

  setFlags(mailboxId: number, uids: readonly number[], mode: FlagMode, flags: readonly string[]): Promise<FlagChange[]> {
    let requested;
    try {
      requested = parseRequestedFlags(flags);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#write((tx) => messages.storeFlags(tx, mailboxId, uids, mode, requested), 'commit');
  }

  expunge(mailboxId: number, uids: readonly number[] | null): Promise<number[]> {
    return this.#write((tx) => messages.expungeMessages(tx, mailboxId, uids), 'commit');
  }

  copy(sourceId: number, uids: readonly number[], destinationId: number): Promise<CopyResult> {
    return this.#write((tx) => messages.copyMessages(tx, sourceId, uids, destinationId), 'commit');
  }

  move(sourceId: number, uids: readonly number[], destinationId: number): Promise<CopyResult> {
    return this.#write((tx) => messages.moveMessages(tx, sourceId, uids, destinationId), 'commit');
  }

  claimRecent(mailboxId: number): Promise<{ from: number; to: number }> {
    return this.#write((tx) => messages.claimRecent(tx, mailboxId), 'commit');
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
    await Promise.allSettled([...this.#inflight]);
    await this.#watcher.close();
    this.#listeners.clear();
    await this.#dbs.root.close();
  }

  // ---- internals

  #assertOpen(): void {
    if (this.#closed) throw new StorageError('unavailable', 'The mail store is closed');
  }

  /**
   * Runs `step` in its own write transaction and resolves once the change is as safe as
   * `safety` asks. The step reads everything it needs inside the transaction; it must be
   * synchronous. Listeners hear of the change only then, so no session ever shows a change
   * that the failure it is guarded against could still take back.
   *
   * - 'flush' (new mail, mailboxes, accounts): after the commit is synced to disk; survives a
   *   power loss. A client or MTA may discard its own copy of a message once APPEND or
   *   delivery says OK, so new mail is never acknowledged before it is on disk.
   * - 'commit' (flags, \Recent, EXPUNGE, COPY, MOVE): after the commit, before its sync. The
   *   change is in the OS's page cache and survives a crash of the process; the sync that
   *   follows (already running, overlapped with the next batch) makes it survive a power loss
   *   too. A power cut can only take back the last commits, never an earlier one without the
   *   later ones (LMDB recovers to the last synced commit), so nothing is lost that was
   *   stored: a message whose COPY is undone still has its original, because the EXPUNGE
   *   that followed the COPY is undone too; an undone EXPUNGE brings a message back. Dovecot's
   *   default (`mail_fsync = optimized`) gives the same promise, and these commands then do
   *   not wait for the sync of a multi-megabyte APPEND batched in the same commit.
   */
  #write<T>(step: (tx: Tx) => T, safety: 'flush' | 'commit' = 'flush'): Promise<T> {
    if (this.#closed) return Promise.reject(new StorageError('unavailable', 'The mail store is closed'));
    const root = this.#dbs.root;
    let changed: number[] = [];
    let seq = 0;
    const run = async (): Promise<T> => {
      let result: T;
      try {
        const committed = root.childTransaction(() => {
          const tx: Tx = { dbs: this.#dbs, now: Date.now(), changed: new Set() };
          const value = step(tx);
          const ids = [...tx.changed].sort((a, b) => a - b);
          const logged = ids.length > 0 ? appendChangelog(tx, this.#origin, ids) : 0;
          changed = ids;
          seq = logged;
          return value;
        });
        // The flush of the batch this write has just joined, taken now: `root.flushed` is read
        // when its `then` is called, and read after the commit it is the flush of whatever
        // batch is being gathered by then, one whole batch later under load (lmdb-js 3.5,
        // pinned). Called synchronously, not through Promise.resolve, which would call it a
        // microtask later.
        const flushed = safety === 'flush' ? new Promise<unknown>((resolve, reject) => root.flushed.then(resolve, reject)) : null;
        flushed?.catch(() => {}); // a failed commit is reported once, through `committed`
        result = await committed;
        if (flushed !== null) await flushed;
      } catch (err) {
        throw asStorageError(err);
      }
      if (changed.length > 0) {
        this.#notify(changed);
        this.#watcher.signal(seq);
      }
      return result;
    };
    const promise = run();
    this.#inflight.add(promise);
    const forget = () => this.#inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
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

/** LMDB failures the IMAP side can answer with NO [UNAVAILABLE] rather than a server bug. */
function asStorageError(err: unknown): unknown {
  if (err instanceof StorageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/MDB_MAP_FULL|MDB_READERS_FULL|MDB_TXN_FULL|ENOSPC|closed/i.test(message)) {
    return new StorageError('unavailable', 'The mail store cannot take the change now', { cause: err });
  }
  return err;
}
