// SEARCH results (RFC 3501 §7.2.5) and ESEARCH results (RFC 4731 §3.1).

import type { SearchReturnOption } from '../search-key.js';
import { formatRanges, rangesFromNumbers } from '../sequence-set.js';

/** mailbox-data =/ "SEARCH" *(SP nz-number): sequence numbers or UIDs, as found. */
export function encodeSearch(results: readonly number[]): string {
  return `* SEARCH${results.length > 0 ? ` ${results.join(' ')}` : ''}\r\n`;
}

/**
 * The ESEARCH response for `SEARCH RETURN (…)` (RFC 4731 §3.1): MIN/MAX/ALL omitted when nothing
 * matched; COUNT always; no options means ALL. `results` are ascending.
 */
export function encodeEsearch(tag: string, uid: boolean, options: readonly SearchReturnOption[], results: readonly number[]): string {
  const want = new Set(options.length === 0 ? ['ALL'] : options);
  let out = `* ESEARCH (TAG "${tag}")${uid ? ' UID' : ''}`;
  if (want.has('MIN') && results.length > 0) out += ` MIN ${results[0]}`;
  if (want.has('MAX') && results.length > 0) out += ` MAX ${results[results.length - 1]}`;
  if (want.has('COUNT')) out += ` COUNT ${results.length}`;
  if (want.has('ALL') && results.length > 0) out += ` ALL ${formatRanges(rangesFromNumbers(results))}`;
  return `${out}\r\n`;
}
