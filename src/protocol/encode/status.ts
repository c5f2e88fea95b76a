// Status responses (RFC 3501 §7.1): `tag|* OK|NO|BAD|BYE|PREAUTH [code] text CRLF`.

import { formatResponseCode, type ResponseCode } from '../response-codes.js';

/** The status response condition (RFC 3501 §7.1). */
export type StatusKind = 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';

/** One status response; `tag` is `'*'` for an untagged one. */
export interface StatusResponse {
  tag: string;
  status: StatusKind;
  code?: ResponseCode | undefined;
  text: string;
}

// text = 1*TEXT-CHAR (RFC 3501 §9): never empty, so each condition gets a fallback.
const DEFAULT_TEXT: Record<StatusKind, string> = {
  OK: 'Completed',
  NO: 'Failed',
  BAD: 'Invalid command',
  BYE: 'Closing connection',
  PREAUTH: 'Logged in',
};

/**
 * Makes human text safe for a response line: CR, LF and NUL would end or corrupt the line
 * (TEXT-CHAR excludes them), so runs of them become one space; a leading `[` without a
 * response code would be read as one (RFC 3501 §7.1), so it is dropped.
 */
export function sanitizeText(text: string, hasCode: boolean): string {
  let out = text.replace(/[\r\n\0]+/g, ' ').trim();
  if (!hasCode) out = out.replace(/^\[+/, '').trim();
  return out;
}

/**
 * Encodes a status response as one line with its CRLF.
 *
 * response-tagged = tag SP resp-cond-state CRLF
 * resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
 * resp-text       = ["[" resp-text-code "]" SP] text
 */
export function encodeStatus(response: StatusResponse): string {
  const { tag, status, code } = response;
  const text = sanitizeText(response.text, code !== undefined) || DEFAULT_TEXT[status];
  const codePart = code === undefined ? '' : `[${formatResponseCode(code).replace(/[\r\n\0\]]/g, '')}] `;
  return `${tag} ${status} ${codePart}${text}\r\n`;
}
