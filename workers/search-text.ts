// piscina task: evaluate the text keys of a SEARCH (RFC 3501 §6.4.4) over a batch of messages.

import type { SearchTextInput, SearchTextOutput } from './contracts.js';
import { parseMessage } from '../src/mime/index.js';
import { searchText } from '../src/mime/search-text.js';
import { evaluate } from '../src/search/text-match.js';

export default function searchTextTask(input: SearchTextInput): SearchTextOutput {
  const uids: number[] = [];
  for (const m of input.messages) {
    const raw = Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength);
    // A message without a current index is parsed here, in the pool, never on the main thread.
    if (evaluate(input.key, searchText(m.index ?? parseMessage(raw), raw))) uids.push(m.uid);
  }
  return { uids };
}
