// The SEARCH key tree (RFC 3501 §6.4.4) and ESEARCH return options (RFC 4731 §3.1).

import type { SequenceSet } from './sequence-set.js';

/** A calendar date from a SEARCH key (`date` in RFC 3501 §9); time and zone are not part of it. */
export interface SearchDate {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
}

/** Keys that take no argument. */
export type SearchFlagKeyName =
  | 'ALL'
  | 'ANSWERED'
  | 'DELETED'
  | 'DRAFT'
  | 'FLAGGED'
  | 'NEW'
  | 'OLD'
  | 'RECENT'
  | 'SEEN'
  | 'UNANSWERED'
  | 'UNDELETED'
  | 'UNDRAFT'
  | 'UNFLAGGED'
  | 'UNSEEN'
  /** Every message of a mailbox that keeps save dates (RFC 8514 §5). */
  | 'SAVEDATESUPPORTED';

/** Keys that match a substring of an address header, the body or the whole text. */
export type SearchTextKeyName = 'BCC' | 'BODY' | 'CC' | 'FROM' | 'SUBJECT' | 'TEXT' | 'TO';

/** Keys that compare the internal date (BEFORE/ON/SINCE) or the Date: header (SENT*). */
export type SearchDateKeyName =
  | 'BEFORE'
  | 'ON'
  | 'SINCE'
  | 'SENTBEFORE'
  | 'SENTON'
  | 'SENTSINCE'
  /** The save date (RFC 8514 §5). */
  | 'SAVEDBEFORE'
  | 'SAVEDON'
  | 'SAVEDSINCE';

/**
 * One node of a parsed SEARCH program. A list of keys, at the top level or in parentheses,
 * is an implicit AND (RFC 3501 §6.4.4); a list of one key is that key itself.
 */
export type SearchKey =
  | { type: SearchFlagKeyName }
  | { type: SearchTextKeyName; value: string }
  | { type: SearchDateKeyName; date: SearchDate }
  | { type: 'KEYWORD' | 'UNKEYWORD'; keyword: string }
  /** `field` is upper-cased; an empty `value` matches every message that has the field. */
  | { type: 'HEADER'; field: string; value: string }
  | { type: 'LARGER' | 'SMALLER'; size: number }
  /**
   * MODSEQ (RFC 7162 §3.1.5): messages whose modseq is at least `modseq`. The optional entry
   * name and type are parsed and ignored: Gannet keeps one modseq per message, and a server
   * that does not keep them per metadata item MUST ignore them.
   */
  | { type: 'MODSEQ'; modseq: number }
  /** EMAILID / THREADID (RFC 8474 §6). */
  | { type: 'EMAILID' | 'THREADID'; objectId: string }
  | { type: 'NOT'; key: SearchKey }
  | { type: 'OR'; left: SearchKey; right: SearchKey }
  | { type: 'AND'; keys: SearchKey[] }
  /** A bare sequence set: message sequence numbers. */
  | { type: 'SEQUENCE'; set: SequenceSet }
  | { type: 'UID'; set: SequenceSet };

/** ESEARCH result options (RFC 4731 §3.1). */
export type SearchReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT';
