// The mail store's contract: what the mailbox actors, the sessions and the CLI may ask of
// storage. Storage knows nothing of sockets or IMAP sessions; the IMAP layer knows nothing
// of LMDB. Reads are synchronous (LMDB reads are cheap and see the latest commit); writes
// are promises that resolve once the change is committed *and flushed to disk*.

/** A user account in the mail store (distinct from credentials, which live in auth tables). */
export interface Account {
  id: number;
  /** Normalised account name (same normalisation as authentication). */
  name: string;
  createdAt: number;
  /** Per-account APPENDLIMIT override in bytes; null = the storage module's `appendlimit`. */
  appendLimit: number | null;
}

/** Special-use attributes (RFC 6154 §2). */
export type SpecialUse = '\\All' | '\\Archive' | '\\Drafts' | '\\Flagged' | '\\Junk' | '\\Sent' | '\\Trash';

export interface MailboxRecord {
  id: number;
  accountId: number;
  /** Full name in Unicode, hierarchy delimiter `/`; `INBOX` is always spelled so. */
  name: string;
  /** RFC 3501 §2.3.1.1: fixed at creation; a recreated name gets a new, larger value. */
  uidValidity: number;
  /** The UID the next message will get. */
  uidNext: number;
  /** Bumped by every change to the mailbox's messages (append, flags, expunge). */
  highestModseq: number;
  specialUse: SpecialUse | null;
  subscribed: boolean;
  /**
   * `\Noselect`: a name kept only because it has children (RFC 3501 §6.3.4: DELETE of a
   * mailbox with inferiors removes its messages and leaves the name as \Noselect).
   */
  noSelect: boolean;
  /** Highest UID already announced as \Recent to some session (RFC 3501 §2.3.2). */
  recentUid: number;
  /** Maintained counters, so STATUS and SELECT need no scan. */
  messages: number;
  unseen: number;
  /** Sum of RFC822.SIZE of all messages (STATUS SIZE, RFC 8438). */
  size: number;
}

export interface MessageRecord {
  uid: number;
  /** Content address of the stored bytes (shared by COPY; reference counted). */
  blob: string;
  /** RFC822.SIZE: exact byte length of the stored message. */
  size: number;
  /** INTERNALDATE in ms since the epoch. */
  internalDate: number;
  /** System flags (`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`) and keywords, as stored. */
  flags: string[];
  /** RFC 7162: bumped by every change of the message's flags (and set when it is stored). */
  modseq: number;
  /**
   * SAVEDATE (RFC 8514 §2): when the message was saved in this mailbox (APPEND, COPY, MOVE,
   * delivery), ms since the epoch; null for messages stored before save dates were kept.
   */
  savedAt: number | null;
}

/**
 * A message's parsed MIME index, stored with its bytes. Opaque to storage (it only keeps
 * it); the IMAP side produces and reads it (src/mime, src/protocol/encode/mime-summary.ts).
 * Plain data, msgpack-encodable.
 */
export type MimeIndexData = Record<string, unknown>;

/** The summary stored beside a MIME index: as opaque to storage, but the IMAP side stores it as a tuple. */
export type MimeSummaryData = Record<string, unknown> | unknown[];

/**
 * A message's parsed MIME index with a small summary beside it (the pre-encoded ENVELOPE and
 * BODYSTRUCTURE): the summary is stored apart so the most common FETCH items read a few
 * strings instead of decoding the whole index. Both opaque to storage.
 */
export interface MimeData {
  index: MimeIndexData;
  summary: MimeSummaryData;
  /**
   * Where the message's own header block ends (its body starts). The store keeps those bytes
   * apart too, so that the header sections clients ask of every message (BODY[HEADER.FIELDS
   * (...)] when listing a mailbox) read a few KB instead of the whole message.
   */
  headerEnd?: number;
}

