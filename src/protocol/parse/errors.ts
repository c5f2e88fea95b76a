// The one error the parser throws: a syntax error answered with BAD (RFC 3501 §7.1.3).

/**
 * A command that does not follow the grammar. The caller answers `<tag> BAD <text>`, or
 * `* BAD <text>` when `tag` is null because the tag itself could not be read.
 */
export class ParseError extends Error {
  override readonly name = 'ParseError';

  /**
   * @param tag  the command's tag, or null when the tag is missing or invalid
   * @param text a short human reason, safe to send to the client (`Expected SP after tag`)
   */
  constructor(
    readonly tag: string | null,
    readonly text: string,
  ) {
    super(text);
  }
}
