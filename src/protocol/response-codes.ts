// Response codes carried in status responses: RFC 3501 §7.1, RFC 5530 §3, UIDPLUS (RFC 4315 §3),
// TOOBIG (RFC 4469 §4, RFC 7889 §4), CLOSED and HIGHESTMODSEQ (RFC 7162 §3.1, §3.2.10),
// UNKNOWN-CTE (RFC 3516 §4.3), HASCHILDREN (RFC 9051 §7.1). Data-bearing codes are structured.

import { formatRanges, type NumberRange } from './sequence-set.js';
import { allChars, isAtomChar } from './syntax.js';

/** Response codes that carry no data. */
export type PlainResponseCodeName =
  // RFC 3501 §7.1
  | 'ALERT'
  | 'PARSE'
  | 'READ-ONLY'
  | 'READ-WRITE'
  | 'TRYCREATE'
  // RFC 5530 §3
  | 'UNAVAILABLE'
  | 'AUTHENTICATIONFAILED'
  | 'AUTHORIZATIONFAILED'
  | 'EXPIRED'
  | 'PRIVACYREQUIRED'
  | 'CONTACTADMIN'
  | 'NOPERM'
  | 'INUSE'
  | 'EXPUNGEISSUED'
  | 'CORRUPTION'
  | 'SERVERBUG'
  | 'CLIENTBUG'
  | 'CANNOT'
  | 'LIMIT'
  | 'OVERQUOTA'
  | 'ALREADYEXISTS'
  | 'NONEXISTENT'
  // RFC 4315 §3, RFC 4469 §4 / RFC 7889 §4, RFC 7162 §3.2.11, RFC 3516 §4.3, RFC 9051 §7.1
  | 'UIDNOTSTICKY'
  | 'TOOBIG'
  | 'CLOSED'
  | 'UNKNOWN-CTE'
  | 'HASCHILDREN';

/** A response code: the text between `[` and `]` of a status response. */
export type ResponseCode =
  | { code: PlainResponseCodeName }
  /** RFC 3501 §7.1: the charsets SEARCH supports; may be empty. */
  | { code: 'BADCHARSET'; charsets: readonly string[] }
  | { code: 'CAPABILITY'; capabilities: readonly string[] }
  /** Flags the client can change permanently; `\*` allows new keywords. */
  | { code: 'PERMANENTFLAGS'; flags: readonly string[] }
  | { code: 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN'; value: number }
  /** RFC 7162 §3.1.2.1: a mod-sequence is a 63-bit value. */
  | { code: 'HIGHESTMODSEQ'; value: number | bigint }
  /** RFC 7162 §3.1.3: messages a STORE UNCHANGEDSINCE left alone (numbers or UIDs). */
  | { code: 'MODIFIED'; set: readonly NumberRange[] }
  /** RFC 8474 §4.1: the MAILBOXID of a created or selected mailbox. */
  | { code: 'MAILBOXID'; id: string }
  /** RFC 4315 §3: the UID the appended message got. */
  | { code: 'APPENDUID'; uidValidity: number; uid: number }
  /** RFC 4315 §3: source and destination UIDs, in corresponding order. */
  | { code: 'COPYUID'; uidValidity: number; source: readonly NumberRange[]; destination: readonly NumberRange[] };

/** A charset name as `astring`-like output: an atom when possible, else a quoted string. */
function charsetToken(name: string): string {
  return allChars(name, isAtomChar) ? name : `"${name.replace(/[\\"]/g, '\\$&').replace(/[\r\n\0]/g, '')}"`;
}

/**
 * Formats a response code without its brackets.
 *
 * resp-text-code = "ALERT" / "BADCHARSET" [SP "(" charset *(SP charset) ")"] / capability-data /
 *   "PARSE" / "PERMANENTFLAGS" SP "(" [flag-perm *(SP flag-perm)] ")" / "READ-ONLY" / "READ-WRITE" /
 *   "TRYCREATE" / "UIDNEXT" SP nz-number / "UIDVALIDITY" SP nz-number / "UNSEEN" SP nz-number / …
 */
export function formatResponseCode(rc: ResponseCode): string {
  switch (rc.code) {
    case 'BADCHARSET':
      return rc.charsets.length === 0 ? 'BADCHARSET' : `BADCHARSET (${rc.charsets.map(charsetToken).join(' ')})`;
    case 'CAPABILITY':
      return ['CAPABILITY', ...rc.capabilities].join(' ');
    case 'PERMANENTFLAGS':
      return `PERMANENTFLAGS (${rc.flags.join(' ')})`;
    case 'UIDNEXT':
    case 'UIDVALIDITY':
    case 'UNSEEN':
    case 'HIGHESTMODSEQ':
      return `${rc.code} ${rc.value}`;
    case 'APPENDUID':
      return `APPENDUID ${rc.uidValidity} ${rc.uid}`;
    case 'MODIFIED':
      return `MODIFIED ${formatRanges(rc.set)}`;
    case 'MAILBOXID':
      return `MAILBOXID (${rc.id})`;
    case 'COPYUID':
      return `COPYUID ${rc.uidValidity} ${formatRanges(rc.source)} ${formatRanges(rc.destination)}`;
    default:
      return rc.code;
  }
}
