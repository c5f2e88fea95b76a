// Character classes of the IMAP grammar (RFC 3501 §9, RFC 9051 §9), shared by parser and encoder.

/*
 * atom-specials   = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
 * list-wildcards  = "%" / "*"
 * quoted-specials = DQUOTE / "\"
 * resp-specials   = "]"
 * ATOM-CHAR       = <any CHAR except atom-specials>      ; CHAR = %x01-7F, CTL = %x00-1F / %x7F
 * ASTRING-CHAR    = ATOM-CHAR / resp-specials
 * tag             = 1*<any ASTRING-CHAR except "+">
 * list-char       = ATOM-CHAR / list-wildcards / resp-specials
 */

const SPECIALS = new Set(['(', ')', '{', '%', '*', '"', '\\', ']']);

/** ATOM-CHAR: printable 7-bit ASCII except SP and the atom-specials. */
export function isAtomChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return c.length === 1 && code > 0x20 && code < 0x7f && !SPECIALS.has(c);
}

/** ASTRING-CHAR = ATOM-CHAR / "]". */
export function isAstringChar(c: string): boolean {
  return c === ']' || isAtomChar(c);
}

/** A tag character: any ASTRING-CHAR except "+", which would look like a continuation. */
export function isTagChar(c: string): boolean {
  return c !== '+' && isAstringChar(c);
}

/** list-char = ATOM-CHAR / list-wildcards / resp-specials (LIST patterns, RFC 3501 §6.3.8). */
export function isListChar(c: string): boolean {
  return c === '%' || c === '*' || isAstringChar(c);
}

/** True when every character of a non-empty string satisfies `pred`. */
export function allChars(s: string, pred: (c: string) => boolean): boolean {
  if (s.length === 0) return false;
  for (const c of s) if (!pred(c)) return false;
  return true;
}
