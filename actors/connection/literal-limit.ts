// How large a literal may be, by state and command (decided before `+` is sent, RFC 7889 §4
// for APPEND's TOOBIG, RFC 7888 §4 for LITERAL+).

import type { ConnectionContext } from './types.js';
import { COMMANDS, isCommandName } from '../../src/protocol/commands.js';
import { MAX_LITERAL_BYTES, MAX_LITERAL_BYTES_PREAUTH, MAX_REQUEST_BYTES } from '../../src/server/limits.js';

/** A message to store (APPEND), not a command argument: its literal may be as large as APPENDLIMIT. */
export function carriesMessage(command: string | null): boolean {
  return command !== null && isCommandName(command) && COMMANDS[command].literal === 'message';
}

export function literalLimit(context: Pick<ConnectionContext, 'user' | 'appendLimit'>, command: string | null): number {
  if (context.user === null) return MAX_LITERAL_BYTES_PREAUTH;
  if (carriesMessage(command)) return context.appendLimit;
  return MAX_LITERAL_BYTES;
}

/**
 * Does this literal fit? Each literal within its own limit, and outside APPEND all literals
 * of a request together within MAX_REQUEST_BYTES, so 256 literals of 64 KiB cannot pin 16 MiB.
 */
export function literalFits(
  context: Pick<ConnectionContext, 'user' | 'appendLimit'>,
  event: { name: string | null; size: number; literalBytes: number },
): boolean {
  if (event.size > literalLimit(context, event.name)) return false;
  return carriesMessage(event.name) || event.literalBytes + event.size <= MAX_REQUEST_BYTES;
}
