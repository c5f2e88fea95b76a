// The CAPABILITY list for a connection's current situation (RFC 9051 §6.1.1, §7.2.2).
// Only what works is advertised: an extension comes with the registry entry of its command.

import { commandCapabilities } from '../protocol/commands.js';

export interface CapabilityState {
  authenticated: boolean;
  /** The connection is protected by TLS. */
  secure: boolean;
  /** STARTTLS can be offered (TLS configured, connection still plaintext). */
  tlsAvailable: boolean;
  /** insecure_auth: plaintext authentication is permitted. */
  insecureAuth: boolean;
  /** sasl_login: offer the SASL LOGIN mechanism. */
  saslLogin: boolean;
  /** APPENDLIMIT for this account in bytes (RFC 7889), advertised once authenticated. */
  appendLimit?: number;
}

/**
 * The order capabilities are listed in; which of them are listed is decided by the command
 * registry (protocol/commands.ts): a capability is advertised when a command that brings it
 * is there. IMAP4rev1 and LITERAL+ (RFC 7888, the framer's) are always there; ID (RFC 2971),
 * ENABLE (RFC 5161), UIDPLUS (RFC 4315), MOVE (RFC 6851), IDLE (RFC 2177), UNSELECT (RFC 3691),
 * CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154), NAMESPACE (RFC 2342), BINARY (RFC 3516),
 * ESEARCH (RFC 4731), CONDSTORE and QRESYNC (RFC 7162), OBJECTID (RFC 8474) and SAVEDATE (RFC 8514)
 * come with their commands.
 */
export const CAPABILITY_ORDER = [
  'IMAP4rev1',
  'LITERAL+',
  'ID',
  'ENABLE',
  'UIDPLUS',
  'MOVE',
  'IDLE',
  'UNSELECT',
  'CHILDREN',
  'SPECIAL-USE',
  'NAMESPACE',
  'BINARY',
  'ESEARCH',
  'CONDSTORE',
  'QRESYNC',
  'OBJECTID',
  'SAVEDATE',
];

/** Capabilities of the protocol itself rather than of a command. */
const ALWAYS = new Set(['IMAP4rev1', 'LITERAL+']);

export function capabilities(s: CapabilityState): string[] {
  const brought = commandCapabilities(s.authenticated);
  const caps = CAPABILITY_ORDER.filter((c) => ALWAYS.has(c) || brought.has(c));
  if (s.authenticated) {
    if (s.appendLimit !== undefined) caps.push(`APPENDLIMIT=${s.appendLimit}`);
    return caps;
  }
  if (s.tlsAvailable && !s.secure) caps.push('STARTTLS');
  if (s.secure || s.insecureAuth) {
    // SASL-IR (RFC 4959) lets AUTHENTICATE carry its first response on the command line.
    caps.push('SASL-IR', 'AUTH=PLAIN');
    if (s.saslLogin) caps.push('AUTH=LOGIN');
  } else {
    // RFC 9051 §6.2.3: LOGIN is refused on this connection until TLS is on.
    caps.push('LOGINDISABLED');
  }
  return caps;
}

/** May this connection authenticate with a password now? */
export function passwordAuthAllowed(s: Pick<CapabilityState, 'secure' | 'insecureAuth'>): boolean {
  return s.secure || s.insecureAuth;
}
