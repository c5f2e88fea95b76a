// Account-name normalisation: the one function that turns what a client or an operator typed
// into the key under which credentials are stored. Create and login both go through it.

/**
 * Longest accepted normalised name, in UTF-8 bytes. 254 is the longest usable e-mail address
 * (RFC 5321 §4.5.3.1.3 allows a 256-octet path including the angle brackets), so every real
 * account name fits, and the name stays a valid key for LMDB tables (511 bytes in a stock LMDB
 * build).
 */
export const MAX_USERNAME_BYTES = 254;

/** Why a name was refused. */
export type UsernameProblem = 'empty' | 'control-character' | 'malformed-unicode' | 'too-long';

export type UsernameCheck = { ok: true; username: string } | { ok: false; reason: UsernameProblem };

// C0 controls, DEL and C1 controls (general category Cc). A NUL or CR/LF inside a name would
// break the helper protocol (one name per line) and log lines, and nobody types them on purpose.
const CONTROL_CHAR = /\p{Cc}/u;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Normalise an account name: Unicode NFC, then lower-case (locale-independent), then NFC again
 * because lower-casing can un-compose a few characters (`İ` becomes `i` + U+0307), which keeps
 * the function idempotent. Nothing is trimmed: a name with spaces stays as it is.
 *
 * For ASCII names this gives the same key as maddy's PRECIS UsernameCaseMapped profile, so
 * tables can be shared; maddy additionally refuses spaces and maps full-width forms.
 */
export function normalizeUsername(raw: string): UsernameCheck {
  if (raw.length === 0) return { ok: false, reason: 'empty' };
  // A lone surrogate cannot be encoded as UTF-8, so it could never match a stored key.
  if (LONE_SURROGATE.test(raw)) return { ok: false, reason: 'malformed-unicode' };
  if (CONTROL_CHAR.test(raw)) return { ok: false, reason: 'control-character' };
  const username = raw.normalize('NFC').toLowerCase().normalize('NFC');
  if (Buffer.byteLength(username, 'utf8') > MAX_USERNAME_BYTES) return { ok: false, reason: 'too-long' };
  return { ok: true, username };
}

/** Human-readable text for a {@link UsernameProblem}, for the CLI and logs. */
export function describeUsernameProblem(reason: UsernameProblem): string {
  switch (reason) {
    case 'empty':
      return 'the user name is empty';
    case 'control-character':
      return 'the user name contains a control character';
    case 'malformed-unicode':
      return 'the user name is not well-formed Unicode';
    case 'too-long':
      return `the user name is longer than ${MAX_USERNAME_BYTES} bytes`;
  }
}
