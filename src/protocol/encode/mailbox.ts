// Mailbox data (RFC 3501 §7.2.4-§7.4.1): FLAGS with PERMANENTFLAGS, EXISTS and RECENT, EXPUNGE
// and STATUS, as SELECT sends them and as a session's pending updates report them.

import type { StatusItem } from '../args.js';
import { formatRanges, type NumberRange } from '../sequence-set.js';
import { encodeStatus } from './status.js';
import { ResponseBuilder } from './writer.js';

/** System flags every mailbox supports (RFC 3501 §2.3.2), in the order FLAGS and PERMANENTFLAGS list them. */
const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

/**
 * `* FLAGS (…)` and `* OK [PERMANENTFLAGS (…)]` (RFC 3501 §7.2.6, §7.1) for a mailbox whose
 * messages may carry `keywords`; a read-only mailbox permits no permanent flags.
 */
export function encodeMailboxFlags(keywords: readonly string[], readOnly: boolean): string {
  const b = new ResponseBuilder();
  b.raw('* FLAGS ').flags([...SYSTEM_FLAGS, ...keywords]);
  const permanent = readOnly ? [] : [...SYSTEM_FLAGS, ...keywords, '\\*'];
  const text = readOnly ? 'No permanent flags permitted' : 'Flags permitted';
  return `${b.toString()}\r\n${encodeStatus({ tag: '*', status: 'OK', code: { code: 'PERMANENTFLAGS', flags: permanent }, text })}`;
}

/** `* n EXISTS` and `* n RECENT` (RFC 3501 §7.3.1-2): always sent together, the message count first. */
export function encodeExistsRecent(exists: number, recent: number): string {
  return `* ${exists} EXISTS\r\n* ${recent} RECENT\r\n`;
}

/** `* seq EXPUNGE` (RFC 3501 §7.4.1). */
export function encodeExpunge(seq: number): string {
  return `* ${seq} EXPUNGE\r\n`;
}

/**
 * `* VANISHED [(EARLIER) ]uid-set` (RFC 7162 §3.2.10): expunged UIDs, as ascending ranges. Without
 * EARLIER it replaces EXPUNGE once QRESYNC is enabled and the client drops the messages; with
 * EARLIER it reports expunges from before (SELECT QRESYNC, UID FETCH VANISHED) and may name
 * UIDs the client never had. Long sets are split so no line grows without bound.
 */
export function encodeVanished(ranges: readonly NumberRange[], earlier: boolean): string {
  let out = '';
  for (let i = 0; i < ranges.length; i += VANISHED_RANGES_PER_LINE) {
    out += `* VANISHED ${earlier ? '(EARLIER) ' : ''}${formatRanges(ranges.slice(i, i + VANISHED_RANGES_PER_LINE))}\r\n`;
  }
  return out;
}

/**
 * Ranges per VANISHED line: about 8 KB at worst, the line length RFC 7162 §4 (updating RFC 2683
 * §3.2.1.5) recommends clients accept.
 */
export const VANISHED_RANGES_PER_LINE = 400;

/**
 * `* STATUS mailbox (item value …)` (RFC 3501 §7.2.4), items in the order asked. `utf8`: the
 * name is written as UTF-8 (UTF8=ACCEPT, RFC 6855 §3), else in modified UTF-7.
 */
export function encodeMailboxStatus(name: string, items: ReadonlyArray<readonly [StatusItem, number | string]>, utf8: boolean): string {
  const b = new ResponseBuilder(utf8);
  b.raw('* STATUS ')
    .mailbox(name)
    .raw(` (${items.map(([item, value]) => `${item} ${value}`).join(' ')})`)
    .crlf();
  return b.toString();
}
