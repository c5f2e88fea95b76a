// The binary format of one segment of a mailbox's text index: for each gram (a 32-bit number
// the search layer derives from text, src/search/grams.ts) the ascending UIDs of the messages
// that have it. Storage neither makes grams nor reads text; it keeps postings.
//
// Why segments (the design of Lucene and of Stalwart's index, not of a posting per write):
// a 4 KB message has about 1,500 distinct grams, so keeping one posting list per gram up to
// date at every APPEND would be 1,500 read-modify-writes of the one writer per message. A
// segment covers a run of UIDs and is written once, as one value, by a task of the worker
// pool; small segments are merged into larger ones (merge.ts) the way an LSM tree does, and a
// merge drops expunged UIDs. Messages above the last segment's range are not indexed yet:
// a search verifies them all, so answers stay exact while indexing catches up.
//
// Layout, little-endian, no alignment (an LMDB value has none):
//   u32 FORMAT, u32 firstUid, u32 lastUid, u32 docCount, u32 skippedCount, u32 gramCount,
//   u32 postingBytes, u32 docBytes,
//   gramCount × u32 grams (ascending), (gramCount + 1) × u32 posting offsets,
//   posting bytes (per gram, UID deltas as unsigned LEB128 varints, the first from 0),
//   doc bytes (the indexed UIDs, as deltas the same way), skippedCount × u32 skipped UIDs.
// The range [firstUid, lastUid] is what the segment covers: every message of the mailbox with
// a UID in it when the segment was built is in `docs` or in `skipped` (too much text to index,
// a candidate of every search).

import { indexOf } from '../../sorted.js';

export const SEGMENT_FORMAT = 1;
const HEADER_BYTES = 32;

export interface SegmentHeader {
  firstUid: number;
  lastUid: number;
  docCount: number;
  skippedCount: number;
  gramCount: number;
}

/** One message's grams for the builder: distinct, in any order, or null when it is not indexed. */
export interface SegmentDoc {
  uid: number;
  grams: Uint32Array | null;
}

