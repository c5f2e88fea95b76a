// Arguments of the session commands: LOGIN, AUTHENTICATE (RFC 3501 §6.2; SASL-IR RFC 4959),
// ID (RFC 2971) and ENABLE (RFC 5161).

import type { CommandOf } from '../args.js';
import { ID_MAX_FIELD_OCTETS, ID_MAX_PAIRS, ID_MAX_VALUE_OCTETS } from '../limits.js';
import type { Reader } from './reader.js';

/** login = "LOGIN" SP userid SP password ; userid = astring, password = astring */
export function parseLogin(r: Reader, tag: string): CommandOf<'LOGIN'> {
  r.sp();
  const username = r.astring('user name');
  r.sp();
  const password = r.astring('password');
  return { tag, name: 'LOGIN', username, password };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]   ; RFC 4959 §7
 * auth-type    = atom
 * `=` is an empty initial response; it is returned as ''.
 */
export function parseAuthenticate(r: Reader, tag: string): CommandOf<'AUTHENTICATE'> {
  r.sp();
  const mechanism = r.atom('SASL mechanism').toUpperCase();
  let initialResponse: string | null = null;
  if (r.peek() === ' ') {
    r.advance();
    const text = r.take((c) => /^[A-Za-z0-9+/=]$/.test(c));
    if (text === '=') initialResponse = '';
    else if (text !== '' && BASE64.test(text)) initialResponse = text;
    else r.fail('Invalid base64 initial response');
  }
  return { tag, name: 'AUTHENTICATE', mechanism, initialResponse };
}

/**
 * id             = "ID" SP id-params-list
 * id-params-list = "(" [string SP nstring *(SP string SP nstring)] ")" / nil
 * RFC 2971 §3.3 caps the list at 30 pairs, fields at 30 octets and values at 1024 octets.
 */
export function parseId(r: Reader, tag: string): CommandOf<'ID'> {
  r.sp();
  if (r.tryWord('NIL')) return { tag, name: 'ID', params: null };
  r.expect('(', 'ID parameter list or NIL');
  const params: Array<[string, string | null]> = [];
  while (r.peek() !== ')') {
    if (params.length > 0) r.sp();
    if (params.length === ID_MAX_PAIRS) r.fail('Too many ID parameters');
    const field = r.string('ID field');
    r.sp();
    const value = r.nstring('ID value');
    if (Buffer.byteLength(field) > ID_MAX_FIELD_OCTETS) r.fail('ID field too long');
    if (value !== null && Buffer.byteLength(value) > ID_MAX_VALUE_OCTETS) r.fail('ID value too long');
    params.push([field, value]);
  }
  r.advance();
  return { tag, name: 'ID', params };
}

/** enable = "ENABLE" 1*(SP capability) ; capability = atom (upper-cased) */
export function parseEnable(r: Reader, tag: string): CommandOf<'ENABLE'> {
  const capabilities: string[] = [];
  do {
    r.sp();
    capabilities.push(r.atom('capability').toUpperCase());
  } while (r.peek() === ' ');
  return { tag, name: 'ENABLE', capabilities };
}
