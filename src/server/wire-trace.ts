// io_debug: the raw exchange in the log, both directions marked, credentials masked.
// LOGIN and AUTHENTICATE arguments never reach a log record (RFC 9051 §11.2 warns that the
// password travels in the clear inside the protocol stream).

import type { LogSink } from '../log.js';

/** LOGIN or AUTHENTICATE anywhere as a word: what follows may be a secret. */
const SENSITIVE = /^(.*?\b(?:LOGIN|AUTHENTICATE))(?:\s|$)/i;

/**
 * One client request as a log line: lines joined, literal bodies summarised, secrets masked.
 * Masking looks for the word anywhere in the first line, not just after a well-formed tag,
 * so a malformed or untagged LOGIN (typed by hand, say) is masked too.
 */
export function maskCommandLine(lines: string[]): string {
  const first = lines[0] ?? '';
  const m = SENSITIVE.exec(first);
  if (m) return `${m[1]} [masked]`;
  if (lines.length === 1) return first;
  return lines.join(' <literal> ');
}

/** Logs one outgoing chunk; literal data (Buffers) is summarised by its size. */
export function traceOutput(logger: LogSink, chunk: string | Buffer): void {
  if (typeof chunk === 'string') {
    logger.debug({ dir: 'S' }, chunk.endsWith('\r\n') ? chunk.slice(0, -2) : chunk);
  } else {
    logger.debug({ dir: 'S' }, `<${chunk.length} bytes>`);
  }
}
