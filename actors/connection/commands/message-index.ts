// A message's MIME index for FETCH: the one stored with its bytes, or (for messages stored
// before indexing, or by an older index format) parsed now and stored for next time.

import type { MessageRecord, MailStore } from '../../../src/storage/types.js';
import { MESSAGE_INDEX_VERSION, parseMessage, type MessageIndex } from '../../../src/mime/index.js';
import { mimeData, readSummary, type MimeSummary } from '../../../src/protocol/encode/mime-summary.js';

export function messageIndex(store: MailStore, msg: MessageRecord, raw: () => Buffer): MessageIndex {
  const stored = store.getMimeIndex(msg) as MessageIndex | null;
  if (stored && stored.v === MESSAGE_INDEX_VERSION) return stored;
  const index = parseMessage(raw());
  store.setMimeIndex(msg, mimeData(index)).catch(() => {
    // Best effort: the next FETCH parses again.
  });
  return index;
}

/** The stored summary (pre-encoded ENVELOPE/BODYSTRUCTURE/BODY) if current, else null. */
export function messageSummary(store: MailStore, msg: MessageRecord): MimeSummary | null {
  return readSummary(store.getMimeSummary(msg));
}
