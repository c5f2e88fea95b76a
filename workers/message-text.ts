// A stored message's search text, read in a pool thread straight from the store.

import { parseMessage } from '../src/mime/parse.js';
import { lazySearchText, type SearchText } from '../src/mime/search-text.js';
import { MESSAGE_INDEX_VERSION, type MessageIndex } from '../src/mime/types.js';
import type { ThreadReader } from '../src/storage/lmdb/thread-reader.js';

const EMPTY = new Uint8Array(0);

/**
 * Calls `use` with the search text of message `uid` (its stored MIME index, or a parse when it
 * has none of the current format); undefined when the message is gone.
 */
export function withMessageText<T>(
  reader: ThreadReader,
  mailboxId: number,
  uid: number,
  use: (text: SearchText, blob: string) => T,
  opts: { foldedBody: boolean } = { foldedBody: true },
): T | undefined {
  const record = reader.message(mailboxId, uid);
  if (record === null) return undefined;
  // The message itself only when the key needs more than the stored folded body. Its bytes are
  // copied out (a few µs), so later reads cannot reuse the buffer under the text's feet.
  let gone = false;
  const load = (): { index: MessageIndex; raw: Uint8Array } => {
    const stored = reader.mimeIndex(record.blob) as MessageIndex | null;
    const raw = reader.body(record.blob);
    if (raw === undefined) {
      gone = true;
      return { index: parseMessage(EMPTY), raw: EMPTY };
    }
    return { index: stored !== null && stored.v === MESSAGE_INDEX_VERSION ? stored : parseMessage(raw), raw };
  };
  const result = use(
    lazySearchText(
      load,
      () => reader.header(record.blob),
      (needle) => (opts.foldedBody ? reader.searchBodyIncludes(record.blob, needle) : undefined),
    ),
    record.blob,
  );
  return gone ? undefined : result;
}
