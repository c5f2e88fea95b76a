// The root pino logger. One place decides the destination, the level and what is redacted.
// Connections log through children: logger.child({ cid, remote }) and later { user }.

import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogTarget } from './config/schema.js';

export type { Logger };

/**
 * Fields that must never reach a log record, whatever a caller passes by mistake. The wire
 * trace masks LOGIN/AUTHENTICATE arguments before logging (see server/wire-trace.ts); this is
 * the second line of defence.
 */
const REDACT_PATHS = ['password', '*.password', 'pass', '*.pass', 'secret', '*.secret'];

export interface LoggerOptions {
  target: LogTarget;
  debug: boolean;
  /** A stream to write to instead of the target (tests collect records this way). */
  stream?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.target.kind === 'off' ? 'silent' : opts.debug ? 'debug' : 'info';
  const base = {
    level,
    base: { name: 'gannet' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (opts.stream) return pino(base, opts.stream);
  switch (opts.target.kind) {
    case 'off':
      return pino({ ...base, enabled: false });
    case 'stderr':
      return pino(base, pino.destination({ dest: 2, sync: false }));
    case 'file':
      return pino(base, pino.destination({ dest: opts.target.path, sync: false, mkdir: true }));
  }
}