export interface AppendItem {
  body: Buffer;
  flags: string[];
  /** ms since the epoch; default now. */
  internalDate?: number;
  /** The parsed MIME index and summary of `body`, when known at store time. */
  mime?: MimeData;
  /**
   * Lower-case hex sha256 of `body` when the caller has it already (the MIME worker computes
   * it off the event loop); the store computes it otherwise.
   */
  address?: string;
}

export interface AppendResult {
  uidValidity: number;
  uids: number[];
}

export type FlagMode = 'set' | 'add' | 'remove';

export interface FlagChange {
  uid: number;
  flags: string[];
  modseq: number;
}

/** What a STORE did (RFC 7162 §3.1.3). */
export interface FlagResult {
  /** Messages whose flags changed, ascending UID. */
  changes: FlagChange[];
  /** UIDs left alone because their modseq was above `unchangedSince` (the MODIFIED response code), ascending. */
  modified: number[];
}

export interface CopyResult {
  /** UIDVALIDITY of the destination (COPYUID, RFC 4315 §3). */
  uidValidity: number;
  /** [source uid, destination uid] in source UID order. */
  pairs: Array<[number, number]>;
}

/** What changed in a mailbox after a given modseq: what a session pulls into its view. */
export interface ChangeSet {
  highestModseq: number;
  uidNext: number;
  /** UIDs expunged after the modseq, ascending. */
  expunged: number[];
  /** UIDs of messages (still present) whose flags changed or which were added after the modseq, ascending. */
  changed: number[];
  /**
   * Expunges with a modseq above this are all in `expunged`; below it their tombstones may be
   * pruned (the storage module's `tombstone_retention`, `tombstone_limit`). When the asked
   * modseq is below it, `expunged` may miss some: compare UIDs instead.
   */
  tombstoneFloor: number;
  /** The lowest modseq among the expunges in `expunged` (read from their tombstones), 0 when none. */
  firstExpungeModseq: number;
}

export type { TombstoneRetention } from '../config/schema.js';

export type StorageErrorKind =
  | 'nonexistent' // no such mailbox/account/message          → NO [NONEXISTENT] / [TRYCREATE]
  | 'alreadyexists' // CREATE/RENAME target exists              → NO [ALREADYEXISTS]
  | 'haschildren' // DELETE of a \Noselect name with children   → NO [HASCHILDREN]
  | 'cannot' // forbidden operation (DELETE INBOX, bad name)   → NO [CANNOT]
  | 'toobig' // message over the append limit                  → NO [TOOBIG]
  | 'limit' // implementation limit (name length, flag count)  → NO [LIMIT]
  | 'noselect' // SELECT/APPEND to a \Noselect name            → NO [NONEXISTENT]
  | 'unavailable' // map full, env closed                     → NO [UNAVAILABLE]
  // The writer failed after the write may have committed: whether it took effect is unknown.
  // Never answered NO (a client would retry an APPEND that was stored): the session ends.
  | 'uncertain'; //                                             → * BYE [UNAVAILABLE]

export class StorageError extends Error {
  readonly kind: StorageErrorKind;
  constructor(kind: StorageErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StorageError';
    this.kind = kind;
  }
}

/** Mailboxes whose messages changed, reported after commit (in-process) or seen from another process. */
export type ChangeListener = (mailboxIds: readonly number[]) => void;

/**
 * A mailbox's messages as columns, row i for the i-th UID ascending (SEARCH's flag, date and size
 * keys). Shared between callers: read only.
 */
export interface MessageColumns {
  uids: Uint32Array;
  /** System flags as bits (lmdb/columns.ts FLAG_BITS). */
  flags: Uint8Array;
  /** Keywords, lower-cased; null when none. */
  keywords: Array<readonly string[] | null>;
  /** INTERNALDATE, ms since the epoch. */
  internalDate: Float64Array;
  size: Float64Array;
  modseq: Float64Array;
  /** Save date (RFC 8514), ms since the epoch; NaN when unknown. */
  savedAt: Float64Array;
}

