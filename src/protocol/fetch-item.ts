// FETCH data items (RFC 3501 §6.4.5) and BINARY items (RFC 3516 §4.2), with body sections.
// A body section is MIME addressing (part numbers, then HEADER/TEXT/MIME/HEADER.FIELDS), so its
// type is src/mime's, which serves the bytes; the parser here produces it.

import type { Section } from '../mime/section.js';

export type { Section, SectionText } from '../mime/section.js';

/** Items without arguments; the macros ALL, FAST and FULL are expanded into these. */
export type SimpleFetchItemName =
  | 'ENVELOPE'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.SIZE'
  | 'RFC822.TEXT'
  /** The non-extensible BODYSTRUCTURE form (`BODY` with no section). */
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'UID'
  /** RFC 7162 §3.1.4.2. */
  | 'MODSEQ'
  /** RFC 8474 §5.1, §5.2. */
  | 'EMAILID'
  | 'THREADID'
  /** RFC 8514 §4. */
  | 'SAVEDATE';

/** `<origin.length>`: the substring of the data starting at `offset`, at most `length` octets. */
export interface PartialRange {
  offset: number;
  length: number;
}

/** One requested FETCH item. */
export type FetchItem =
  | { type: SimpleFetchItemName }
  /** `BODY[section]<partial>`; `peek` for BODY.PEEK, which does not set \Seen. */
  | { type: 'BODY[]'; peek: boolean; section: Section; partial: PartialRange | null }
  /** `BINARY[part]<partial>` (RFC 3516 §4.2); `peek` for BINARY.PEEK. */
  | { type: 'BINARY'; peek: boolean; part: number[]; partial: PartialRange | null }
  /** `BINARY.SIZE[part]` (RFC 3516 §4.2). */
  | { type: 'BINARY.SIZE'; part: number[] };
