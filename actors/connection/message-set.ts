// Turns a command's sequence set into the UIDs it names, through the session's view
// (RFC 9051 §6.4: sequence numbers are the client's, UIDs are the store's).

import type { SequenceSet } from '../../src/protocol/args.js';
import { resolveSequenceSet, type NumberRange } from '../../src/protocol/sequence-set.js';
import { bad } from '../../src/errors.js';
import type { SessionView } from './session-view.js';

/** First index in `uids` whose value is ≥ `value` (binary search). */
export function lowerBound(uids: Uint32Array, value: number): number {
  let lo = 0;
  let hi = uids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (uids[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The UIDs named by `set`, ascending. For a UID set, `*` is the largest UID the client knows
 * and UIDs that do not exist are ignored (RFC 9051 §6.4.9). For sequence numbers, a number
 * above EXISTS is a client error (BAD), except through `*` in an empty mailbox.
 */
export function resolveMessageSet(view: SessionView, set: SequenceSet, uid: boolean): number[] {
  const known = view.knownUids();
  if (uid) {
    const ranges = resolveSequenceSet(set, view.lastUid);
    const out: number[] = [];
    for (const r of ranges) {
      for (let i = lowerBound(known, r.start); i < known.length && known[i]! <= r.end; i++) out.push(known[i]!);
    }
    return out;
  }
  const ranges: NumberRange[] = resolveSequenceSet(set, view.exists);
  const out: number[] = [];
  for (const r of ranges) {
    if (r.end > view.exists) {
      if (view.exists === 0 && set.every((x) => x.start === '*' || x.end === '*')) continue;
      throw bad('Invalid message sequence number');
    }
    for (let seq = r.start; seq <= r.end; seq++) out.push(known[seq - 1]!);
  }
  return out;
}
