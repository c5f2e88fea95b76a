// Set operations on ascending arrays of UIDs (typed arrays, no duplicates): the text index's
// postings, its candidate sets and a mailbox's UID list are all kept this way, so intersections
// are merge walks and lookups binary searches, without building a Set per search.

/** The values in both of the ascending `a` and `b`. */
export function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let n = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      out[n++] = a[i]!;
      i++;
      j++;
    }
  }
  return out.subarray(0, n);
}

/** The values in either of the ascending `a` and `b`, once. */
export function union(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out[n++] = a[i++]!;
    else if (i >= a.length || b[j]! < a[i]!) out[n++] = b[j++]!;
    else {
      out[n++] = a[i++]!;
      j++;
    }
  }
  return out.subarray(0, n);
}

/** Position of the first value above `v` in the ascending `a` (a.length when none is). */
export function upperBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of `v` in the ascending `a`, or -1. */
export function indexOf(a: ArrayLike<number>, v: number): number {
  const at = upperBound(a, v) - 1;
  return at >= 0 && a[at] === v ? at : -1;
}