/** A growable byte buffer for varints. */
class ByteWriter {
  buf: Uint8Array;
  n = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(64, size));
  }
  varint(v: number): void {
    if (this.n + 5 > this.buf.length) this.#grow(5);
    while (v >= 0x80) {
      this.buf[this.n++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.n++] = v;
  }
  bytes(b: Uint8Array): void {
    if (this.n + b.length > this.buf.length) this.#grow(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  #grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + extra));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }
}

function writeSegment(
  range: { firstUid: number; lastUid: number },
  grams: ArrayLike<number>,
  gramCount: number,
  offsets: Uint32Array,
  postings: ByteWriter,
  docUids: ArrayLike<number>,
  skipped: ArrayLike<number>,
): Buffer {
  const docs = new ByteWriter(docUids.length * 2);
  let prev = 0;
  for (let i = 0; i < docUids.length; i++) {
    docs.varint(docUids[i]! - prev);
    prev = docUids[i]!;
  }
  const size = HEADER_BYTES + gramCount * 4 + (gramCount + 1) * 4 + postings.n + docs.n + skipped.length * 4;
  // Its own memory, not a slice of Node's shared pool: the segment is cloned to other threads whole.
  const out = Buffer.allocUnsafeSlow(size);
  const header = [SEGMENT_FORMAT, range.firstUid, range.lastUid, docUids.length, skipped.length, gramCount, postings.n, docs.n];
  header.forEach((v, i) => out.writeUInt32LE(v, i * 4));
  let at = HEADER_BYTES;
  for (let i = 0; i < gramCount; i++, at += 4) out.writeUInt32LE(grams[i]!, at);
  for (let i = 0; i <= gramCount; i++, at += 4) out.writeUInt32LE(offsets[i]!, at);
  out.set(postings.buf.subarray(0, postings.n), at);
  at += postings.n;
  out.set(docs.buf.subarray(0, docs.n), at);
  at += docs.n;
  for (let i = 0; i < skipped.length; i++, at += 4) out.writeUInt32LE(skipped[i]!, at);
  return out;
}

/**
 * Builds a segment from messages in ascending UID order covering [firstUid, lastUid]. Every
 * (gram, message) pair is packed into one float (gram × 2^20 + message position: both fit the
 * 53-bit mantissa) and the array sorted once: a native sort of numbers instead of a map from
 * gram to list, which for a thousand messages is a million small arrays.
 */
export function buildSegment(range: { firstUid: number; lastUid: number }, docs: readonly SegmentDoc[]): Buffer {
  if (docs.length >= 1 << 20) throw new RangeError('A segment holds fewer than 2^20 messages');
  let pairs = 0;
  for (const d of docs) pairs += d.grams?.length ?? 0;
  const packed = new Float64Array(pairs);
  let p = 0;
  const indexed: number[] = [];
  const skipped: number[] = [];
  for (const d of docs) {
    if (d.grams === null) {
      skipped.push(d.uid);
      continue;
    }
    const pos = indexed.length;
    indexed.push(d.uid);
    for (let i = 0; i < d.grams.length; i++) packed[p++] = d.grams[i]! * 1048576 + pos;
  }
  packed.sort();
  const grams: number[] = [];
  const offsets: number[] = [];
  const postings = new ByteWriter(pairs * 1.5);
  let current = -1;
  let prev = 0;
  for (let i = 0; i < pairs; i++) {
    const v = packed[i]!;
    const gram = Math.floor(v / 1048576);
    const uid = indexed[v - gram * 1048576]!;
    if (gram !== current) {
      grams.push(gram);
      offsets.push(postings.n);
      current = gram;
      prev = 0;
    }
    postings.varint(uid - prev);
    prev = uid;
  }
  offsets.push(postings.n);
  return writeSegment(range, grams, grams.length, Uint32Array.from(offsets), postings, indexed, skipped);
}

/** Read access to a stored segment. The buffer may be LMDB's reused read buffer: use it before the next read. */
export class SegmentReader {
  readonly buf: Uint8Array;
  readonly #view: DataView;
  readonly header: SegmentHeader;
  readonly #gramsAt: number;
  readonly #offsetsAt: number;
  readonly #postingsAt: number;
  readonly #docsAt: number;
  readonly #skippedAt: number;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const u32 = (i: number): number => this.#view.getUint32(i * 4, true);
    if (buf.byteLength < HEADER_BYTES || u32(0) !== SEGMENT_FORMAT) throw new Error('Unknown text index segment format');
    this.header = { firstUid: u32(1), lastUid: u32(2), docCount: u32(3), skippedCount: u32(4), gramCount: u32(5) };
    const g = this.header.gramCount;
    this.#gramsAt = HEADER_BYTES;
    this.#offsetsAt = this.#gramsAt + g * 4;
    this.#postingsAt = this.#offsetsAt + (g + 1) * 4;
    this.#docsAt = this.#postingsAt + u32(6);
    this.#skippedAt = this.#docsAt + u32(7);
  }

  /** Position of `gram` in the gram table, or -1. */
  find(gram: number): number {
    let lo = 0;
    let hi = this.header.gramCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.#view.getUint32(this.#gramsAt + mid * 4, true);
      if (v < gram) lo = mid + 1;
      else if (v > gram) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  gramAt(i: number): number {
    return this.#view.getUint32(this.#gramsAt + i * 4, true);
  }

  /** Encoded size of the posting at position `i`: a cheap estimate of its length. */
  postingBytes(i: number): number {
    return this.#view.getUint32(this.#offsetsAt + (i + 1) * 4, true) - this.#view.getUint32(this.#offsetsAt + i * 4, true);
  }

  /** The UIDs of the posting at position `i`, ascending. */
  posting(i: number): Uint32Array {
    const start = this.#postingsAt + this.#view.getUint32(this.#offsetsAt + i * 4, true);
    const end = this.#postingsAt + this.#view.getUint32(this.#offsetsAt + (i + 1) * 4, true);
    return readVarints(this.buf, start, end, end - start);
  }

  /** The indexed UIDs, ascending. */
  docs(): Uint32Array {
    return readVarints(this.buf, this.#docsAt, this.#skippedAt, this.header.docCount);
  }

  /** UIDs that were too large to index: candidates of every search. */
  skipped(): Uint32Array {
    const out = new Uint32Array(this.header.skippedCount);
    for (let i = 0; i < out.length; i++) out[i] = this.#view.getUint32(this.#skippedAt + i * 4, true);
    return out;
  }
}

/** Decodes a run of delta varints into at most `capacity` values. */
function readVarints(buf: Uint8Array, start: number, end: number, capacity: number): Uint32Array {
  const out = new Uint32Array(capacity);
  let n = 0;
  let prev = 0;
  let at = start;
  while (at < end) {
    let v = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[at++]!;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    prev += v;
    out[n++] = prev;
  }
  return n === capacity ? out : out.slice(0, n);
}

/**
 * Merges consecutive segments (ascending, disjoint ranges) into one covering all their ranges,
 * keeping only the UIDs `live` (ascending) still has: the merge is also how expunged messages
 * leave the index. Postings of one gram are concatenated in segment order, which keeps them
 * ascending, so no sort is needed.
 */
export function mergeSegments(segments: readonly SegmentReader[], live: Uint32Array): Buffer {
  const first = segments[0]!.header.firstUid;
  const last = segments[segments.length - 1]!.header.lastUid;
  const pos = new Array<number>(segments.length).fill(0);
  const grams: number[] = [];
  const offsets: number[] = [];
  let estimate = 0;
  for (const s of segments) estimate += s.buf.byteLength;
  const postings = new ByteWriter(estimate);
  const alive = liveTest(live, first, last);
  for (;;) {
    let gram = Infinity;
    for (let k = 0; k < segments.length; k++) {
      if (pos[k]! < segments[k]!.header.gramCount) gram = Math.min(gram, segments[k]!.gramAt(pos[k]!));
    }
    if (gram === Infinity) break;
    const start = postings.n;
    let prev = 0;
    for (let k = 0; k < segments.length; k++) {
      const s = segments[k]!;
      if (pos[k]! >= s.header.gramCount || s.gramAt(pos[k]!) !== gram) continue;
      const uids = s.posting(pos[k]!);
      pos[k]!++;
      for (let i = 0; i < uids.length; i++) {
        const uid = uids[i]!;
        if (!alive(uid)) continue;
        postings.varint(uid - prev);
        prev = uid;
      }
    }
    // A gram all of whose messages are gone leaves the index.
    if (postings.n === start) continue;
    grams.push(gram);
    offsets.push(start);
  }
  offsets.push(postings.n);
  const docs: number[] = [];
  const skipped: number[] = [];
  for (const s of segments) {
    for (const uid of s.docs()) if (alive(uid)) docs.push(uid);
    for (const uid of s.skipped()) if (alive(uid)) skipped.push(uid);
  }
  return writeSegment({ firstUid: first, lastUid: last }, grams, grams.length, Uint32Array.from(offsets), postings, docs, skipped);
}

/** Widest UID range a merge marks in a byte map (64 MiB); a wider, sparse one is searched instead. */
const LIVE_MAP_MAX_RANGE = 1 << 26;

/** A membership test for the live UIDs within [first, last]: a byte map, one lookup per posting entry. */
function liveTest(live: Uint32Array, first: number, last: number): (uid: number) => boolean {
  if (last - first + 1 > LIVE_MAP_MAX_RANGE) return (uid) => indexOf(live, uid) >= 0;
  const map = new Uint8Array(last - first + 1);
  for (const uid of live) if (uid >= first && uid <= last) map[uid - first] = 1;
  return (uid) => map[uid - first] === 1;
}
