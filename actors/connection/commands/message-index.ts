// A message's MIME index for FETCH and SEARCH: the one stored with its bytes when it is of the
// current format. A message stored before indexing, or by an older index format, is parsed
// again in the worker pool, never on the main thread: by FETCH, which stores the result for
// next time (reindex), and by SEARCH's task itself.

import type { MessageRecord, MailStore } from '../../../src/storage/types.js';
import type { WorkerPool } from '../../../src/pool.js';
import { MESSAGE_INDEX_VERSION, type MessageIndex } from '../../../src/mime/index.js';
import { mimeData, readSummary, type MimeSummary } from '../../../src/protocol/encode/mime-summary.js';

/** The stored index if it is of the current format, else null. */
export function currentIndex(store: MailStore, msg: MessageRecord): MessageIndex | null {
  const stored = store.getMimeIndex(msg) as MessageIndex | null;
  return stored && stored.v === MESSAGE_INDEX_VERSION ? stored : null;
}

/** Stores a fresh parse; best effort: if it fails, the next read parses again. */
function storeBack(store: MailStore, msg: MessageRecord, index: MessageIndex, summary?: MimeSummary): void {
  store.setMimeIndex(msg, mimeData(index, summary)).catch(() => {});
}

/** Parses the message in the pool, off the event loop, and stores index and summary for next time. */
export async function reindex(
  pool: WorkerPool,
  store: MailStore,
  msg: MessageRecord,
  raw: Buffer,
): Promise<{ index: MessageIndex; summary: MimeSummary }> {
  const { index, summary } = await pool.parseMime(raw);
  storeBack(store, msg, index, summary);
  return { index, summary };
}

/** The stored summary (pre-encoded ENVELOPE/BODYSTRUCTURE/BODY) if current, else null. */
export function messageSummary(store: MailStore, msg: MessageRecord): MimeSummary | null {
  return readSummary(store.getMimeSummary(msg));
}
