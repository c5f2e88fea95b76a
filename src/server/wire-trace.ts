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

/** A continuation line (a SASL response or DONE) as a log line: all but DONE is masked. */
export function maskContinuationLine(line: string): string {
  return /^done$/i.test(line) ? line : '[masked]';
}

// The trace is written at info, the level a logger shows with `debug no`. io_debug is a switch
// of its own, not a part of `debug` (maddy-imap(5): io_debug "Write all commands and responses
// to stderr"; debug is "debug logging"), so the switch alone decides whether these lines are
// written: at debug level, `io_debug yes` without `debug yes` showed nothing.

/** Logs one client request or continuation line, already masked. */
export function traceInput(logger: LogSink, line: string): void {
  logger.info({ dir: 'C' }, line);
}

/** Logs one outgoing chunk; literal data (Buffers) is summarised by its size. */
export function traceOutput(logger: LogSink, chunk: string | Buffer): void {
  if (typeof chunk === 'string') {
    logger.info({ dir: 'S' }, chunk.endsWith('\r\n') ? chunk.slice(0, -2) : chunk);
  } else {
    logger.info({ dir: 'S' }, `<${chunk.length} bytes>`);
  }
}

/** Logs the client's end of the connection, the last event of the trace. */
export function traceClosed(logger: LogSink): void {
  logger.info('peer closed the connection');
}
