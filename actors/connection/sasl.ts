// SASL decoding for AUTHENTICATE (RFC 9051 §6.2.2): PLAIN (RFC 4616) and the non-standard
// LOGIN mechanism some old clients still use (draft-murchison-sasl-login).

import type { Credentials } from './types.js';

/** Base64 as RFC 4648 §4 defines it; Buffer.from would silently skip invalid characters. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes one client response; `=` is the empty response (RFC 4959 §3). null if invalid. */
export function decodeSaslResponse(text: string): Buffer | null {
  if (text === '=') return Buffer.alloc(0);
  if (!BASE64.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/** `[authzid] NUL authcid NUL passwd` (RFC 4616 §2); null when malformed. */
export function parsePlain(message: Buffer): Credentials | null {
  const first = message.indexOf(0);
  if (first < 0) return null;
  const second = message.indexOf(0, first + 1);
  if (second < 0 || message.indexOf(0, second + 1) >= 0) return null;
  const authzid = message.subarray(0, first).toString('utf8');
  const username = message.subarray(first + 1, second).toString('utf8');
  const password = message.subarray(second + 1).toString('utf8');
  if (username === '' || password === '') return null;
  return { authzid, username, password };
}

/** The LOGIN mechanism's prompts, base64 of "Username:" and "Password:". */
export const LOGIN_USERNAME_PROMPT = Buffer.from('Username:').toString('base64');
export const LOGIN_PASSWORD_PROMPT = Buffer.from('Password:').toString('base64');
