// Untagged data for the first commands of a session: CAPABILITY (RFC 3501 §7.2.1),
// ID (RFC 2971 §3.2) and ENABLED (RFC 5161 §3.2).

import { ResponseBuilder } from './writer.js';

/** capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1" *(SP capability) */
export function encodeCapability(capabilities: readonly string[]): string {
  return `* ${['CAPABILITY', ...capabilities].join(' ')}\r\n`;
}

/**
 * id-response    = "ID" SP id-params-list
 * id-params-list = "(" #(string SP nstring) ")" / nil
 */
export function encodeId(params: ReadonlyArray<readonly [string, string | null]> | null): string {
  const b = new ResponseBuilder().raw('* ID ');
  if (params === null || params.length === 0) b.nil();
  else b.list(params, (w, [field, value]) => w.string(field).sp().nstring(value));
  return b.crlf().toString();
}

/** enable-data = "ENABLED" *(SP capability) */
export function encodeEnabled(capabilities: readonly string[]): string {
  return `* ${['ENABLED', ...capabilities].join(' ')}\r\n`;
}
