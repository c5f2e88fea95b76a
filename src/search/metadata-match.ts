// SEARCH keys that are answered from a message's index record (RFC 3501 §6.4.4): flags,
// keywords, internal date, size, sequence numbers and UIDs, and their NOT/OR/AND
// combinations. Pure and synchronous: these searches run on the main thread from the index;
// keys that need the message text are evaluated elsewhere.

import type { SearchDate, SearchKey } from '../protocol/search-key.js';
import { contains, resolveSequenceSet, type NumberRange } from '../protocol/sequence-set.js';
import { emailObjectId } from '../protocol/encode/object-id.js';

/** What a metadata search knows about one message. */
export interface SearchSubject {
  uid: number;
  seq: number;
  flags: readonly string[];
  /** ms since the epoch. */
  internalDate: number;
  size: number;
  recent: boolean;
  /** RFC 7162 §3.1.5. */
  modseq: number;
  /** Save date (RFC 8514), ms since the epoch; null when unknown. */
  savedAt: number | null;
  /** Content address, from which EMAILID comes (RFC 8474 §5.1). */
  blob: string;
}

export interface SearchScope {
  /** EXISTS, for `*` in sequence sets. */
  exists: number;
  /** Largest UID, for `*` in UID sets. */
  lastUid: number;
  /**
   * UIDs matching each text-only subtree, computed beforehand (in the worker pool); a
   * subtree found here is answered by membership instead of being evaluated.
   */
  textResults?: ReadonlyMap<SearchKey, ReadonlySet<number>>;
}

