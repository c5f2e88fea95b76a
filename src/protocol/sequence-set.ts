// Sequence sets (RFC 3501 §9 `sequence-set`, RFC 9051 §9): parse, format, resolve against "*".

/*
 * sequence-set = (seq-number / seq-range) ["," sequence-set]
 * seq-range    = seq-number ":" seq-number   ; either order: 2:4 and 4:2 are the same range
 * seq-number   = nz-number / "*"             ; "*" is the largest number in use
 * nz-number    = digit-nz *DIGIT             ; non-zero unsigned 32-bit integer
 */

/** One end of a range: a non-zero number, or `'*'` for the largest number in use. */
export type SeqBound = number | '*';

/** One element of a sequence set, as written: `5` is `{ start: 5, end: 5 }`. */
export interface SeqRange {
  start: SeqBound;
  end: SeqBound;
}

/**
 * A sequence set as the client wrote it, in order, with `*` kept symbolic because it can
 * only be resolved against the mailbox view of the moment (RFC 3501 §9, `seq-number`).
 */
export type SequenceSet = SeqRange[];

/** A resolved range of numbers, `start <= end`. */
export interface NumberRange {
  start: number;
  end: number;
}

/** Largest value of a 32-bit unsigned `number` (RFC 3501 §4.2). */
export const MAX_UINT32 = 0xffffffff;

function parseBound(s: string): SeqBound {
  if (s === '*') return '*';
  if (!/^[1-9][0-9]*$/.test(s)) throw new SyntaxError('Invalid sequence set');
  const n = Number(s);
  if (s.length > 10 || n > MAX_UINT32) throw new RangeError('Number out of range');
  return n;
}

/**
 * Parses the wire form of a sequence set. Throws `SyntaxError` for bad syntax and
 * `RangeError` for a number above 2^32-1; the parser turns both into a BAD.
 */
export function parseSequenceSet(s: string): SequenceSet {
  if (s.length === 0) throw new SyntaxError('Invalid sequence set');
  return s.split(',').map((item) => {
    const parts = item.split(':');
    if (parts.length > 2) throw new SyntaxError('Invalid sequence set');
    const start = parseBound(parts[0]!);
    const end = parts.length === 2 ? parseBound(parts[1]!) : start;
    return { start, end };
  });
}

/** Formats a sequence set in the compact wire form (`1:4,7,9:*`). */
export function formatSequenceSet(set: SequenceSet): string {
  return set.map(({ start, end }) => (start === end ? String(start) : `${start}:${end}`)).join(',');
}

/** Formats resolved ranges in the compact wire form, as used by COPYUID (RFC 4315 §3). */
export function formatRanges(ranges: readonly NumberRange[]): string {
  return ranges.map(({ start, end }) => (start === end ? String(start) : `${start}:${end}`)).join(',');
}

/** Sorts and merges overlapping or adjacent ranges. */
export function normalizeRanges(ranges: readonly NumberRange[]): NumberRange[] {
  const sorted = ranges
    .map(({ start, end }) => (start <= end ? { start, end } : { start: end, end: start }))
    .sort((a, b) => a.start - b.start);
  const out: NumberRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end + 1) {
      if (r.end > last.end) last.end = r.end;
    } else {
      out.push({ ...r });
    }
  }
  return out;
}

/**
 * Resolves `*` to `max` (the largest sequence number or UID in use) and returns sorted,
 * merged ranges. Ranges are clipped to start at 1, so with an empty mailbox (`max` 0) `*`
 * alone resolves to nothing. Numbers above `max` are kept: whether they are an error (message
 * sequence numbers) or simply match nothing (UIDs, RFC 9051 §6.4.9) is the caller's decision;
 * `clampRanges` drops them.
 */
export function resolveSequenceSet(set: SequenceSet, max: number): NumberRange[] {
  const ranges: NumberRange[] = [];
  for (const { start, end } of set) {
    const a = start === '*' ? max : start;
    const b = end === '*' ? max : end;
    const lo = Math.max(1, Math.min(a, b));
    const hi = Math.max(a, b);
    if (hi >= lo) ranges.push({ start: lo, end: hi });
  }
  return normalizeRanges(ranges);
}

/** Keeps only the numbers in `1..max` of normalised ranges. */
export function clampRanges(ranges: readonly NumberRange[], max: number): NumberRange[] {
  const out: NumberRange[] = [];
  for (const { start, end } of ranges) {
    if (start > max) break;
    out.push({ start, end: Math.min(end, max) });
  }
  return out;
}

/** Whether `n` is in normalised (sorted, merged) ranges; binary search. */
export function contains(ranges: readonly NumberRange[], n: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (n < r.start) hi = mid - 1;
    else if (n > r.end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Number of values in normalised ranges. */
export function countRanges(ranges: readonly NumberRange[]): number {
  let total = 0;
  for (const { start, end } of ranges) total += end - start + 1;
  return total;
}

/** Iterates the numbers of normalised ranges in ascending order. */
export function* iterateRanges(ranges: readonly NumberRange[]): Generator<number, void, undefined> {
  for (const { start, end } of ranges) for (let n = start; n <= end; n++) yield n;
}

/** Builds normalised ranges from any list of numbers (for example the UIDs a COPY produced). */
export function rangesFromNumbers(numbers: Iterable<number>): NumberRange[] {
  return normalizeRanges([...numbers].map((n) => ({ start: n, end: n })));
}
