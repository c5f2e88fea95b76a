// The one error type of the configuration loader. Every message names the file and line of the
// directive at fault, as maddy does, so an operator can jump straight to it.

/** A problem in the configuration; `message` is `FILE:LINE: text` when the place is known. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The message without the `FILE:LINE: ` prefix. */
  readonly text: string;
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(text: string, at?: { file: string; line: number }, options?: ErrorOptions) {
    super(at ? `${at.file}:${at.line}: ${text}` : text, options);
    this.text = text;
    this.file = at?.file;
    this.line = at?.line;
  }
}
