// The unit the receiver hands to the parser: one complete command, framed but not tokenised.

/**
 * A complete client command as framed by the receiver (RFC 9051 §2.2, §4.3).
 *
 * `lines` holds the text of each line without its CRLF, decoded as UTF-8, with the literal
 * marker kept at the end (`a1 LOGIN {5}`); `literals[i]` is the data of the literal announced
 * at the end of `lines[i]`. So `lines.length === literals.length + 1`, and the last line has
 * no marker. Example: `a1 LOGIN {5}\r\nalice {6+}\r\nsecret\r\n` frames as
 * `{ lines: ['a1 LOGIN {5}', ' {6+}', ''], literals: [<alice>, <secret>] }`.
 */
export interface RawRequest {
  lines: string[];
  literals: Buffer[];
}
