// SEARCH results (RFC 3501 §7.2.5) and ESEARCH results (RFC 4731 §3.1).

import type { SearchReturnOption } from '../search-key.js';
import { formatRanges, rangesFromNumbers } from '../sequence-set.js';

/**
 * mailbox-data =/ "SEARCH" *(SP nz-number) [SP search-sort-mod-seq]: sequence numbers or UIDs,
 * as found; `modseq` (RFC 7162 §3.1.5) is the highest modseq of the messages found, for a
 * SEARCH with a MODSEQ key, and is left out when nothing matched.
 */
export function encodeSearch(results: readonly number[], modseq: number | null = null): string {
  if (results.length === 0) return '* SEARCH\r\n';
  return `* SEARCH ${results.join(' ')}${modseq === null ? '' : ` (MODSEQ ${modseq})`}\r\n`;
}

/**
 * The ESEARCH response for `SEARCH RETURN (…)` (RFC 4731 §3.1): MIN/MAX/ALL omitted when nothing
 * matched; COUNT always; no options means ALL. `results` are ascending.
 */
export function encodeEsearch(
  tag: string,
  uid: boolean,
  options: readonly SearchReturnOption[],
  results: readonly number[],
  modseq: number | null = null,
): string {
  const want = new Set(options.length === 0 ? ['ALL'] : options);
  let out = `* ESEARCH (TAG "${tag}")${uid ? ' UID' : ''}`;
  if (want.has('MIN') && results.length > 0) out += ` MIN ${results[0]}`;
  if (want.has('MAX') && results.length > 0) out += ` MAX ${results[results.length - 1]}`;
  if (want.has('COUNT')) out += ` COUNT ${results.length}`;
  if (want.has('ALL') && results.length > 0) out += ` ALL ${formatRanges(rangesFromNumbers(results))}`;
  // RFC 7162 §3.1.5: MODSEQ of the messages found, when the search had a MODSEQ key.
  if (modseq !== null && results.length > 0) out += ` MODSEQ ${modseq}`;
  return `${out}\r\n`;
}
