// Status lines as the connection writes them. One place, so every tagged reply goes
// through the protocol encoder (which keeps CR/LF out of the text).

import { encodeStatus } from '../../src/protocol/encode/status.js';
import type { ResponseCode } from '../../src/protocol/response-codes.js';

export type StatusKind = 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';

export function statusLine(tag: string | null, status: StatusKind, text: string, code?: ResponseCode): string {
  return encodeStatus(code === undefined ? { tag: tag ?? '*', status, text } : { tag: tag ?? '*', status, text, code });
}
