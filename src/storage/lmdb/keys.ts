// Key encodings. lmdb-js's default ordered-binary key encoding sorts arrays element by element
// (numbers numerically, strings by UTF-8 bytes), and a shorter array sorts before any longer
// one with the same prefix, so `[mailboxId, x]` keys group per mailbox and range scans
// over one mailbox are a single cursor walk.

/** Accounts: the normalised account name. */
export type AccountKey = string;
/** `[accountId, mailboxName]`: one account's mailboxes, in name order. */
export type MailboxNameKey = [number, string];
export type MailboxIdKey = number;
export type SubscriptionKey = [number, string];
export type KeywordKey = [number, string];
/** `[mailboxId, uid]`: one mailbox's messages, in UID order. */
export type MessageKey = [number, number];
/** `[mailboxId, modseq]`: one mailbox's changes, in modseq order. */
export type ModseqKey = [number, number];
/** Lower-case hex sha256 of the message bytes. */
export type BlobKey = string;
export type ChangelogKey = number;

/** Above every UID (RFC 3501: 32-bit) and modseq (RFC 7162: 63-bit, kept below 2^53 here). */
const ABOVE_ANY = Number.MAX_SAFE_INTEGER;

/** Range bounds for `getRange` / `getKeys`: start inclusive, end exclusive. */
export interface KeyRange<K> {
  start: K;
  end: K;
}

export const messageKey = (mailboxId: number, uid: number): MessageKey => [mailboxId, uid];
export const modseqKey = (mailboxId: number, modseq: number): ModseqKey => [mailboxId, modseq];

/** Every message of a mailbox, ascending UID. */
export function messageRange(mailboxId: number): KeyRange<MessageKey> {
  return { start: [mailboxId, 0], end: [mailboxId, ABOVE_ANY] };
}

/** Modseq index entries of a mailbox with modseq > `after`. */
export function modseqRange(mailboxId: number, after: number): KeyRange<ModseqKey> {
  return { start: [mailboxId, after + 1], end: [mailboxId, ABOVE_ANY] };
}

/** Every `[accountId, name]` key of an account (mailbox names, subscriptions). */
export function accountNameRange(accountId: number): KeyRange<[number, string]> {
  return { start: [accountId, ''], end: [accountId + 1, ''] };
}

/**
 * The `[accountId, name]` keys of the inferiors of `name` (`name/…`). `0` is the character
 * after `/`, so `[name + "/", name + "0")` holds exactly the names that start with `name/`.
 */
export function inferiorRange(accountId: number, name: string): KeyRange<[number, string]> {
  return { start: [accountId, `${name}/`], end: [accountId, `${name}0`] };
}

/** Every keyword registered for a mailbox. */
export function keywordRange(mailboxId: number): KeyRange<KeywordKey> {
  return { start: [mailboxId, ''], end: [mailboxId + 1, ''] };
}
