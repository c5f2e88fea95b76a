// Which of the waiting writes the writer thread commits next.
//
// One writer serves every mailbox, and a commit takes as long as its bytes take to write and
// sync: a few megabytes of new mail hold it for tens of milliseconds. Committed in arrival
// order, every flag change, EXPUNGE and \Recent claim queued behind a burst of large APPENDs
// would wait for all of them. So every commit takes all the light writes waiting but only a
// bounded share of the heavy ones, oldest first: a STORE waits for at most that share, and
// the heavy writes still move on at every commit, however many light ones keep arriving.
//
// Order still holds where it can be seen: a write never overtakes an earlier one to the same
// mailbox (an EXPUNGE must not pass the APPEND before it), and writes that change accounts or
// mailbox names overtake nothing and are overtaken by nothing.

import type { WriteRequest } from './write-batch.js';

/**
 * An APPEND whose bodies reach this many bytes is heavy. Most mail is far smaller (text mail is
 * a few KB); from about this size on, a message's bytes rather than a commit's fixed cost
 * (its pages, its fsync) decide how long the commit takes. Smaller APPENDs commit with the
 * light writes, so a client's APPEND of ordinary mail is not kept behind someone's attachments.
 */
export const HEAVY_APPEND_BYTES = 256 * 1024;

/**
 * Bodies in one heavy commit: consecutive heavy APPENDs share a commit (and an fsync) up to
 * this many bytes, so that a light write never waits for more than about this much to be
 * written. One larger APPEND still commits whole, alone.
 */
export const HEAVY_COMMIT_BYTES = 1024 * 1024;

/** The next commit's writes, in the order to apply them, and what stays queued (in arrival order). */
export function nextCommit(queue: readonly WriteRequest[]): { commit: WriteRequest[]; rest: WriteRequest[] } {
  const light: WriteRequest[] = [];
  const held: WriteRequest[] = [];
  /** Mailboxes with a held write: later writes to them are held too, to keep their order. */
  const heldMailboxes = new Set<number>();
  let barrier = false;
  for (const request of queue) {
    const mailboxes = mailboxesOf(request);
    const hold =
      barrier ||
      appendBytes(request) >= HEAVY_APPEND_BYTES ||
      (held.length > 0 && (mailboxes === 'all' || mailboxes.some((id) => heldMailboxes.has(id))));
    if (!hold) {
      light.push(request);
      continue;
    }
    held.push(request);
    if (mailboxes === 'all') barrier = true;
    else for (const id of mailboxes) heldMailboxes.add(id);
  }
  // The first held write is heavy (a write is held only behind one); it goes, with the heavy
  // APPENDs right after it up to the byte budget. They are later than or independent of every
  // light write, so committing them after the light ones keeps each mailbox's order.
  let bytes = 0;
  let count = 0;
  for (const request of held) {
    const size = appendBytes(request);
    if (size < HEAVY_APPEND_BYTES || (count > 0 && bytes + size > HEAVY_COMMIT_BYTES)) break;
    bytes += size;
    count++;
  }
  return { commit: [...light, ...held.slice(0, count)], rest: held.slice(count) };
}

/** Body bytes of an APPEND; 0 for every other write. */
function appendBytes(request: WriteRequest): number {
  if (request.op !== 'append') return 0;
  let bytes = 0;
  for (const item of request.items) bytes += item.body.byteLength;
  return bytes;
}

/**
 * Mailboxes whose messages a write reads or changes; 'all' for writes to accounts and
 * mailbox names, which may touch any mailbox of an account. A MIME index is stored for a
 * message already committed and changes no mailbox.
 */
function mailboxesOf(request: WriteRequest): number[] | 'all' {
  switch (request.op) {
    case 'append':
    case 'setFlags':
    case 'expunge':
    case 'claimRecent':
      return [request.mailboxId];
    case 'copy':
    case 'move':
      return [request.mailboxId, request.destinationId];
    case 'setMimeIndex':
      return [];
    default:
      return 'all';
  }
}
