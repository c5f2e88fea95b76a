// LIST/LSUB pattern matching (RFC 3501 §6.3.8-9): the reference is joined to the pattern,
// `*` matches anything, `%` anything but the hierarchy delimiter. Pure functions.

import { wireName, type MailboxName } from '../../../src/protocol/mailbox-name.js';
import { encodeMailboxName } from '../../../src/protocol/utf7.js';

export const DELIMITER = '/';

/** Joins reference and pattern the way RFC 3501 §6.3.8 describes for our flat namespace. */
export function joinReference(reference: string, pattern: string): string {
  if (reference === '' || pattern.startsWith(DELIMITER)) return pattern;
  if (reference.endsWith(DELIMITER)) return reference + pattern;
  return `${reference}${pattern}`;
}

/** Compiles a list-mailbox pattern into a matcher. INBOX matches case-insensitively. */
export function compilePattern(pattern: string): (name: string) => boolean {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '%') re += '[^/]*';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  re += '$';
  const exact = new RegExp(re, 's');
  // "INBOX" is case-insensitive (RFC 3501 §5.1): match the pattern's INBOX prefix in any case.
  const inboxRe = /^inbox(?=$|\/)/i.test(pattern) ? new RegExp(`^INBOX${re.slice(1 + 5)}`, 's') : null;
  return (name) => exact.test(name) || (inboxRe !== null && inboxRe.test(name));
}

/**
 * The matcher of a LIST or LSUB. A reference or pattern that is not valid modified UTF-7
 * (RFC 3501 §5.1.3) is still a well-formed argument: it is matched as sent against each
 * name's modified UTF-7 form, so it finds what it literally says (without a wildcard,
 * nothing, since no name encodes to an invalid string).
 */
export function listMatcher(reference: MailboxName, pattern: MailboxName): (name: string) => boolean {
  if (typeof reference === 'string' && typeof pattern === 'string') return compilePattern(joinReference(reference, pattern));
  const match = compilePattern(joinReference(wireName(reference), wireName(pattern)));
  return (name) => match(encodeMailboxName(name));
}

/**
 * For `%` patterns, the parents that are not themselves listed but whose children match
 * must appear as \Noselect-style entries (RFC 3501 §6.3.8: "foo/%" example). Returns the
 * names a pattern matches among all the hierarchy levels of `names`.
 */
export function allLevels(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    const parts = n.split(DELIMITER);
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join(DELIMITER));
  }
  return out;
}
