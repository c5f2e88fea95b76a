// Errors that are IMAP status responses (RFC 9051 §7.1), and the one place that turns any
// thrown value into the tagged line a client sees. A handler either completes or throws an
// ImapError; anything else is a server bug: logged once, answered NO [SERVERBUG].

import type { ResponseCode } from './protocol/response-codes.js';
import { StorageError, type StorageErrorKind } from './storage/types.js';

export type FailureStatus = 'NO' | 'BAD';

export class ImapError extends Error {
  readonly status: FailureStatus;
  readonly code: ResponseCode | undefined;
  /** The connection ends after this reply (sent as BYE). */
  readonly disconnect: boolean;

  constructor(status: FailureStatus, code: ResponseCode | undefined, text: string, options?: { cause?: unknown; disconnect?: boolean }) {
    super(text, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImapError';
    this.status = status;
    this.code = code;
    this.disconnect = options?.disconnect ?? false;
  }
}

export const no = (code: ResponseCode | undefined, text: string, cause?: unknown): ImapError => new ImapError('NO', code, text, { cause });

export const bad = (text: string, code?: ResponseCode): ImapError => new ImapError('BAD', code, text);

/** What a failed command turns into on the wire. */
export interface FailureReply {
  status: FailureStatus;
  code: ResponseCode | undefined;
  text: string;
  /** true when the error was not an ImapError: a bug to be logged at error level. */
  serverBug: boolean;
}

export function toFailureReply(err: unknown): FailureReply {
  if (err instanceof ImapError) return { status: err.status, code: err.code, text: err.message, serverBug: false };
  return { status: 'NO', code: { code: 'SERVERBUG' }, text: 'Internal server error', serverBug: true };
}

/**
 * Storage failures as IMAP replies, in one table (RFC 5530 codes). TRYCREATE is the
 * caller's choice for a missing *destination* (COPY, MOVE, APPEND: RFC 9051 §6.3.12).
 */
const STORAGE_CODES: Record<StorageErrorKind, ResponseCode['code']> = {
  nonexistent: 'NONEXISTENT',
  alreadyexists: 'ALREADYEXISTS',
  haschildren: 'HASCHILDREN',
  cannot: 'CANNOT',
  toobig: 'TOOBIG',
  limit: 'LIMIT',
  noselect: 'NONEXISTENT',
  unavailable: 'UNAVAILABLE',
  uncertain: 'UNAVAILABLE',
};

export function storageToImap(err: unknown, opts: { tryCreate?: boolean } = {}): unknown {
  if (!(err instanceof StorageError)) return err;
  if (err.kind === 'uncertain') {
    // A NO would tell the client the change did not happen, and it may have: a retried APPEND
    // would store the message twice. The session ends instead; a new one sees what is stored.
    return new ImapError(
      'NO',
      { code: 'UNAVAILABLE' },
      'The mail store failed before it could confirm the change; reconnect to see its outcome',
      {
        cause: err,
        disconnect: true,
      },
    );
  }
  if (opts.tryCreate && (err.kind === 'nonexistent' || err.kind === 'noselect')) {
    return no({ code: 'TRYCREATE' }, err.message, err);
  }
  return no({ code: STORAGE_CODES[err.kind] } as ResponseCode, err.message, err);
}
