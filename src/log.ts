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

/**
 * `debug` logs at debug level, otherwise info. Switches such as io_debug write at info so that
 * they show whatever `debug` says (see server/wire-trace.ts).
 */
function levelFor(debug: boolean): 'debug' | 'info' {
  return debug ? 'debug' : 'info';
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.target.kind === 'off' ? 'silent' : levelFor(opts.debug);
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

/**
 * The logger of an endpoint whose own `debug` may differ from the global one it defaults to
 * (maddy: an endpoint's `debug no` turns debug logging off there even under a global
 * `debug yes`, and `debug yes` turns it on). A disabled root stays silent: a child's level
 * would re-enable it (pino writes a silent logger's child at the child's level).
 */
export function endpointLogger(root: Logger, opts: { debug: boolean; globalDebug: boolean }): Logger {
  if (opts.debug === opts.globalDebug || root.level === 'silent') return root;
  return root.child({}, { level: levelFor(opts.debug) });
}

/** What a connection logs through: pino's call shapes, so a pino Logger fits as it is. */
export interface LogSink {
  debug(obj: object, msg?: string): void;
  debug(msg: string): void;
  info(obj: object, msg?: string): void;
  info(msg: string): void;
  warn(obj: object, msg?: string): void;
  warn(msg: string): void;
  error(obj: object, msg?: string): void;
  error(msg: string): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * A connection's logger: the root logger plus the connection's fields ({ cid, remote },
 * later { user }). A pino child per connection costs several hundred bytes for the life of
 * the connection; this keeps two references and merges the fields only when a record is
 * actually written, which for an idle connection is almost never.
 */
export class SessionLogger implements LogSink {
  readonly #root: Logger;
  // The fields as fields of this class rather than a record: a record merged with spread gets a
  // hidden class of its own in V8 (several hundred bytes per connection).
  readonly #cid: string;
  readonly #remote: string;
  #user: string | undefined;

  constructor(root: Logger, fields: { cid: string; remote: string }) {
    this.#root = root;
    this.#cid = fields.cid;
    this.#remote = fields.remote;
  }

  /** Adds the user to every later record, once authenticated. */
  bind(fields: { user: string }): void {
    this.#user = fields.user;
  }

  #fields(): Record<string, unknown> {
    return this.#user === undefined ? { cid: this.#cid, remote: this.#remote } : { cid: this.#cid, remote: this.#remote, user: this.#user };
  }

  #write(level: Level, a: object | string, msg?: string): void {
    if (!this.#root.isLevelEnabled(level)) return;
    if (typeof a === 'string') this.#root[level](this.#fields(), a);
    else this.#root[level]({ ...this.#fields(), ...a }, msg);
  }

  debug(a: object | string, msg?: string): void {
    this.#write('debug', a, msg);
  }
  info(a: object | string, msg?: string): void {
    this.#write('info', a, msg);
  }
  warn(a: object | string, msg?: string): void {
    this.#write('warn', a, msg);
  }
  error(a: object | string, msg?: string): void {
    this.#write('error', a, msg);
  }
}
