// Shared argument parsers: mailbox names and LIST patterns (RFC 3501 §5.1, §5.1.3, §6.3.8),
// sequence sets, flags (§2.3.2), and dates (§9 `date`, `date-time`).

import type { SearchDate } from '../search-key.js';
import { parseSequenceSet, type SequenceSet } from '../sequence-set.js';
import { isAtomChar, isListChar } from '../syntax.js';
import type { MailboxName } from '../mailbox-name.js';
import { decodeMailboxName } from '../utf7.js';
import type { Reader } from './reader.js';

/**
 * Decodes a name from modified UTF-7 (RFC 3501 §5.1.3), or takes it as UTF-8 once UTF8=ACCEPT
 * is enabled (RFC 6855 §3). The grammar says only `mailbox = "INBOX" / astring`, so a name
 * that is not valid modified UTF-7 is still well-formed: no syntax error (BAD, RFC 3501
 * §7.1.5) but an UndecodableName, which each command answers as a name no mailbox has.
 */
function decodeName(r: Reader, name: string): MailboxName {
  if (r.utf8) return name;
  return decodeMailboxName(name) ?? { undecodable: name };
}

/**
 * mailbox = "INBOX" / astring
 * ; INBOX is case-insensitive (RFC 3501 §5.1); other names are decoded from modified UTF-7.
 */
export function readMailbox(r: Reader): MailboxName {
  const name = decodeName(r, r.astring('mailbox name'));
  return typeof name === 'string' && name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

/** A LIST reference: a mailbox name used as a prefix, decoded but not INBOX-normalised. */
export function readReference(r: Reader): MailboxName {
  return decodeName(r, r.astring('reference name'));
}

/** list-mailbox = 1*list-char / string */
export function readListMailbox(r: Reader): MailboxName {
  const c = r.peek();
  if (c === '"' || c === '{') return decodeName(r, r.string('mailbox pattern'));
  const s = r.take(isListChar);
  if (s === '') r.fail('Expected mailbox pattern');
  return decodeName(r, s);
}

/** sequence-set (see sequence-set.ts for the grammar). */
export function readSequenceSet(r: Reader): SequenceSet {
  const s = r.take((c) => (c >= '0' && c <= '9') || c === ':' || c === ',' || c === '*');
  if (s === '') r.fail('Expected sequence set');
  try {
    return parseSequenceSet(s);
  } catch (e) {
    return r.fail(e instanceof RangeError ? 'Number out of range' : 'Invalid sequence set');
  }
}

const SYSTEM_FLAGS = new Map(['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map((f) => [f.toUpperCase(), f]));

/**
 * flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension
 * flag-keyword = atom ; flag-extension = "\" atom
 * System flags are case-insensitive and normalised to their canonical spelling. `\Recent` is
 * only a `flag-fetch` (RFC 3501 §9): the client cannot set it (§2.3.2), so it is refused here.
 */
export function readFlag(r: Reader): string {
  if (r.peek() !== '\\') return r.atom('flag');
  r.advance();
  const name = '\\' + r.atom('flag');
  const upper = name.toUpperCase();
  if (upper === '\\RECENT') r.fail('\\Recent can not be set by the client');
  return SYSTEM_FLAGS.get(upper) ?? name;
}

/** flag-list = "(" [flag *(SP flag)] ")" */
export function readFlagList(r: Reader): string[] {
  r.expect('(', 'flag list');
  const flags: string[] = [];
  if (r.peek() !== ')') {
    flags.push(readFlag(r));
    while (r.peek() === ' ') {
      r.advance();
      flags.push(readFlag(r));
    }
  }
  r.expect(')', '")" closing flag list');
  return flags;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Milliseconds since the epoch of a UTC date and time; unlike Date.UTC, years 0-99 are literal. */
function utcMillis(year: number, month: number, day: number, hh = 0, mm = 0, ss = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hh, mm, ss, 0);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMillis(year, month + 1, 0)).getUTCDate();
}

function toDate(r: Reader, day: number, monthName: string, year: number): SearchDate {
  const month = MONTHS.indexOf(monthName.toUpperCase()) + 1;
  if (month === 0) r.fail('Invalid month in date');
  if (day < 1 || day > daysInMonth(year, month)) r.fail('Invalid day in date');
  return { year, month, day };
}

/**
 * date      = date-text / DQUOTE date-text DQUOTE
 * date-text = date-day "-" date-month "-" date-year   ; 1*2DIGIT "-" "Jan".."Dec" "-" 4DIGIT
 */
export function readSearchDate(r: Reader): SearchDate {
  const text = r.peek() === '"' ? r.quoted('date') : r.take(isAtomChar);
  const m = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (m === null) return r.fail('Invalid date');
  return toDate(r, Number(m[1]), m[2]!, Number(m[3]));
}

/**
 * date-time      = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
 * date-day-fixed = (SP DIGIT) / 2DIGIT   ; a single digit without the space is also accepted
 * time           = 2DIGIT ":" 2DIGIT ":" 2DIGIT
 * zone           = ("+" / "-") 4DIGIT    ; hours and minutes east of Greenwich
 */
export function readDateTime(r: Reader): Date {
  const text = r.quoted('date-time');
  const m = /^ ?([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/.exec(text);
  if (m === null) return r.fail('Invalid date-time');
  const { year, month, day } = toDate(r, Number(m[1]), m[2]!, Number(m[3]));
  const [hh, mm, ss, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number) as [number, number, number, number, number];
  // Second 60 is a leap second (RFC 5322 §3.3); it is folded into the next minute.
  if (hh > 23 || mm > 59 || ss > 60 || zm > 59) r.fail('Invalid date-time');
  const offset = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm);
  return new Date(utcMillis(year, month, day, hh, mm, ss) - offset * 60_000);
}
