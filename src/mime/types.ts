// The stored result of parsing one message (RFC 3501 §7.4.2 ENVELOPE and BODYSTRUCTURE, with the
// byte offsets that §6.4.5 body sections need). Plain data only: it is structured-cloned out of
// the worker and msgpack-encoded into LMDB, so no Buffers, classes or undefined fields.

/**
 * A content parameter. A plain parameter is `[name, value]`. One written with RFC 2231 extended
 * syntax (`name*=charset'lang'%XX` or `name*0*=…` continuations) is
 * `[name, decodedValue, charset, language]`: the name has no `*`, the value is joined and
 * decoded to Unicode, and charset/language are kept so the wire form can be rebuilt.
 */
export type Param = [name: string, value: string] | [name: string, value: string, charset: string, language: string];

/** One ENVELOPE address (RFC 3501 §7.4.2): group start has host null, group end is all null. */
export interface Address {
  name: string | null;
  route: string | null;
  mailbox: string | null;
  host: string | null;
}

/**
 * ENVELOPE fields as found in the header; strings are unfolded header text with RFC 2047
 * words left encoded, as clients expect. A missing header is null. `sender` and `replyTo` are
 * null when absent or empty: the encoder fills them from `from` (RFC 3501 §7.4.2).
 */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** Content-Disposition (RFC 2183). */
export interface Disposition {
  type: string;
  params: Param[];
}

/**
 * One MIME part. Offsets are into the raw message: the header block is
 * [headerStart, bodyStart) and includes the empty line that ends it; the body is
 * [bodyStart, bodyEnd), without the line break that belongs to the next boundary
 * (RFC 2046 §5.1.1).
 */
export interface PartIndex {
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
  /** Type and subtype as written (Dovecot and most servers keep the case); defaults per RFC 2045 §5.2 and RFC 2046 §5.1.5. */
  type: string;
  subtype: string;
  params: Param[];
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding as written, `7bit` when absent (RFC 2045 §6.1). */
  encoding: string;
  /** Body size in octets. */
  size: number;
  /** Body line count; kept for every part, sent for text/* and message/rfc822 (RFC 3501 §7.4.2). */
  lines: number;
  md5: string | null;
  disposition: Disposition | null;
  language: string[] | null;
  location: string | null;
  /** Children of a multipart, in order; null for every other type. */
  parts: PartIndex[] | null;
  /** For message/rfc822: the embedded message; null otherwise. */
  message: EmbeddedMessage | null;
}

/** The message inside a message/rfc822 part; its header starts at the part's `bodyStart`. */
export interface EmbeddedMessage {
  envelope: Envelope;
  root: PartIndex;
}

/** The stored index of one message. */
export interface MessageIndex {
  /** Format version, bumped when the shape or the parsing rules change so stored rows can be re-indexed. */
  v: number;
  /** Size of the raw message the offsets refer to. */
  size: number;
  envelope: Envelope;
  root: PartIndex;
  /**
   * A few header fields clients fetch often (References, List-Id, …) as
   * `[upper-cased name, unfolded value]`, first occurrence only, each value capped.
   */
  fields: [string, string][];
  /** Problems met while parsing, for the caller to log; the index is usable regardless. */
  warnings: string[];
}

/**
 * 2: address lists are read anew (a comment in a group or inside an addr-spec is CFWS, never an
 * address or a name; obs-route null elements; MISSING_MAILBOX), so indexes and ENVELOPEs stored
 * by 1 are parsed again when next read.
 */
export const MESSAGE_INDEX_VERSION = 2;
