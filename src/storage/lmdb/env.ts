// Opening the mail store's LMDB environment: the one place that knows the sub-database names,
// their encodings, the open options and the schema version.

import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { StorageError } from '../types.js';
import { hasFlag } from '../flags.js';
import {
  packMessage,
  unpackMessage,
  type StoredAccount,
  type StoredMailbox,
  type StoredMessageValue,
  type ModseqEntry,
  type ChangelogEntry,
  type LegacyMessageObject,
  type TombstoneValue,
} from './records.js';
import type {
  AccountKey,
  BlobKey,
  ChangelogKey,
  KeywordKey,
  MailboxIdKey,
  MailboxNameKey,
  MessageKey,
  ModseqKey,
  SubscriptionKey,
} from './keys.js';
import type { SegmentKey } from './text-index.js';

/**
 * Layout version of the data in the environment. A store refuses to open a newer layout:
 * an older server would misread it or, worse, write records the newer one cannot read.
 */
export const SCHEMA_VERSION = 4;

/**
 * Named sub-databases the environment may hold. lmdb-js defaults to 12 and the next openDB
 * fails with MDB_DBS_FULL; the store uses 20 today, the rest is room for later layouts.
 */
export const MAX_DBS = 32;

/** Meta keys: the schema version and the id counters. */
export const META = {
  schema: 'schema',
  accountId: 'counter:account',
  mailboxId: 'counter:mailbox',
  uidValidity: 'counter:uidvalidity',
  changelogSeq: 'counter:changelog',
} as const;

import type { MimeIndexData, MimeSummaryData } from '../types.js';

/** Schema 3 → 4: tombstones of the modseq index move to `tombstones`; each mailbox learns its count. */
function moveTombstones(dbs: Dbs): void {
  const now = Date.now();
  // Collected first: removing entries under a range being walked would skip some.
  const found: Array<[ModseqKey, number]> = [];
  forEachChunk(dbs.modseqs, (key, value) => {
    if (value.expunged === true) found.push([key, value.uid]);
  });
  const counts = new Map<number, number>();
  for (const [key, uid] of found) {
    dbs.modseqs.removeSync(key);
    dbs.tombstones.putSync(key, [uid, now]);
    counts.set(key[0], (counts.get(key[0]) ?? 0) + 1);
  }
  for (const [id, tombstones] of counts) {
    const mailbox = dbs.mailboxes.get(id);
    if (mailbox !== undefined) dbs.mailboxes.putSync(id, { ...mailbox, tombstones });
  }
}

