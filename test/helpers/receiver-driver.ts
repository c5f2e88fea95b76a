// Drives a Receiver the way the connection does (pull until null, decide on each literal)
// and turns its output into plain values that tests can compare.

import type { Receiver, ReceiverOutput } from '../../src/protocol/receiver.js';

export type PlainOutput =
  | { kind: 'request'; lines: string[]; literals: string[] }
  | { kind: 'line'; line: string }
  | { kind: 'literal'; firstLine: string; index: number; size: number; sync: boolean }
  | { kind: 'error'; firstLine: string; reason: string; size?: number };

export function plain(out: ReceiverOutput): PlainOutput {
  switch (out.kind) {
    case 'request':
      return { kind: 'request', lines: [...out.request.lines], literals: out.request.literals.map((b) => b.toString('latin1')) };
    case 'line':
      return { kind: 'line', line: out.line };
    case 'literal':
      return { kind: 'literal', firstLine: out.firstLine, index: out.index, size: out.size, sync: out.sync };
    case 'error': {
      const e: PlainOutput = { kind: 'error', firstLine: out.firstLine, reason: out.reason };
      if (out.size !== undefined) e.size = out.size;
      return e;
    }
  }
}

/** What to do with an announced literal: accept it, or reject it. */
export type LiteralPolicy = (announcement: Extract<ReceiverOutput, { kind: 'literal' }>) => 'accept' | 'reject';

export const acceptAll: LiteralPolicy = () => 'accept';
export const rejectAll: LiteralPolicy = () => 'reject';

/**
 * Calls `next()` until it returns null, deciding on each literal with `policy`. Literal
 * announcements are included in the result; an immediate rejection error is too.
 */
export function drain(r: Receiver, policy: LiteralPolicy = acceptAll): PlainOutput[] {
  const outs: PlainOutput[] = [];
  for (let out = r.next(); out !== null; out = r.next()) {
    outs.push(plain(out));
    if (out.kind === 'literal') {
      if (policy(out) === 'accept') {
        r.acceptLiteral();
      } else {
        const immediate = r.rejectLiteral();
        if (immediate) outs.push(plain(immediate));
      }
    }
  }
  return outs;
}

/** Only the framed requests and errors (no literal announcements). */
export function results(outs: PlainOutput[]): PlainOutput[] {
  return outs.filter((o) => o.kind !== 'literal');
}

/** Feeds `data` in pieces cut at `cuts` (offsets), draining after each piece. */
export function feedChunks(r: Receiver, data: Buffer, cuts: number[], policy: LiteralPolicy = acceptAll): PlainOutput[] {
  const outs: PlainOutput[] = [];
  let prev = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < data.length)].sort((a, b) => a - b).concat(data.length)) {
    if (cut === prev) continue;
    r.push(data.subarray(prev, cut));
    prev = cut;
    outs.push(...drain(r, policy));
  }
  return outs;
}