/** Candidates of a text index lookup (src/storage/lmdb/text-index.ts). */
export interface TextLookup {
  /** Every message with a UID up to this is covered by the index; those above are not indexed yet. */
  coveredThrough: number;
  /**
   * Per gram set asked for: the covered UIDs that may hold all its grams (ascending; expunged
   * ones may remain), with those too large to index; null for an empty set, which narrows nothing.
   */
  candidates: Array<Uint32Array | null>;
}

/** One segment of a mailbox's text index: the UIDs it covers and its size. */
export interface TextSegmentInfo {
  firstUid: number;
  lastUid: number;
  /** Messages indexed, and those too large to index (candidates of every search). */
  docCount: number;
  skippedCount: number;
  gramCount: number;
  bytes: number;
}

export interface MailStore {
  /** The store's directory: pool tasks open it from their own threads to read messages without the event loop. */
  readonly path: string;

  // ---- accounts
  getAccount(name: string): Account | null;
  listAccounts(): Account[];
  /** Creates the account with INBOX and the given extra mailboxes; `alreadyexists` if present. */
  createAccount(name: string, mailboxes: Array<{ name: string; specialUse: SpecialUse | null }>): Promise<Account>;
  /** Removes the account, its mailboxes and messages. */
  deleteAccount(name: string): Promise<void>;
  setAccountAppendLimit(name: string, limit: number | null): Promise<void>;

  // ---- mailboxes (names are full Unicode names with `/` as delimiter)
  /** All mailboxes of the account, sorted by name. */
  listMailboxes(accountId: number): MailboxRecord[];
  getMailbox(accountId: number, name: string): MailboxRecord | null;
  getMailboxById(id: number): MailboxRecord | null;
  /** Creates the mailbox and any missing parents (RFC 3501 §6.3.3). */
  createMailbox(accountId: number, name: string, opts?: { specialUse?: SpecialUse | null }): Promise<MailboxRecord>;
  /** RFC 3501 §6.3.4 semantics; INBOX is `cannot`. */
  deleteMailbox(accountId: number, name: string): Promise<void>;
  /** RFC 3501 §6.3.5: children move too; renaming INBOX moves its messages to a new mailbox and leaves INBOX empty. */
  renameMailbox(accountId: number, from: string, to: string): Promise<void>;
  /** Subscription bit; subscribing to a name that does not exist is allowed (RFC 3501 §6.3.6). */
  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void>;
  /** Subscribed names, including ones that no longer exist. */
  listSubscriptions(accountId: number): string[];
  setSpecialUse(accountId: number, name: string, specialUse: SpecialUse | null): Promise<void>;

  // ---- messages: reads
  /** All UIDs of the mailbox, ascending, in a new array the caller owns. */
  uids(mailboxId: number): Uint32Array;
  /** The UID of the first message without \\Seen (SELECT's UNSEEN, RFC 3501 §7.1), or null. */
  firstUnseen(mailboxId: number): number | null;
  getMessage(mailboxId: number, uid: number): MessageRecord | null;
  /** The records of `uids`, in the same order, null where a UID has no message; cheapest for ascending, dense sets. */
  getMessages(mailboxId: number, uids: ArrayLike<number>): Array<MessageRecord | null>;
  /** The exact stored bytes. */
  readBody(message: MessageRecord): Buffer;
  /**
   * The message's own header block (its bytes up to where the body starts) when it was stored
   * apart from the body (MimeData.headerEnd), else null: then read it from the body.
   */
  readHeader(message: MessageRecord): Buffer | null;
  /**
   * Calls `use` with the message's bytes without copying them out for the caller: the bytes
   * are valid only until `use` returns (the next store read reuses them), so `use` must copy
   * whatever it keeps. For work that needs a small part of a large body (header fields).
   */
  withBody<T>(message: MessageRecord, use: (bytes: Buffer) => T): T;
  /** The MIME index stored with the message's bytes, or null (stored before indexing existed). */
  getMimeIndex(message: MessageRecord): MimeIndexData | null;
  /** The MIME summary stored with the message's bytes, or null. */
  getMimeSummary(message: MessageRecord): MimeSummaryData | null;
  /** Stores the MIME index and summary of a message whose bytes were stored without them. */
  setMimeIndex(message: MessageRecord, mime: MimeData): Promise<void>;
  /** What changed after `modseq` (exclusive). */
  changesSince(mailboxId: number, modseq: number): ChangeSet;
  /**
   * Keywords the mailbox has held, in their stored spelling (FLAGS and PERMANENTFLAGS). A keyword
   * is registered by the write that first puts it on a message, in the same transaction.
   */
  keywords(mailboxId: number): string[];

