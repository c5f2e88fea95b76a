// Mailbox-name arguments as parsed (RFC 3501 §5.1, §5.1.3; RFC 6855 §3): the Unicode name,
// or, for a well-formed astring that is not valid modified UTF-7, the string as it was sent.

import { encodeMailboxName } from './utf7.js';

/**
 * A mailbox-name argument that is a valid astring but not valid modified UTF-7 (RFC 3501
 * §5.1.3), such as `&Jjo` or `a&b`, kept as sent. The command is well-formed, so it is no BAD
 * (RFC 3501 §7.1.5). No mailbox can have this name (every stored name has a canonical
 * encoding, and it is not that), so each command answers as for a name that does not exist.
 * It is never a plain string, so it can never be mistaken for the decoded name of a mailbox.
 * With UTF8=ACCEPT names are UTF-8 and `&` is an ordinary character, so it does not arise.
 */
export interface UndecodableName {
  readonly undecodable: string;
}

/** A mailbox name, reference or LIST pattern as parsed: Unicode, or undecodable. */
export type MailboxName = string | UndecodableName;

/** The name for response text: the Unicode name, or the undecodable string as sent. */
export function nameText(name: MailboxName): string {
  return typeof name === 'string' ? name : name.undecodable;
}

/** The name as it travels in modified UTF-7 (RFC 3501 §5.1.3); an undecodable one as it was sent. */
export function wireName(name: MailboxName): string {
  return typeof name === 'string' ? encodeMailboxName(name) : name.undecodable;
}
