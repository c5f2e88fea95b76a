// piscina task: parse one message into its MessageIndex (RFC 3501 §7.4.2 data, with offsets),
// its pre-encoded summary and its content address.

import { createHash } from 'node:crypto';
import type { ParseMimeInput, ParseMimeOutput } from './contracts.js';
import { parseMessage } from '../src/mime/parse.js';
import { summarize } from '../src/protocol/encode/mime-summary.js';

export default function parseMime(input: ParseMimeInput): ParseMimeOutput {
  // Buffers cross the thread boundary as plain Uint8Array; view, do not copy.
  const raw = Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength);
  const index = parseMessage(raw);
  return { index, summary: summarize(index), sha256: createHash('sha256').update(raw).digest('hex') };
}
