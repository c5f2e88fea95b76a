// Mailbox names as stored: Unicode, `/` as the hierarchy delimiter (RFC 3501 §5.1.1), INBOX
// case-insensitive (RFC 3501 §5.1). Wire encodings (modified UTF-7, UTF8=ACCEPT) are the
// protocol layer's business; storage only sees decoded names.

import { MAX_MAILBOX_DEPTH, MAX_MAILBOX_NAME_BYTES } from './limits.js';
import { StorageError } from './types.js';

/** The hierarchy delimiter LIST reports (RFC 3501 §6.3.8). */
export const HIERARCHY_DELIMITER = '/';

export const INBOX = 'INBOX';

// C0 controls and DEL: nobody names a folder with them, and they break LIST output and logs.
// eslint-disable-next-line no-control-regex -- matching the control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Spells INBOX canonically: RFC 3501 §5.1 makes `INBOX` case-insensitive, and its inferiors
 * are reached through it, so a first level spelled `inbox` is INBOX too (`inbox/x` is
 * `INBOX/x`, as in Dovecot). Other levels are case-sensitive.
 */
export function normalizeMailboxName(name: string): string {
  const slash = name.indexOf(HIERARCHY_DELIMITER);
  const first = slash === -1 ? name : name.slice(0, slash);
  if (first.length === 5 && first.toUpperCase() === INBOX && first !== INBOX) {
    return INBOX + name.slice(first.length);
  }
  return name;
}

/**
 * Checks a name that is about to be created (CREATE, RENAME target, account set-up) and
 * returns it normalised. Throws `cannot` for names that can never exist and `limit` for
 * names beyond the implementation limits.
 */
export function checkMailboxName(raw: string): string {
  const name = normalizeMailboxName(raw);
  if (name === '') throw new StorageError('cannot', 'The mailbox name is empty');
  const levels = name.split(HIERARCHY_DELIMITER);
  // Covers a leading or trailing delimiter and `a//b`: each level must name something.
  if (levels.some((level) => level === '')) {
    throw new StorageError('cannot', 'Mailbox name has an empty hierarchy level');
  }
  // `*` and `%` are LIST wildcards (RFC 3501 §6.3.8): a mailbox so named could not be listed alone.
  if (/[*%]/.test(name)) throw new StorageError('cannot', 'Mailbox names cannot contain * or %');
  if (CONTROL.test(name)) throw new StorageError('cannot', 'Mailbox names cannot contain control characters');
  if (LONE_SURROGATE.test(name)) throw new StorageError('cannot', 'The mailbox name is not well-formed Unicode');
  if (Buffer.byteLength(name, 'utf8') > MAX_MAILBOX_NAME_BYTES) {
    throw new StorageError('limit', `Mailbox names are limited to ${MAX_MAILBOX_NAME_BYTES} bytes`);
  }
  if (levels.length > MAX_MAILBOX_DEPTH) {
    throw new StorageError('limit', `Mailbox hierarchy is limited to ${MAX_MAILBOX_DEPTH} levels`);
  }
  return name;
}

/** The superior names of `name`, outermost first: `a/b/c` → `a`, `a/b`. */
export function superiorNames(name: string): string[] {
  const out: string[] = [];
  let at = name.indexOf(HIERARCHY_DELIMITER);
  while (at !== -1) {
    out.push(name.slice(0, at));
    at = name.indexOf(HIERARCHY_DELIMITER, at + 1);
  }
  return out;
}

/** Whether `name` is an inferior (child, grandchild...) of `superior`. */
export function isInferior(name: string, superior: string): boolean {
  return name.length > superior.length + 1 && name.startsWith(superior) && name[superior.length] === HIERARCHY_DELIMITER;
}
