// piscina task: parse one message into its MessageIndex (RFC 3501 §7.4.2 data, with offsets).

import type { ParseMimeInput, ParseMimeOutput } from './contracts.js';
import { parseMessage } from './mime/parse.js';

export default function parseMime(input: ParseMimeInput): ParseMimeOutput {
  // Buffers cross the thread boundary as plain Uint8Array; view, do not copy.
  const raw = Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength);
  return parseMessage(raw);
}
