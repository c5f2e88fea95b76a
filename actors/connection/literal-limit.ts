// How large a literal may be, by state and command (decided before `+` is sent, RFC 7889 §4
// for APPEND's TOOBIG, RFC 7888 §4 for LITERAL+).

import type { ConnectionContext } from './types.js';
import { MAX_LITERAL_BYTES, MAX_LITERAL_BYTES_PREAUTH } from '../../src/server/limits.js';

export function literalLimit(context: Pick<ConnectionContext, 'user' | 'appendLimit'>, command: string | null): number {
  if (context.user === null) return MAX_LITERAL_BYTES_PREAUTH;
  if (command === 'APPEND') return context.appendLimit;
  return MAX_LITERAL_BYTES;
}