export interface Dbs {
  root: RootDatabase;
  /** META keys → numbers. */
  meta: Database<number, string>;
  /** Normalised account name → account. */
  accounts: Database<StoredAccount, AccountKey>;
  /** Account id → account name (to find an account's append limit from a mailbox). */
  accountIds: Database<string, number>;
  /** `[accountId, name]` → mailbox id: LIST scans this in name order. */
  mailboxNames: Database<number, MailboxNameKey>;
  /** Mailbox id → mailbox record (the counters live here). */
  mailboxes: Database<StoredMailbox, MailboxIdKey>;
  /** `[accountId, name]` → true; separate from mailboxes (RFC 3501 §6.3.6). */
  subscriptions: Database<true, SubscriptionKey>;
  /** `[mailboxId, lower-cased keyword]` → first spelling seen in that mailbox. */
  keywords: Database<string, KeywordKey>;
  /** `[mailboxId, uid]` → message record, written as a tuple (schema 3; records.ts says why). */
  messages: Database<StoredMessageValue | LegacyMessageObject, MessageKey>;
  /**
   * `[mailboxId, uid]` → true for each message flagged \Deleted (schema 2). EXPUNGE and CLOSE
   * read this range instead of decoding every message of the mailbox inside the write
   * transaction, which at 100 messages cost 0.3 ms of the one writer and grows with the mailbox.
   */
  deleted: Database<true, MessageKey>;
  /**
   * `[mailboxId, uid]` → true for each message without \\Seen (schema 4): SELECT's first unseen
   * message (RFC 3501 §7.1 UNSEEN) is the first key of a range, where a scan of a large,
   * mostly read mailbox decoded a record per message (about 100 ms at 100,000).
   */
  unseen: Database<true, MessageKey>;
  /** `[mailboxId, modseq]` → uid of the present message last changed at that modseq. */
  modseqs: Database<ModseqEntry, ModseqKey>;
  /** `[mailboxId, modseq of the expunge]` → [uid, when] (schema 4): what QRESYNC reports as VANISHED. */
  tombstones: Database<TombstoneValue, ModseqKey>;
  /** sha256 hex → message bytes (written once, never changed). */
  blobs: Database<Buffer, BlobKey>;
  /** sha256 hex → number of messages referring to the blob. */
  blobRefs: Database<number, BlobKey>;
  /**
   * sha256 hex → the message's parsed MIME index (structure with offsets, ENVELOPE data),
   * computed once when the bytes are first stored and shared like the blob itself.
   */
  mime: Database<MimeIndexData, BlobKey>;
  /** sha256 hex → the small MIME summary (pre-encoded ENVELOPE, BODYSTRUCTURE). */
  mimeSummary: Database<MimeSummaryData, BlobKey>;
  /**
   * sha256 hex → the message's own header block (its first bytes, up to the body), kept apart
   * so header FETCHes read it without the body. Blobs stored before it existed have none and
   * are read whole.
   */
  headers: Database<Buffer, BlobKey>;
  /**
   * `[mailboxId, firstUid]` → one segment of the mailbox's text index (text-segment.ts). Not
   * part of the schema's upgrades: a store without it, or with messages above its last segment,
   * is indexed in the background while SEARCH verifies what is not covered yet.
   */
  textIndex: Database<Buffer, SegmentKey>;
  /**
   * sha256 hex → the folded text of the message's body (UTF-8, LZ4-compressed by lmdb-js), as
   * SEARCH BODY and TEXT match it: verifying a candidate reads this instead of decoding the
   * message again (0.02 against 0.4 ms for the bench's messages). Shared like the blob, written by
   * the index builder, removed with the blob.
   */
  searchBodies: Database<Buffer, BlobKey>;
  /** Global sequence → mailboxes changed by one write, for other processes. */
  changelog: Database<ChangelogEntry, ChangelogKey>;
}

/**
 * Opens (creating when needed) the environment in directory `path` and checks its schema.
 *
 * Durability: the writer thread (writer-thread.ts) commits in synchronous transactions that
 * flush the data and then the meta page before they return, and answers every write only
 * then (write-batch.ts); after a power cut LMDB recovers to the last synced commit.
 * `noSync`, `useWritemap` and `commitDelay` stay at their safe defaults (off, off, 0). Each
 * write is a child transaction of its commit, so a write that throws rolls back alone while
 * the writes committed with it still apply.
 */
