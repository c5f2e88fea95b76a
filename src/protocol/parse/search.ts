// SEARCH programs (RFC 3501 §6.4.4 and §9 `search-key`) and ESEARCH return options (RFC 4731 §3.1).

import { MAX_LIST_NESTING, MAX_SEARCH_DEPTH } from '../limits.js';
import type { SearchDateKeyName, SearchFlagKeyName, SearchKey, SearchReturnOption, SearchTextKeyName } from '../search-key.js';
import { decodeText, type Reader } from './reader.js';
import { decodeCharset, normaliseCharset } from '../../mime/params.js';
import { readSearchDate, readSequenceSet } from './values.js';

const FLAG_KEYS = new Set<string>([
  'ALL',
  'ANSWERED',
  'DELETED',
  'DRAFT',
  'FLAGGED',
  'NEW',
  'OLD',
  'RECENT',
  'SEEN',
  'UNANSWERED',
  'UNDELETED',
  'UNDRAFT',
  'UNFLAGGED',
  'UNSEEN',
  'SAVEDATESUPPORTED',
]);
const TEXT_KEYS = new Set<string>(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO']);
const DATE_KEYS = new Set<string>(['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE', 'SAVEDBEFORE', 'SAVEDON', 'SAVEDSINCE']);
const OTHER_KEYS = new Set<string>([
  'KEYWORD',
  'UNKEYWORD',
  'HEADER',
  'LARGER',
  'SMALLER',
  'NOT',
  'OR',
  'UID',
  'MODSEQ',
  'EMAILID',
  'THREADID',
]);
/** entry-type-req = "priv" / "shared" / "all" (RFC 7162 §7). */
const ENTRY_TYPES = new Set<string>(['PRIV', 'SHARED', 'ALL']);
const RETURN_OPTIONS = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT']);

/** What follows `SEARCH` (or `UID SEARCH`). */
export interface SearchProgram {
  charset: string | null;
  criteria: SearchKey;
  returnOptions: SearchReturnOption[] | null;
}

/*
 * search             = "SEARCH" [search-return-opts] SP search-program          ; RFC 4731 §7
 * search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
 * search-return-opt  = "MIN" / "MAX" / "ALL" / "COUNT"
 * search-program     = ["CHARSET" SP charset SP] search-key *(SP search-key)      ; charset = astring
 * Reads from just after the command name.
 */
export function readSearch(r: Reader): SearchProgram {
  r.sp();
  let returnOptions: SearchReturnOption[] | null = null;
  if (r.tryWord('RETURN')) {
    r.sp();
    r.expect('(', 'return option list');
    returnOptions = [];
    while (r.peek() !== ')') {
      if (returnOptions.length > 0) r.sp();
      const opt = r.atom('return option').toUpperCase();
      if (!RETURN_OPTIONS.has(opt)) r.fail('Unknown search return option');
      returnOptions.push(opt as SearchReturnOption);
    }
    r.advance();
    r.sp();
  }
  let charset: string | null = null;
  if (r.tryWord('CHARSET')) {
    r.sp();
    charset = r.astring('charset');
    r.sp();
  }
  const keys = [readKey(r, charset, 1, 0)];
  while (r.peek() === ' ') {
    r.advance();
    keys.push(readKey(r, charset, 1, 0));
  }
  const criteria: SearchKey = keys.length === 1 ? keys[0]! : { type: 'AND', keys };
  return { charset, criteria, returnOptions };
}

/**
 * A string argument of a search key. Literals are decoded in the announced charset when the
 * platform knows it; an unknown charset leaves the bytes as Latin-1 for the handler, which
 * answers NO [BADCHARSET] (RFC 3501 §6.4.4) for charsets it does not support.
 */
function readSearchString(r: Reader, charset: string | null, what: string): string {
  if (!r.atLiteral()) return r.astring(what);
  const data = r.literal(what);
  const label = charset === null ? 'utf-8' : normaliseCharset(charset);
  if (label === 'utf-8' || label === 'us-ascii') return decodeText(r, data);
  // The same decoder as message text, so a key and the text it is compared with agree
  // (Node 20's TextDecoder reads windows-1252 as Latin-1, for one).
  return decodeCharset(data, label);
}

/*
 * search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer      ; RFC 7162 §7
 * search-modseq-ext  = SP entry-name SP entry-type-req
 * entry-name         = entry-flag-name ; a quoted "/flags/" + flag
 * Reads from after "MODSEQ ". The entry is checked and ignored: one modseq per message here.
 */
function readModseqCriterion(r: Reader): number {
  if (r.peek() === '"') {
    const entry = r.astring('entry name');
    if (!entry.toLowerCase().startsWith('/flags/')) r.fail('Entry name must start with /flags/');
    r.sp();
    if (!ENTRY_TYPES.has(r.atom('entry type').toUpperCase())) r.fail('Entry type must be priv, shared or all');
    r.sp();
  }
  return r.modseq('mod-sequence', true);
}

/** objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 §7), as the argument of EMAILID/THREADID. */
export function readObjectId(r: Reader): string {
  const id = r.atom('object id');
  if (id.length > 255 || !/^[A-Za-z0-9_-]+$/.test(id)) r.fail('Invalid object id');
  return id;
}

/*
 * search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / "BODY" SP astring /
 *   "CC" SP astring / "DELETED" / "FLAGGED" / "FROM" SP astring / "KEYWORD" SP flag-keyword /
 *   "NEW" / "OLD" / "ON" SP date / "RECENT" / "SEEN" / "SINCE" SP date / "SUBJECT" SP astring /
 *   "TEXT" SP astring / "TO" SP astring / "UNANSWERED" / "UNDELETED" / "UNFLAGGED" /
 *   "UNKEYWORD" SP flag-keyword / "UNSEEN" / "DRAFT" / "HEADER" SP header-fld-name SP astring /
 *   "LARGER" SP number / "NOT" SP search-key / "OR" SP search-key SP search-key /
 *   "SENTBEFORE" SP date / "SENTON" SP date / "SENTSINCE" SP date / "SMALLER" SP number /
 *   "UID" SP sequence-set / "UNDRAFT" / sequence-set / "(" search-key *(SP search-key) ")"
 */
function readKey(r: Reader, charset: string | null, depth: number, nesting: number): SearchKey {
  if (depth > MAX_SEARCH_DEPTH) r.fail('Search criteria nested too deeply');
  const c = r.peek();
  if (c === '(') {
    if (nesting + 1 > MAX_LIST_NESTING) r.fail('Lists nested too deeply');
    r.advance();
    const keys = [readKey(r, charset, depth + 1, nesting + 1)];
    while (r.peek() === ' ') {
      r.advance();
      keys.push(readKey(r, charset, depth + 1, nesting + 1));
    }
    r.expect(')', '")" closing search key list');
    return keys.length === 1 ? keys[0]! : { type: 'AND', keys };
  }
  if ((c >= '0' && c <= '9') || c === '*') return { type: 'SEQUENCE', set: readSequenceSet(r) };
  const name = r.atom('search key').toUpperCase();
  if (FLAG_KEYS.has(name)) return { type: name as SearchFlagKeyName };
  if (!TEXT_KEYS.has(name) && !DATE_KEYS.has(name) && !OTHER_KEYS.has(name)) r.fail('Unknown search key');
  r.sp();
  if (TEXT_KEYS.has(name)) return { type: name as SearchTextKeyName, value: readSearchString(r, charset, 'string') };
  if (DATE_KEYS.has(name)) return { type: name as SearchDateKeyName, date: readSearchDate(r) };
  switch (name) {
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { type: name, keyword: r.atom('keyword') };
    case 'HEADER': {
      const field = r.astring('header field name').toUpperCase();
      r.sp();
      return { type: 'HEADER', field, value: readSearchString(r, charset, 'string') };
    }
    case 'LARGER':
    case 'SMALLER':
      return { type: name, size: r.number('size') };
    case 'NOT':
      return { type: 'NOT', key: readKey(r, charset, depth + 1, nesting) };
    case 'OR': {
      const left = readKey(r, charset, depth + 1, nesting);
      r.sp();
      return { type: 'OR', left, right: readKey(r, charset, depth + 1, nesting) };
    }
    case 'UID':
      return { type: 'UID', set: readSequenceSet(r) };
    case 'MODSEQ':
      return { type: 'MODSEQ', modseq: readModseqCriterion(r) };
    case 'EMAILID':
    case 'THREADID':
      return { type: name, objectId: readObjectId(r) };
    default:
      return r.fail('Unknown search key');
  }
}
