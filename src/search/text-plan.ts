// Narrowing a SEARCH's text keys with the text index before any message is read: each key
// with a string becomes the intersection of its grams' postings (grams.ts), and AND/OR combine
// those candidate sets; what the index cannot narrow (NOT, a string with no gram, SENT*, HEADER
// with an empty string) stands for every message. The candidates are then verified by the
// matcher (text-match.ts), so a plan can only make a search cheaper, never change its answer.

import type { SearchKey } from '../protocol/search-key.js';
import type { TextLookup } from '../storage/types.js';
import { intersect, union } from '../sorted.js';
import { needleGrams } from './grams.js';

/** The search string a leaf's candidates come from, or null when the index cannot narrow it. */
function needleOf(key: SearchKey): string | null {
  switch (key.type) {
    case 'FROM':
    case 'TO':
    case 'CC':
    case 'BCC':
    case 'SUBJECT':
    case 'BODY':
    case 'TEXT':
    case 'HEADER':
      return key.value === '' ? null : key.value;
    default:
      return null;
  }
}

/** Every leaf string of the key whose grams the plan looks up. */
function needles(key: SearchKey, out: string[]): void {
  switch (key.type) {
    case 'AND':
      for (const k of key.keys) needles(k, out);
      return;
    case 'OR':
      needles(key.left, out);
      needles(key.right, out);
      return;
    case 'NOT':
      return;
    default: {
      const n = needleOf(key);
      if (n !== null) out.push(n);
    }
  }
}

/**
 * The covered UIDs that may match `key`, or null for "any of them". `found` maps each needle
 * to its candidates from the lookup.
 */
function candidatesOf(key: SearchKey, found: ReadonlyMap<string, Uint32Array | null>): Uint32Array | null {
  switch (key.type) {
    case 'AND': {
      let acc: Uint32Array | null = null;
      for (const k of key.keys) {
        const c = candidatesOf(k, found);
        if (c !== null) acc = acc === null ? c : intersect(acc, c);
      }
      return acc;
    }
    case 'OR': {
      const a = candidatesOf(key.left, found);
      const b = candidatesOf(key.right, found);
      return a === null || b === null ? null : union(a, b);
    }
    case 'NOT':
      return null;
    default: {
      const n = needleOf(key);
      return n === null ? null : (found.get(n) ?? null);
    }
  }
}

/**
 * Narrows `uids` (ascending: the messages the rest of the SEARCH allows) to those the text key
 * tree `key` may match: candidates of the index for covered messages, every message above what
 * the index covers. `lookup` is the store's (one pass over the mailbox's segments).
 */
export function narrowByIndex(key: SearchKey, uids: Uint32Array, lookup: (gramSets: Uint32Array[]) => TextLookup): Uint32Array {
  const strings: string[] = [];
  needles(key, strings);
  const distinctStrings = [...new Set(strings)];
  const gramSets = distinctStrings.map(needleGrams);
  if (gramSets.every((g) => g.length === 0)) return uids;
  const result = lookup(gramSets);
  const found = new Map<string, Uint32Array | null>();
  distinctStrings.forEach((s, i) => found.set(s, result.candidates[i] ?? null));
  const covered = candidatesOf(key, found);
  if (covered === null) return uids;
  // Split at the coverage: below it the index decides, above it everything is verified.
  let split = 0;
  while (split < uids.length && uids[split]! <= result.coveredThrough) split++;
  const narrowed = intersect(uids.subarray(0, split), covered);
  const out = new Uint32Array(narrowed.length + uids.length - split);
  out.set(narrowed);
  out.set(uids.subarray(split), narrowed.length);
  return out;
}
