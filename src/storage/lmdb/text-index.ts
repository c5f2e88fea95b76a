// A mailbox's text index in the environment: its segments (text-segment.ts) under
// `[mailboxId, firstUid]`, read by lookups on any thread and written only by the writer, as
// whole segments. The grams are the search layer's numbers; storage only keeps them.

import { readBinaryTransient } from './blobs.js';
import type { Dbs } from './env.js';
import type { TextLookup, TextSegmentInfo } from '../types.js';
import type { Tx } from './tx.js';
import { intersect } from '../../sorted.js';
import { SegmentReader, type SegmentHeader } from './text-segment.js';

/** `[mailboxId, firstUid]`: a mailbox's segments in UID order. */
export type SegmentKey = [number, number];

const ABOVE_ANY_UID = 2 ** 32;

function segmentRange(mailboxId: number): { start: SegmentKey; end: SegmentKey } {
  return { start: [mailboxId, 0], end: [mailboxId, ABOVE_ANY_UID] };
}

/**
 * Grams looked up per segment for one string: the rarest few. Each further gram costs the
 * decoding of its posting for a shrinking gain (the intersection of the rarest few is almost
 * always the final candidate set), and the candidates are verified anyway, so fewer grams only
 * ever means more verification, never a wrong answer. This bounds the work and memory of a
 * lookup whatever the length of the string.
 */
export const MAX_LOOKUP_GRAMS = 6;

/** The segments of a mailbox, in UID order. */
export function segmentInfos(dbs: Dbs, mailboxId: number): TextSegmentInfo[] {
  const out: TextSegmentInfo[] = [];
  forEachSegment(dbs, mailboxId, (segment) => out.push({ ...segment.header, bytes: segment.buf.byteLength }));
  return out;
}

/**
 * Reads the segments of a mailbox one after another, each valid only during its visit: a
 * segment is read without a copy (a range read would copy every value, 13 ms for 30 MB), as a
 * view of LMDB's map that the next read may replace.
 */
export function forEachSegment(dbs: Dbs, mailboxId: number, visit: (segment: SegmentReader) => void): void {
  for (const key of [...dbs.textIndex.getKeys(segmentRange(mailboxId))]) {
    const value = readBinaryTransient(dbs.textIndex, key);
    if (value !== undefined) visit(new SegmentReader(value));
  }
}

/** The segments with the given first UIDs, in that order (copies the caller owns); null if one is gone. */
export function readSegments(dbs: Dbs, mailboxId: number, firstUids: readonly number[]): SegmentReader[] | null {
  const out: SegmentReader[] = [];
  for (const uid of firstUids) {
    const value = dbs.textIndex.getBinary([mailboxId, uid]);
    if (value === undefined) return null;
    out.push(new SegmentReader(value));
  }
  return out;
}

/**
 * Candidates for several gram sets in one pass over the segments (LMDB's read buffer holds one
 * segment at a time). In each segment a set's rarest grams are intersected, smallest first.
 */
export function lookupGrams(dbs: Dbs, mailboxId: number, gramSets: readonly Uint32Array[]): TextLookup {
  const parts: Uint32Array[][] = gramSets.map(() => []);
  let coveredThrough = 0;
  forEachSegment(dbs, mailboxId, (segment) => {
    coveredThrough = Math.max(coveredThrough, segment.header.lastUid);
    const skipped = segment.header.skippedCount > 0 ? segment.skipped() : null;
    gramSets.forEach((grams, k) => {
      if (grams.length === 0) return;
      const found: Array<{ at: number; bytes: number }> = [];
      for (const gram of grams) {
        const at = segment.find(gram);
        // A gram no message of the segment has: none of them matches.
        if (at < 0) {
          if (skipped) parts[k]!.push(skipped);
          return;
        }
        found.push({ at, bytes: segment.postingBytes(at) });
      }
      found.sort((a, b) => a.bytes - b.bytes);
      let acc = segment.posting(found[0]!.at);
      for (let i = 1; i < Math.min(found.length, MAX_LOOKUP_GRAMS) && acc.length > 0; i++)
        acc = intersect(acc, segment.posting(found[i]!.at));
      parts[k]!.push(acc);
      if (skipped) parts[k]!.push(skipped);
    });
  });
  return { coveredThrough, candidates: gramSets.map((grams, k) => (grams.length === 0 ? null : union(parts[k]!))) };
}

