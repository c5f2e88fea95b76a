// The grams of the text index: what a message is indexed under and what a SEARCH string is
// looked up by. IMAP text keys are substring matches after case folding (RFC 3501 §6.4.4,
// i;unicode-casemap of RFC 5051), so the index cannot be a word index: "voic" must find
// "invoice", and Chinese or Japanese text has no spaces to find words by.
//
// The choice: every trigram (three consecutive UTF-16 code units of the folded text), plus a
// bigram for every pair of consecutive CJK code units, each hashed to 32 bits. A string's grams
// are substrings of it, so every message whose folded text contains the folded string has all
// of the string's grams: a lookup that intersects their postings can only return too many
// messages (a hash collision, or grams that occur apart), never too few, and the candidates are
// then verified by the same matcher a scan uses (text-match.ts). Answers are exact by
// construction, and the index only decides how much is verified.
//
// Why not the alternatives:
//  - A word index answers "invoice" but not "nvoic", and needs word breaking (ICU dictionaries)
//    for CJK; it would still need an n-gram path for substrings, so it adds a second index.
//  - Bigrams everywhere: Latin bigrams ("th", "in") are in nearly every message, so a lookup
//    intersects long postings and verifies most of the mailbox.
//  - 4-grams: more selective, but a 3-character string (a common search) would find nothing to
//    look up and scan the mailbox, and the index is about a third larger.
//  - CJK words are mostly one or two characters, which trigrams alone would never index: hence
//    the CJK bigram. A one-character string, or a two-character Latin one, has no gram and is
//    answered by verifying every message: exact, only slower.

import type { SearchText } from '../mime/search-text.js';
import { foldCase } from './text-match.js';

/**
 * Most folded characters of one message that are indexed. A message past it is recorded as not
 * indexed and is a candidate of every text search, so answers stay exact; it would otherwise
 * cost one gram per character in the index and in the memory of the task that builds it (8
 * bytes each while sorting: 32 MB at this size). 4 Mi characters is the most body text SEARCH
 * reads of a message anyway (MAX_SEARCH_BODY_CHARS), plus room for its headers: only a message
 * with headers of megabytes is left out. (At 1 Mi, the bench's largest messages, some 900 KB of
 * text and headers counted twice, were left out, and every search read each of them.)
 * Attachments of other types than text/* are no body text and never counted.
 */
export const INDEX_MAX_TEXT_CHARS = 4 * 1024 * 1024 + 256 * 1024;

/** First code unit counted as CJK for bigrams: U+2E80 (CJK radicals) up to the Hangul and compatibility blocks. */
const CJK_FIRST = 0x2e80;
const CJK_LAST = 0xd7ff;
/** CJK compatibility ideographs and the half-/full-width forms that NFKC leaves. */
const CJK_COMPAT_FIRST = 0xf900;
const CJK_COMPAT_LAST = 0xffef;

function isCjk(c: number): boolean {
  return (c >= CJK_FIRST && c <= CJK_LAST) || (c >= CJK_COMPAT_FIRST && c <= CJK_COMPAT_LAST);
}

function trigram(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77) ^ Math.imul(c + 0x165667b1, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Distinct from every trigram's input: a bigram is hashed as a trigram of a code unit no string holds (0xffff). */
function bigram(a: number, b: number): number {
  return trigram(a, b, 0xffff);
}

/** Appends the grams of one folded string to `out.buf`, growing it as needed. */
function addGrams(s: string, out: { buf: Uint32Array; n: number }): void {
  const len = s.length;
  if (out.n + 2 * len > out.buf.length) {
    const next = new Uint32Array(Math.max(out.buf.length * 2, out.n + 2 * len));
    next.set(out.buf.subarray(0, out.n));
    out.buf = next;
  }
  const buf = out.buf;
  let n = out.n;
  for (let i = 0; i + 1 < len; i++) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    if (i + 2 < len) buf[n++] = trigram(a, b, s.charCodeAt(i + 2));
    if (isCjk(a) && isCjk(b)) buf[n++] = bigram(a, b);
  }
  out.n = n;
}

/**
 * Distinct values of `buf[0..n)`, in no particular order (the segment builder sorts every pair
 * once). An open-addressing set: sorting each message's grams to drop repeats cost half the
 * time of indexing, since a 20 KB message has about 40,000 grams of which a fifth are distinct.
 */
function distinct(buf: Uint32Array, n: number): Uint32Array {
  let size = 64;
  while (size < n * 2) size *= 2;
  const mask = size - 1;
  // Slot value 0 means empty; the gram 0 is counted apart.
  const table = new Uint32Array(size);
  const out = new Uint32Array(n);
  let w = 0;
  let zero = false;
  for (let r = 0; r < n; r++) {
    const g = buf[r]!;
    if (g === 0) {
      if (!zero) out[w++] = 0;
      zero = true;
      continue;
    }
    let slot = (Math.imul(g, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const v = table[slot]!;
      if (v === 0) {
        table[slot] = g;
        out[w++] = g;
        break;
      }
      if (v === g) break;
      slot = (slot + 1) & mask;
    }
  }
  return out.slice(0, w);
}

/** The distinct grams of a search string; empty when it has none (too short). */
export function needleGrams(needle: string): Uint32Array {
  const acc = { buf: new Uint32Array(16), n: 0 };
  addGrams(foldCase(needle), acc);
  return distinct(acc.buf, acc.n);
}

/**
 * The grams of every text a SEARCH key can match in a message (text-match.ts): the body, each
 * header field as `NAME: value` (TEXT) and its value (HEADER), the address fields with their written-back lists and the
 * joined subjects (FROM…SUBJECT). Each string is folded whole, as the matcher folds it, so every
 * substring it can match has its grams here. `grams` is null when the text is past
 * INDEX_MAX_TEXT_CHARS; `chars` counts the folded text read; `foldedBody` is the body as the
 * matcher folds it, to be stored for verifying candidates.
 */
export function documentGrams(text: SearchText): { grams: Uint32Array | null; chars: number; foldedBody: string } {
  const strings = [
    text.body,
    // TEXT matches `NAME: value`, HEADER the value alone: each is folded as its matcher folds it.
    ...text.headers.flatMap((h) => [`${h[0]}: ${h[1]}`, h[1]]),
    text.from,
    text.to,
    text.cc,
    text.bcc,
    text.subject,
  ];
  let total = 0;
  const acc = { buf: new Uint32Array(4096), n: 0 };
  let foldedBody = '';
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i]!;
    if (s.length === 0) continue;
    const folded = foldCase(s);
    if (i === 0) foldedBody = folded;
    total += folded.length;
    if (total > INDEX_MAX_TEXT_CHARS) return { grams: null, chars: total, foldedBody: '' };
    addGrams(folded, acc);
  }
  return { grams: distinct(acc.buf, acc.n), chars: total, foldedBody };
}
