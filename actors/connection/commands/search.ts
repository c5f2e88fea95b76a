// SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8) with ESEARCH results (RFC 4731).
// Flag, date, size and set keys are answered here from the index records.

import { no } from '../../../src/errors.js';
import { compileMetadataKey, needsText } from '../../../src/search/metadata-match.js';
import { formatRanges, rangesFromNumbers } from '../../../src/protocol/sequence-set.js';
import type { SearchReturnOption } from '../../../src/protocol/args.js';
import { viewOf } from './mail-common.js';
import type { CommandHandler } from './types.js';

/** Charsets SEARCH accepts (BADCHARSET lists them); others are refused, RFC 3501 §6.4.4. */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'];

function charsetSupported(name: string): boolean {
  const upper = name.toUpperCase();
  if (SEARCH_CHARSETS.includes(upper)) return true;
  try {
    new TextDecoder(name);
    return true;
  } catch {
    return false;
  }
}

/** The ESEARCH response (RFC 4731 §3.1): MIN/MAX/ALL omitted when nothing matched; COUNT always. */
export function formatEsearch(tag: string, uid: boolean, options: SearchReturnOption[], results: number[]): string {
  const want = new Set(options.length === 0 ? ['ALL'] : options);
  let out = `* ESEARCH (TAG "${tag}")${uid ? ' UID' : ''}`;
  if (want.has('MIN') && results.length > 0) out += ` MIN ${results[0]}`;
  if (want.has('MAX') && results.length > 0) out += ` MAX ${results[results.length - 1]}`;
  if (want.has('COUNT')) out += ` COUNT ${results.length}`;
  if (want.has('ALL') && results.length > 0) out += ` ALL ${formatRanges(rangesFromNumbers(results))}`;
  return `${out}\r\n`;
}

export const handleSearch: CommandHandler<'SEARCH'> = (cmd, scope) => {
  const view = viewOf(scope);
  if (cmd.charset !== null && !charsetSupported(cmd.charset)) {
    throw no({ code: 'BADCHARSET', charsets: SEARCH_CHARSETS }, `Unsupported charset ${cmd.charset}`);
  }
  if (needsText(cmd.criteria)) throw no({ code: 'CANNOT' }, 'Searching message text is not available yet');
  const match = compileMetadataKey(cmd.criteria, { exists: view.exists, lastUid: view.lastUid });
  const store = scope.deps.mail.store;
  const uids = view.knownUids();
  const results: number[] = [];
  for (let i = 0; i < uids.length; i++) {
    const uid = uids[i]!;
    const msg = store.getMessage(view.mailboxId, uid);
    if (!msg) continue; // expunged, announcement pending
    const subject = { uid, seq: i + 1, flags: msg.flags, internalDate: msg.internalDate, size: msg.size, recent: view.isRecent(uid) };
    if (match(subject)) results.push(cmd.uid ? uid : i + 1);
  }
  scope.out.write(
    cmd.returnOptions === null
      ? `* SEARCH${results.length > 0 ? ` ${results.join(' ')}` : ''}\r\n`
      : formatEsearch(cmd.tag, cmd.uid, cmd.returnOptions, results),
  );
  return {};
};