const TEXT_KEYS = new Set(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO', 'HEADER', 'SENTBEFORE', 'SENTON', 'SENTSINCE']);

/** Is some leaf of the key tree (below NOT, OR and AND) one for which `test` holds? */
export function someLeaf(key: SearchKey, test: (leaf: SearchKey) => boolean): boolean {
  switch (key.type) {
    case 'NOT':
      return someLeaf(key.key, test);
    case 'OR':
      return someLeaf(key.left, test) || someLeaf(key.right, test);
    case 'AND':
      return key.keys.some((k) => someLeaf(k, test));
    default:
      return test(key);
  }
}

/** Does the key need the message's header or body (anything beyond the index record)? */
export function needsText(key: SearchKey): boolean {
  return someLeaf(key, (leaf) => TEXT_KEYS.has(leaf.type));
}

/** Day number (UTC) of a calendar date, for date comparisons that ignore time and zone. */
function dayOf(d: SearchDate): number {
  return Math.floor(Date.UTC(d.year, d.month - 1, d.day) / 86_400_000);
}

function dayOfMs(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

function hasFlag(flags: readonly string[], flag: string): boolean {
  // System flags are stored in canonical spelling; keywords compare case-insensitively.
  const f = flag.toLowerCase();
  return flags.some((x) => x.toLowerCase() === f);
}

/** Does the subtree consist of text keys only (so the pool can evaluate it whole)? */
export function onlyText(key: SearchKey): boolean {
  switch (key.type) {
    case 'NOT':
      return onlyText(key.key);
    case 'OR':
      return onlyText(key.left) && onlyText(key.right);
    case 'AND':
      return key.keys.every(onlyText);
    default:
      return TEXT_KEYS.has(key.type);
  }
}

/** The largest text-only subtrees of a key: each is evaluated over message text in one pass. */
export function textUnits(key: SearchKey): SearchKey[] {
  if (!needsText(key)) return [];
  if (onlyText(key)) return [key];
  switch (key.type) {
    case 'NOT':
      return textUnits(key.key);
    case 'OR':
      return [...textUnits(key.left), ...textUnits(key.right)];
    case 'AND':
      return key.keys.flatMap(textUnits);
    default:
      return [];
  }
}

/**
 * Compiles a key into a predicate (sequence and UID sets resolved once). Text subtrees must
 * have their results in `scope.textResults`.
 */
export function compileMetadataKey(key: SearchKey, scope: SearchScope): (m: SearchSubject) => boolean {
  const precomputed = scope.textResults?.get(key);
  if (precomputed) return (m) => precomputed.has(m.uid);
  switch (key.type) {
    case 'ALL':
      return () => true;
    case 'ANSWERED':
      return (m) => hasFlag(m.flags, '\\Answered');
    case 'DELETED':
      return (m) => hasFlag(m.flags, '\\Deleted');
    case 'DRAFT':
      return (m) => hasFlag(m.flags, '\\Draft');
    case 'FLAGGED':
      return (m) => hasFlag(m.flags, '\\Flagged');
    case 'SEEN':
      return (m) => hasFlag(m.flags, '\\Seen');
    case 'UNANSWERED':
      return (m) => !hasFlag(m.flags, '\\Answered');
    case 'UNDELETED':
      return (m) => !hasFlag(m.flags, '\\Deleted');
    case 'UNDRAFT':
      return (m) => !hasFlag(m.flags, '\\Draft');
    case 'UNFLAGGED':
      return (m) => !hasFlag(m.flags, '\\Flagged');
    case 'UNSEEN':
      return (m) => !hasFlag(m.flags, '\\Seen');
    case 'RECENT':
      return (m) => m.recent;
    case 'OLD':
      return (m) => !m.recent;
    // RFC 3501: NEW is "RECENT UNSEEN".
    case 'NEW':
      return (m) => m.recent && !hasFlag(m.flags, '\\Seen');
    case 'KEYWORD':
      return (m) => hasFlag(m.flags, key.keyword);
    case 'UNKEYWORD':
      return (m) => !hasFlag(m.flags, key.keyword);
    case 'BEFORE': {
      const day = dayOf(key.date);
      return (m) => dayOfMs(m.internalDate) < day;
    }
    case 'ON': {
      const day = dayOf(key.date);
      return (m) => dayOfMs(m.internalDate) === day;
    }
    case 'SINCE': {
      const day = dayOf(key.date);
      return (m) => dayOfMs(m.internalDate) >= day;
    }
    // RFC 8514 §5: a message whose save date is not known is judged by its internal date.
    case 'SAVEDBEFORE': {
      const day = dayOf(key.date);
      return (m) => dayOfMs(m.savedAt ?? m.internalDate) < day;
    }
    case 'SAVEDON': {
      const day = dayOf(key.date);
      return (m) => dayOfMs(m.savedAt ?? m.internalDate) === day;
    }
    case 'SAVEDSINCE': {
      const day = dayOf(key.date);
      return (m) => dayOfMs(m.savedAt ?? m.internalDate) >= day;
    }
    // Every mailbox keeps save dates (RFC 8514 §5).
    case 'SAVEDATESUPPORTED':
      return () => true;
    case 'MODSEQ':
      return (m) => m.modseq >= key.modseq;
    case 'EMAILID':
      return (m) => emailObjectId(m.blob) === key.objectId;
    // No message has a THREADID while THREADID is NIL (RFC 8474 §5.2).
    case 'THREADID':
      return () => false;
    case 'LARGER':
      return (m) => m.size > key.size;
    case 'SMALLER':
      return (m) => m.size < key.size;
    case 'SEQUENCE': {
      const ranges: NumberRange[] = resolveSequenceSet(key.set, scope.exists);
      return (m) => contains(ranges, m.seq);
    }
    case 'UID': {
      const ranges = resolveSequenceSet(key.set, scope.lastUid);
      return (m) => contains(ranges, m.uid);
    }
    case 'NOT': {
      const inner = compileMetadataKey(key.key, scope);
      return (m) => !inner(m);
    }
    case 'OR': {
      const a = compileMetadataKey(key.left, scope);
      const b = compileMetadataKey(key.right, scope);
      return (m) => a(m) || b(m);
    }
    case 'AND': {
      const parts = key.keys.map((k) => compileMetadataKey(k, scope));
      return (m) => parts.every((p) => p(m));
    }
    default:
      throw new Error(`${key.type} needs the message text`);
  }
}