/** The ascending union of ascending arrays. */
function union(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const out = new Uint32Array(total);
  let n = 0;
  for (const l of lists) {
    out.set(l, n);
    n += l.length;
  }
  // Segments are in UID order and disjoint, but skipped UIDs sit beside postings of the same one.
  return out.sort();
}

// ---- writes (the writer thread)

function headerOf(value: Uint8Array): SegmentHeader {
  return new SegmentReader(value).header;
}

/**
 * Adds a segment built from the messages above the mailbox's last segment. Refused (false) when
 * the mailbox is gone or was made again (`uidValidity`), or another build got there first (its
 * range overlaps): the builder read the mailbox outside this transaction.
 */
export function addSegment(
  tx: Tx,
  mailboxId: number,
  uidValidity: number,
  segment: Uint8Array,
  bodies: ReadonlyArray<readonly [string, Uint8Array]>,
): boolean {
  const mailbox = tx.dbs.mailboxes.get(mailboxId);
  if (mailbox === undefined || mailbox.uidValidity !== uidValidity) return false;
  putSearchBodies(tx, bodies);
  const header = headerOf(segment);
  const { start, end } = segmentRange(mailboxId);
  for (const key of tx.dbs.textIndex.getKeys({ start: end, end: start, reverse: true, limit: 1 })) {
    const last = readBinaryTransient(tx.dbs.textIndex, key);
    if (last !== undefined && headerOf(last).lastUid >= header.firstUid) return false;
  }
  tx.dbs.textIndex.putSync([mailboxId, header.firstUid], Buffer.from(segment.buffer, segment.byteOffset, segment.byteLength));
  return true;
}

/**
 * Replaces consecutive segments (first UIDs `replaced`, each ending at `lastUids`) by their merge.
 * Refused (false) when any of them changed meanwhile: the merge was made from what they were.
 */
export function replaceSegments(
  tx: Tx,
  mailboxId: number,
  uidValidity: number,
  replaced: readonly number[],
  lastUids: readonly number[],
  segment: Uint8Array,
): boolean {
  const mailbox = tx.dbs.mailboxes.get(mailboxId);
  if (mailbox === undefined || mailbox.uidValidity !== uidValidity) return false;
  for (let i = 0; i < replaced.length; i++) {
    const value = readBinaryTransient(tx.dbs.textIndex, [mailboxId, replaced[i]!] as SegmentKey);
    if (value === undefined || headerOf(value).lastUid !== lastUids[i]) return false;
  }
  for (const first of replaced) tx.dbs.textIndex.removeSync([mailboxId, first]);
  tx.dbs.textIndex.putSync([mailboxId, headerOf(segment).firstUid], Buffer.from(segment.buffer, segment.byteOffset, segment.byteLength));
  return true;
}

/** Stores folded body texts (env.ts `searchBodies`) of blobs that are still stored. */
function putSearchBodies(tx: Tx, bodies: ReadonlyArray<readonly [string, Uint8Array]>): void {
  for (const [address, text] of bodies) {
    if ((tx.dbs.blobRefs.get(address) ?? 0) === 0 || tx.dbs.searchBodies.doesExist(address)) continue;
    tx.dbs.searchBodies.putSync(address, Buffer.from(text.buffer, text.byteOffset, text.byteLength));
  }
}

/** Drops a mailbox's whole index (its messages are wiped, or it is rebuilt from scratch). */
export function dropTextIndex(tx: Tx, mailboxId: number): void {
  for (const key of [...tx.dbs.textIndex.getKeys(segmentRange(mailboxId))]) tx.dbs.textIndex.removeSync(key);
}
