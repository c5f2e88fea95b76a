// RFC 2047 encoded words in header text (`=?charset?Q|B?…?=`), decoded for reading: SEARCH
// text, and the Subject that delivery filters and logs see.

import libmime from 'libmime';

/** The value with its encoded words decoded; as it is when libmime cannot decode it. */
export function decodeWords(s: string): string {
  try {
    return libmime.decodeWords(s);
  } catch {
    return s;
  }
}
