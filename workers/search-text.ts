// piscina task: verify the text keys of a SEARCH (RFC 3501 §6.4.4) over candidate messages of
// one mailbox, read from the store in this thread.

import type { SearchTextInput, SearchTextOutput } from './contracts.js';
import { threadReader, type ThreadReader } from '../src/storage/lmdb/thread-reader.js';
import { evaluate } from '../src/search/text-match.js';
import { withMessageText } from './message-text.js';

export default function searchTextTask(input: SearchTextInput): SearchTextOutput {
  const reader = threadReader(input.storePath);
  try {
    return verify(reader, input);
  } finally {
    reader.release();
  }
}

function verify(reader: ThreadReader, input: SearchTextInput): SearchTextOutput {
  const out = new Uint32Array(input.uids.length);
  let n = 0;
  for (const uid of input.uids) {
    if (withMessageText(reader, input.mailboxId, uid, (text) => evaluate(input.key, text)) === true) out[n++] = uid;
  }
  return { uids: out.slice(0, n) };
}
