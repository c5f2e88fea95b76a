// Caps on the MIME walk. Broken or hostile input is still stored and served, so every limit
// degrades the index (a part becomes an opaque leaf) instead of throwing.

/**
 * Deepest nesting of multipart and message/rfc822 parts that is indexed as structure. Real mail
 * rarely passes 10 levels (a forward of a forward of a digest); every level adds a stack frame
 * here and a parenthesis level in BODYSTRUCTURE, and client parsers recurse on it too. Dovecot
 * stops at 100; 64 leaves room for any real message while bounding the recursion.
 */
export const MAX_MIME_DEPTH = 64;

/**
 * Most parts indexed in one message. Each part costs about 200 bytes in the stored index and
 * in every BODYSTRUCTURE response; an APPEND-sized message made only of empty parts could
 * otherwise produce millions of them. Parts past the cap are left inside their parent's body.
 */
export const MAX_MIME_PARTS = 5000;

/**
 * Longest header value kept in the index for the common fields (`MessageIndex.fields`).
 * Longer values are still served byte-exact from the raw message by HEADER.FIELDS.
 */
export const MAX_INDEXED_FIELD_CHARS = 2000;

/**
 * Most header fields read from one part's header. Real headers have tens to a few hundred
 * (long Received chains); a header of millions of tiny lines would otherwise cost an object each.
 * Fields past the cap are still in the header bytes that HEADER sections return.
 */
export const MAX_HEADER_FIELDS = 10_000;
