// The text keys of SEARCH (RFC 3501 §6.4.4) matched against a message's search text
// (src/mime/search-text.ts): a case-insensitive substring test after Unicode case folding.
// Runs in the pool's search-text task.

import type { SearchText } from '../mime/search-text.js';
import type { SearchKey } from '../protocol/search-key.js';

/**
 * Case folding for comparison: upper then lower case maps ß to ss and final sigma to sigma,
 * NFKC folds compatibility forms (full-width Latin, ligatures) as RFC 5051 i;unicode-casemap does.
 */
export function foldCase(s: string): string {
  // ASCII text (most mail) folds to its lower case: NFKC leaves it as is, and upper then lower
  // case is lower case. The test is a fraction of the cost of normalising a long body.
  if (!NOT_ASCII.test(s)) return s.toLowerCase();
  return s.normalize('NFKC').toUpperCase().toLowerCase();
}

const NOT_ASCII = /[^\p{ASCII}]/u;

function contains(haystack: string, needle: string): boolean {
  return foldCase(haystack).includes(foldCase(needle));
}

/** BODY: the stored folded body when there is one (folded once, when indexed), else the body folded now. */
function bodyContains(text: SearchText, needle: string): boolean {
  return text.foldedBodyIncludes(foldCase(needle)) ?? contains(text.body, needle);
}

function hasField(text: SearchText, name: string): boolean {
  return text.headers.some((h) => h[0] === name);
}

function day(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

/**
 * Whether a message matches one text or SENT* key. Other keys (flags, sizes, internal dates,
 * sequence sets) are the caller's: this returns null for them so a wrong call is visible.
 */
export function matchesText(key: SearchKey, text: SearchText): boolean | null {
  switch (key.type) {
    // A message without the field matches nothing, not even "" (its ENVELOPE field is NIL,
    // RFC 3501 §6.4.4 "contain the specified string in the envelope structure's … field").
    case 'FROM':
      return hasField(text, 'FROM') && contains(text.from, key.value);
    case 'TO':
      return hasField(text, 'TO') && contains(text.to, key.value);
    case 'CC':
      return hasField(text, 'CC') && contains(text.cc, key.value);
    case 'BCC':
      return hasField(text, 'BCC') && contains(text.bcc, key.value);
    case 'SUBJECT':
      return hasField(text, 'SUBJECT') && contains(text.subject, key.value);
    case 'BODY':
      return bodyContains(text, key.value);
    case 'TEXT':
      return bodyContains(text, key.value) || text.headers.some((h) => contains(`${h[0]}: ${h[1]}`, key.value));
    case 'HEADER': {
      const field = key.field.toUpperCase();
      // RFC 3501 §6.4.4: an empty string matches every message that has the field.
      return text.headers.some((h) => h[0] === field && (key.value === '' || contains(h[1], key.value)));
    }
    case 'SENTBEFORE':
    case 'SENTON':
    case 'SENTSINCE': {
      if (text.sent === null) return false;
      const want = day(Date.UTC(key.date.year, key.date.month - 1, key.date.day));
      const have = day(text.sent);
      if (key.type === 'SENTBEFORE') return have < want;
      if (key.type === 'SENTON') return have === want;
      return have >= want;
    }
    default:
      return null;
  }
}

/** Key types `matchesText` decides. */
export const TEXT_KEY_TYPES: ReadonlySet<SearchKey['type']> = new Set([
  'FROM',
  'TO',
  'CC',
  'BCC',
  'SUBJECT',
  'BODY',
  'TEXT',
  'HEADER',
  'SENTBEFORE',
  'SENTON',
  'SENTSINCE',
]);

/**
 * Evaluates a key tree whose leaves are text keys or ALL, under AND/OR/NOT. Any other leaf
 * means the main thread sent a key it must evaluate itself (flags, sizes, sequence sets);
 * that is a programming error and throws, since guessing would be wrong under NOT.
 */
export function evaluate(key: SearchKey, text: SearchText): boolean {
  switch (key.type) {
    case 'AND':
      return key.keys.every((k) => evaluate(k, text));
    case 'OR':
      return evaluate(key.left, text) || evaluate(key.right, text);
    case 'NOT':
      return !evaluate(key.key, text);
    case 'ALL':
      return true;
    default: {
      const r = matchesText(key, text);
      if (r === null) throw new TypeError(`SEARCH key ${key.type} is not a text key`);
      return r;
    }
  }
}
