// What CONDSTORE and QRESYNC (RFC 7162) add to the commands that use them: whether the session
// has them on, the implicit enabling of §3.1, and the "what went since modseq n" answer of
// SELECT (QRESYNC …) and UID FETCH (CHANGEDSINCE n VANISHED), exact from the tombstones or, below
// the oldest kept one, every UID the client may have known that is gone (§3.2.5.2).

import type { QresyncParams } from '../../../src/protocol/args.js';
import { encodeVanished } from '../../../src/protocol/encode/mailbox.js';
import { encodeFetchFlags } from '../../../src/protocol/encode/fetch.js';
import { clampRanges, contains, iterateRanges, resolveSequenceSet, type NumberRange } from '../../../src/protocol/sequence-set.js';
import type { ChangeSet, MailboxRecord, MailStore } from '../../../src/storage/types.js';
import { lowerBound } from '../message-set.js';
import type { SessionView } from '../session-view.js';
import type { CommandScope, Completion } from './types.js';

/** Did the session ENABLE CONDSTORE or QRESYNC, or run a CONDSTORE-enabling command (§3.1)? */
export function condstoreEnabled(enabled: readonly string[]): boolean {
  return enabled.includes('CONDSTORE') || enabled.includes('QRESYNC');
}

/** Is CONDSTORE on for this command's output? */
export function condstoreOn(scope: CommandScope): boolean {
  return scope.deps.session.view?.condstore ?? condstoreEnabled(scope.session.enabled);
}

/**
 * A CONDSTORE-enabling command (RFC 7162 §3.1: SELECT/EXAMINE CONDSTORE, STATUS HIGHESTMODSEQ,
 * FETCH MODSEQ or CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ) turns CONDSTORE on from
 * here: for the selected view at once, and for the session through the completion.
 */
export function enableCondstore(scope: CommandScope): Pick<Completion, 'enabled'> {
  const view = scope.deps.session.view;
  if (view) view.condstore = true;
  return condstoreEnabled(scope.session.enabled) ? {} : { enabled: ['CONDSTORE'] };
}

/**
 * The UIDs within `ranges` (ascending, inside 1..uidNext-1) expunged after `modseq` that the
 * client is not told of otherwise: those still in the view go out as VANISHED (or EXPUNGE)
 * when the view's pending expunges are flushed. Exact when the tombstones reach back to
 * `modseq`; else every UID in the ranges that is not present, above `above` (below which
 * seq-match-data showed nothing went).
 */
export function vanishedSince(
  store: MailStore,
  view: SessionView,
  modseq: number,
  ranges: readonly NumberRange[],
  above = 0,
  changes: ChangeSet = store.changesSince(view.mailboxId, modseq),
): NumberRange[] {
  if (modseq >= changes.tombstoneFloor) {
    const out: number[] = [];
    // Exact: `above` is not needed, and not trusted further than it must be.
    for (const uid of changes.expunged) if (contains(ranges, uid) && view.seqOf(uid) === 0) out.push(uid);
    return toRanges(out);
  }
  return absentUids(store.uids(view.mailboxId), ranges, above, view);
}

/** Every UID in `ranges` above `above` that is neither in `present` (ascending) nor known to the view, as ranges. */
function absentUids(present: Uint32Array, ranges: readonly NumberRange[], above: number, view: SessionView): NumberRange[] {
  const out: NumberRange[] = [];
  const push = (start: number, end: number) => {
    if (start > end) return;
    const last = out[out.length - 1];
    if (last && last.end + 1 >= start) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  };
  let i = 0;
  for (const range of ranges) {
    let from = Math.max(range.start, above + 1);
    if (from > range.end) continue;
    while (i < present.length && present[i]! < from) i++;
    while (from <= range.end) {
      // The next UID still there (present, or expunged but not yet announced to the client).
      let next = i < present.length ? present[i]! : Infinity;
      const known = nextKnown(view, from);
      if (known < next) next = known;
      if (next > range.end) {
        push(from, range.end);
        break;
      }
      push(from, next - 1);
      from = next + 1;
      while (i < present.length && present[i]! < from) i++;
    }
  }
  return out;
}

/** The smallest UID ≥ `uid` the view still knows, or Infinity. */
function nextKnown(view: SessionView, uid: number): number {
  const uids = view.knownUids();
  const i = lowerBound(uids, uid);
  return i < uids.length ? uids[i]! : Infinity;
}

function toRanges(sorted: readonly number[]): NumberRange[] {
  const out: NumberRange[] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && last.end + 1 === n) last.end = n;
    else if (!last || last.end < n) out.push({ start: n, end: n });
  }
  return out;
}

/**
 * RFC 7162 §3.2.5.2: seq-match-data pairs message numbers with the UIDs the client had for
 * them. Where the view maps a number to the same UID, no message below that UID can have been
 * expunged since (UIDs only grow, so the count below it is unchanged): the largest UID of an
 * unbroken run of matching pairs from the first bounds what must be reported. 0 when none match.
 */
export function matchedUidBound(view: SessionView, seqMatch: NonNullable<QresyncParams['seqMatch']>): number {
  const seqs = iterateRanges(resolveSequenceSet(seqMatch.seqs, view.exists));
  const uids = iterateRanges(resolveSequenceSet(seqMatch.uids, view.lastUid));
  let bound = 0;
  for (let i = 0; i < MAX_SEQ_MATCH_PAIRS; i++) {
    const seq = seqs.next();
    const uid = uids.next();
    if (seq.done === true || uid.done === true || view.uidAt(seq.value) !== uid.value) break;
    bound = uid.value;
  }
  return bound;
}

/**
 * Pairs of seq-match-data looked at. Clients send a sample (RFC 7162 §3.2.5.2 suggests a few
 * dozen); a set like 1:4294967295 must not become a loop over four billion numbers.
 */
export const MAX_SEQ_MATCH_PAIRS = 10_000;

/**
 * The untagged responses of `SELECT mailbox (QRESYNC (…))` after the usual ones (RFC 7162
 * §3.2.5): VANISHED (EARLIER) for what went since the client's modseq, then a FETCH with UID,
 * FLAGS and MODSEQ for each known message changed since. Nothing when UIDVALIDITY differs: the
 * client's cache is void and it resynchronises in full.
 */
export function qresyncResponses(store: MailStore, view: SessionView, mb: MailboxRecord, q: QresyncParams): string {
  if (q.uidValidity !== mb.uidValidity) return '';
  const all: NumberRange[] = [{ start: 1, end: Math.max(1, mb.uidNext - 1) }];
  const known = q.knownUids === null ? all : clampRanges(resolveSequenceSet(q.knownUids, mb.uidNext - 1), mb.uidNext - 1);
  const above = q.seqMatch === null ? 0 : matchedUidBound(view, q.seqMatch);
  // One read of what changed serves both the VANISHED and the FETCHes.
  const changes = store.changesSince(mb.id, q.modseq);
  let out = '';
  if (mb.uidNext > 1) {
    const vanished = vanishedSince(store, view, q.modseq, known, above, changes);
    if (vanished.length > 0) out += encodeVanished(vanished, true);
  }
  for (const uid of changes.changed) {
    const seq = view.seqOf(uid);
    if (seq === 0 || !contains(known, uid)) continue;
    const msg = store.getMessage(mb.id, uid);
    if (!msg) continue;
    out += view.announceNewKeywords(store, msg.flags);
    out += encodeFetchFlags(seq, uid, msg.flags, view.isRecent(uid), msg.modseq);
  }
  return out;
}
