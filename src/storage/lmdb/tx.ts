// What a write step gets while it runs inside its LMDB write transaction, and the id
// counters it may draw from. Everything here must only be called inside a transaction.

import { StorageError } from '../types.js';
import { META, type Dbs } from './env.js';

export interface Tx {
  dbs: Dbs;
  /** One clock reading for the whole write (ms since the epoch). */
  now: number;
  /** Mailboxes whose messages this write changed: reported to listeners after commit. */
  changed: Set<number>;
}

/** RFC 3501 §2.3.1.1 and §9: UIDVALIDITY is a 32-bit nz-number. */
const MAX_UIDVALIDITY = 0xffffffff;

/** Next value of a persisted counter (ids start at 1). */
export function nextCounter(tx: Tx, key: string): number {
  const next = (tx.dbs.meta.get(key) ?? 0) + 1;
  tx.dbs.meta.putSync(key, next);
  return next;
}

/**
 * A UIDVALIDITY no mailbox of this store has had: the creation time in seconds, or one more
 * than the last value issued when that is larger (several mailboxes per second, or a clock
 * set back). The counter persists and never decreases, so a name that is deleted and
 * created again always gets a larger value (RFC 3501 §2.3.1.1). Seconds since 1970 stay
 * below 2^32 until 2106.
 */
export function nextUidValidity(tx: Tx): number {
  const last = tx.dbs.meta.get(META.uidValidity) ?? 0;
  const value = Math.max(last + 1, Math.floor(tx.now / 1000));
  if (value > MAX_UIDVALIDITY) throw new StorageError('limit', 'UIDVALIDITY values are exhausted');
  tx.dbs.meta.putSync(META.uidValidity, value);
  return value;
}
