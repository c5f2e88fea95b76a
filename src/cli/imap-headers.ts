// Just enough RFC 5322 header reading for `gannet imap-msgs list`: unfolded header fields
// (RFC 5322 §2.2.3) and encoded words (RFC 2047 §2-§4), with the charset decoder that
// message indexing uses.

import iconv from 'iconv-lite';
import { decodeCharset, normaliseCharset } from '../mime/params.js';

/** The header section of a message: everything before the first empty line. */
function headerSection(message: Buffer): string {
  const text = message.subarray(0, Math.min(message.length, 256 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

/** The first field named `name` (case-insensitive), unfolded and with encoded words decoded. */
export function headerValue(message: Buffer, name: string): string | undefined {
  const unfolded = headerSection(message).replace(/\r?\n(?=[ \t])/g, '');
  const wanted = name.toLowerCase();
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) {
      // The section was read as latin1 to keep bytes; raw UTF-8 headers (RFC 6532) are re-read as UTF-8.
      const raw = Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8');
      return decodeEncodedWords(raw);
    }
  }
  return undefined;
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/** RFC 2047 encoded words; white space between two adjacent encoded words is dropped (§6.2). */
export function decodeEncodedWords(text: string): string {
  return text.replace(/(\?=)\s+(?==\?)/g, '$1').replace(ENCODED_WORD, (word, charset: string, encoding: string, data: string) => {
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    // RFC 2047 §6.2: a word in a charset we cannot decode is shown as it is.
    const label = normaliseCharset(charset.replace(/\*.*$/, ''));
    if (label !== 'utf-8' && label !== 'us-ascii' && !iconv.encodingExists(label)) return word;
    return decodeCharset(bytes, label);
  });
}