export function openEnv(path: string): Dbs {
  mkdirSync(path, { recursive: true });
  let root: RootDatabase;
  try {
    root = open({
      path,
      // The directory name may contain a dot (test directories do); without this lmdb-js would
      // take the path for a data file name.
      noSubdir: false,
      maxDbs: MAX_DBS,
    });
  } catch (err) {
    throw new StorageError('unavailable', `Cannot open the mail store at ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const dbs: Dbs = {
      root,
      meta: root.openDB<number, string>({ name: 'meta' }),
      accounts: root.openDB({ name: 'accounts' }),
      accountIds: root.openDB({ name: 'account-ids' }),
      mailboxNames: root.openDB({ name: 'mailbox-names' }),
      mailboxes: root.openDB({ name: 'mailboxes' }),
      subscriptions: root.openDB({ name: 'subscriptions' }),
      keywords: root.openDB({ name: 'keywords' }),
      messages: root.openDB({ name: 'messages' }),
      deleted: root.openDB({ name: 'deleted' }),
      unseen: root.openDB({ name: 'unseen' }),
      modseqs: root.openDB({ name: 'modseqs' }),
      tombstones: root.openDB({ name: 'tombstones' }),
      blobs: root.openDB<Buffer, BlobKey>({ name: 'blobs', encoding: 'binary' }),
      blobRefs: root.openDB({ name: 'blob-refs' }),
      mime: root.openDB({ name: 'mime' }),
      mimeSummary: root.openDB({ name: 'mime-summary' }),
      headers: root.openDB<Buffer, BlobKey>({ name: 'headers', encoding: 'binary' }),
      textIndex: root.openDB<Buffer, SegmentKey>({ name: 'text-index', encoding: 'binary' }),
      searchBodies: root.openDB<Buffer, BlobKey>({ name: 'search-bodies', encoding: 'binary', compression: true }),
      changelog: root.openDB({ name: 'changelog' }),
    };
    checkSchema(dbs, path);
    return dbs;
  } catch (err) {
    void root.close();
    throw err;
  }
}

function checkSchema(dbs: Dbs, path: string): void {
  const version = dbs.meta.get(META.schema);
  if (version === undefined) {
    // A new environment (or one from before versioning, which never existed): stamp it.
    // Synchronous on purpose: it happens once, before the store is handed out.
    dbs.root.transactionSync(() => {
      if (dbs.meta.get(META.schema) === undefined) dbs.meta.putSync(META.schema, SCHEMA_VERSION);
    });
    return;
  }
  if (version < SCHEMA_VERSION) {
    refuseIfShared(dbs, path, version);
    upgradeSchema(dbs, version);
    return;
  }
  if (version > SCHEMA_VERSION) {
    throw new StorageError(
      'unavailable',
      `The mail store at ${path} has schema version ${version}, newer than this server supports (${SCHEMA_VERSION}); ` +
        'it was written by a newer Gannet, upgrade to use it',
    );
  }
}

/**
 * Brings an environment of an older layout up to SCHEMA_VERSION, in one transaction (another
 * process opening it at the same moment waits for the write lock and then finds it done).
 * 1 → 2: the \Deleted index, built from the messages' flags.
 * 2 → 3: message records rewritten from objects to tuples.
 * 3 → 4: expunge tombstones moved out of the modseq index into their own, counted per mailbox
 *        (their time is unknown, so they count as made now: kept for a full retention period);
 *        the unseen index, built from the messages' flags.
 */
function upgradeSchema(dbs: Dbs, from: number): void {
  dbs.root.transactionSync(() => {
    const version = dbs.meta.get(META.schema) ?? from;
    if (version >= SCHEMA_VERSION) return;
    if (version < 4) {
      forEachChunk(dbs.messages, (key, value) => {
        const message = unpackMessage(key[1], value);
        if (version < 2 && hasFlag(message.flags, '\\Deleted')) dbs.deleted.putSync(key, true);
        if (!hasFlag(message.flags, '\\Seen')) dbs.unseen.putSync(key, true);
        // Schemas 1 and 2 stored each message as an object.
        if (!Array.isArray(value)) dbs.messages.putSync(key, packMessage(message));
      });
    }
    if (version < 4) moveTombstones(dbs);
    dbs.meta.putSync(META.schema, SCHEMA_VERSION);
  });
}

/**
 * An older server still running on the store would misread the records the upgrade rewrites,
 * and write records in its own layout afterwards. LMDB's reader table lists every process
 * that has read the environment (stale slots of dead processes cleared first): any other
 * than this one means the upgrade must wait until that process is stopped.
 */
function refuseIfShared(dbs: Dbs, path: string, version: number): void {
  dbs.root.readerCheck();
  const others = new Set<number>();
  for (const line of dbs.root.readerList().split('\n')) {
    const pid = Number(/^\s*(\d+)\s/.exec(line)?.[1]);
    if (pid > 0 && pid !== process.pid) others.add(pid);
  }
  if (others.size === 0) return;
  throw new StorageError(
    'unavailable',
    `The mail store at ${path} has schema version ${version} and is open in another process (pid ${[...others].join(', ')}); ` +
      `stop every process using it, then start this version to upgrade it to schema ${SCHEMA_VERSION}`,
  );
}

/** Entries read in bounded chunks and visited once each, so the visitor may overwrite the entry it is given. */
function forEachChunk<V, K extends MessageKey | ModseqKey>(db: Database<V, K>, visit: (key: K, value: V) => void): void {
  const CHUNK = 10_000;
  let start: K | undefined;
  for (;;) {
    const chunk = [...db.getRange(start === undefined ? { limit: CHUNK } : { start, limit: CHUNK + 1 })];
    // From the second chunk on, the range starts at the last key visited: skip it.
    const fresh = start === undefined ? chunk : chunk.slice(1);
    for (const { key, value } of fresh) visit(key, value);
    if (chunk.length < (start === undefined ? CHUNK : CHUNK + 1)) return;
    start = chunk[chunk.length - 1]!.key;
  }
}
