// FETCH data items (RFC 3501 §6.4.5) and BINARY items (RFC 3516 §4.2), with body sections.

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
  | 'UID';

/** The text part of a section after the part numbers (`section-msgtext` / `"MIME"`). */
export type SectionText =
  | { kind: 'HEADER' }
  | { kind: 'TEXT' }
  /** Only valid after at least one part number (RFC 3501 §6.4.5). */
  | { kind: 'MIME' }
  /** Field names are upper-cased, since header field names are case-insensitive. */
  | { kind: 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT'; fields: string[] };

/**
 * A body section (`section-spec`): `part` is the list of part numbers (`1.2.3` is `[1, 2, 3]`,
 * `[]` for the whole message) and `text` the optional text specifier. `BODY[]` is
 * `{ part: [], text: null }`.
 */
export interface Section {
  part: number[];
  text: SectionText | null;
}

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