  /** The mailbox's messages as columns, as of now (see MessageColumns). */
  columns(mailboxId: number): MessageColumns;

  // ---- the text index: segments of postings of numbers (grams) the search layer makes
  /** Candidates for each gram set, from every segment of the mailbox. */
  textLookup(mailboxId: number, gramSets: readonly Uint32Array[]): TextLookup;
  /** The mailbox's segments in UID order. */
  textSegments(mailboxId: number): TextSegmentInfo[];
  /**
   * Adds a segment above the last one, with the folded body texts of its messages by content
   * address (kept with the blob, for verifying candidates); false when the mailbox changed
   * identity or another build got there first.
   */
  addTextSegment(
    mailboxId: number,
    uidValidity: number,
    segment: Uint8Array,
    bodies?: ReadonlyArray<readonly [string, Uint8Array]>,
  ): Promise<boolean>;
  /** Replaces consecutive segments (first UIDs, each ending at lastUids) by their merge; false when one changed. */
  replaceTextSegments(
    mailboxId: number,
    uidValidity: number,
    replaced: readonly number[],
    lastUids: readonly number[],
    segment: Uint8Array,
  ): Promise<boolean>;
  /** Drops the mailbox's index, to be built again. */
  dropTextIndex(mailboxId: number): Promise<void>;

  // ---- messages: writes. Safe to call concurrently; each is one transaction, in call order.
  append(mailboxId: number, items: AppendItem[]): Promise<AppendResult>;
  /**
   * Returns the messages whose flags actually changed. With `unchangedSince` (STORE
   * UNCHANGEDSINCE, RFC 7162 §3.1.3) a message whose modseq is above it is left alone and
   * listed in `modified`, decided inside the write's transaction.
   */
  setFlags(
    mailboxId: number,
    uids: readonly number[],
    mode: FlagMode,
    flags: readonly string[],
    opts?: { unchangedSince?: number },
  ): Promise<FlagResult>;
  /**
   * Expunges the given UIDs (with `onlyDeleted`, those of them flagged \Deleted at commit time),
   * or with `null` every message flagged \Deleted; returns expunged UIDs ascending.
   */
  expunge(mailboxId: number, uids: readonly number[] | null, opts?: { onlyDeleted?: boolean }): Promise<number[]>;
  copy(sourceId: number, uids: readonly number[], destinationId: number): Promise<CopyResult>;
  /** COPY + expunge from the source in one transaction (RFC 6851). */
  move(sourceId: number, uids: readonly number[], destinationId: number): Promise<CopyResult>;
  /**
   * Claims the UIDs above `recentUid`, up to `upTo`, as \Recent for one session, stored before
   * it resolves; returns the claimed range (empty when from > to).
   */
  claimRecent(mailboxId: number, upTo: number): Promise<{ from: number; to: number }>;

  // ---- notifications
  /** Called after commit for changes made in this process, and soon after for changes made by another process (the CLI). */
  onChange(listener: ChangeListener): () => void;

  close(): Promise<void>;
}
