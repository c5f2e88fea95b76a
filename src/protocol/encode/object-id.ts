// Object identifiers (OBJECTID, RFC 8474): how a mailbox's and a message's stored identity is
// shown. Both are derived, not stored, so they cost nothing per message:
//
// - MAILBOXID from the mailbox's UIDVALIDITY. The store issues every UIDVALIDITY once (a
//   counter that never decreases), keeps it across RENAME and gives a new one to a name that
//   is deleted and created again: exactly the life of a MAILBOXID (§4.1).
// - EMAILID from the message's content address (SHA-256 of its bytes). COPY and MOVE share the
//   bytes, so the copy has the same EMAILID (§5.1); two deliveries of identical bytes share one
//   too, which the RFC allows (the content is the same immutable message). 96 bits of the hash
//   keep the id short; a collision among 2^48 distinct messages of one server is unlikely.

/** objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 §7). */
export function mailboxObjectId(uidValidity: number): string {
  return `F${uidValidity.toString(16)}`;
}

export function emailObjectId(contentAddress: string): string {
  return `M${contentAddress.slice(0, 24)}`;
}
