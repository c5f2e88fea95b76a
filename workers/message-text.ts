// A stored message's search text, read in a pool thread straight from the store.

import { parseMessage } from '../src/mime/parse.js';
import { searchText, type SearchText } from '../src/mime/search-text.js';
import { MESSAGE_INDEX_VERSION, type MessageIndex } from '../src/mime/types.js';
import type { ThreadReader } from '../src/storage/lmdb/thread-reader.js';

/**
 * Calls `use` with the search text of message `uid` (its stored MIME index, or a parse when it
 * has none of the current format); undefined when the message is gone. The bytes are LMDB's
 * own, valid only while `use` runs: the text's strings are copies, the bytes never escape.
 */
export function withMessageText<T>(reader: ThreadReader, mailboxId: number, uid: number, use: (text: SearchText) => T): T | undefined {
  const record = reader.message(mailboxId, uid);
  if (record === null) return undefined;
  const stored = reader.mimeIndex(record.blob) as MessageIndex | null;
  const index = stored !== null && stored.v === MESSAGE_INDEX_VERSION ? stored : null;
  return reader.withBody(record.blob, (raw) => use(searchText(index ?? parseMessage(raw), raw)));
}
