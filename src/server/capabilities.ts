// The CAPABILITY list for a connection's current situation (RFC 9051 §6.1.1, §7.2.2).
// Only what works is advertised: each extension is added here when its commands land.

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
 * Mailbox extensions, advertised after login: UIDPLUS (RFC 4315), MOVE (RFC 6851), IDLE
 * (RFC 2177), UNSELECT (RFC 3691), CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154), NAMESPACE
 * (RFC 2342), BINARY (RFC 3516), ESEARCH (RFC 4731).
 */
const MAILBOX_EXTENSIONS = ['UIDPLUS', 'MOVE', 'IDLE', 'UNSELECT', 'CHILDREN', 'SPECIAL-USE', 'NAMESPACE', 'BINARY', 'ESEARCH'];

/** Extensions available in every state. */
const ALWAYS = ['IMAP4rev1', 'LITERAL+', 'ID', 'ENABLE'];

export function capabilities(s: CapabilityState): string[] {
  const caps = [...ALWAYS];
  if (s.authenticated) {
    caps.push(...MAILBOX_EXTENSIONS);
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
