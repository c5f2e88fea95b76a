// piscina task: build a segment of a mailbox's text index from its messages, or merge segments
// (src/storage/lmdb/text-segment.ts says why segments). Both read the store in this thread;
// the segment goes back to the event loop, which has the writer store it.

import type { TextIndexInput, TextIndexOutput } from './contracts.js';
import { documentGrams } from '../src/search/grams.js';
import { threadReader, type ThreadReader } from '../src/storage/lmdb/thread-reader.js';
import { buildSegment, mergeSegments, type SegmentDoc } from '../src/storage/lmdb/text-segment.js';
import { withMessageText } from './message-text.js';

export default function textIndexTask(input: TextIndexInput): TextIndexOutput {
  const reader = threadReader(input.storePath);
  try {
    return run(reader, input);
  } finally {
    reader.release();
  }
}

function run(reader: ThreadReader, input: TextIndexInput): TextIndexOutput {
  if (input.kind === 'merge') {
    const segments = reader.segments(input.mailboxId, input.firstUids);
    if (segments === null || segments.length === 0) return { segment: null, bodies: [], docs: 0, skipped: 0, textChars: 0 };
    const first = segments[0]!.header.firstUid;
    const last = segments[segments.length - 1]!.header.lastUid;
    const segment = mergeSegments(segments, reader.uidsBetween(input.mailboxId, first, last));
    const docs = segments.reduce((s, x) => s + x.header.docCount, 0);
    const skipped = segments.reduce((s, x) => s + x.header.skippedCount, 0);
    return { segment, bodies: [], docs, skipped, textChars: 0 };
  }
  const docs: SegmentDoc[] = [];
  const bodies: Array<[string, Uint8Array]> = [];
  let textChars = 0;
  let skipped = 0;
  for (const uid of input.uids) {
    // The body is decoded and folded here, not read back from a stored fold: the index is built
    // from the message itself.
    const grams = withMessageText(reader, input.mailboxId, uid, (text, blob) => ({ ...documentGrams(text), blob }), { foldedBody: false });
    // Expunged since the UIDs were read: no longer a message, and its UID never comes back.
    if (grams === undefined) continue;
    textChars += grams.chars;
    if (grams.grams === null) skipped++;
    else if (grams.foldedBody !== '' && !reader.hasSearchBody(grams.blob)) bodies.push([grams.blob, Buffer.from(grams.foldedBody, 'utf8')]);
    docs.push({ uid, grams: grams.grams });
  }
  const range = { firstUid: input.uids[0]!, lastUid: input.uids[input.uids.length - 1]! };
  const segment = buildSegment(range, docs);
  return { segment, bodies, docs: docs.length, skipped, textChars };
}
