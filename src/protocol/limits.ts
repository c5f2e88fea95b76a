// Size and count limits of the protocol layer, each with the reason for its value.
// Kept as a flat list of constants so that the parser, the encoder and the receiver share one place.

/**
 * Deepest nesting of parenthesised lists in one command. Only SEARCH nests lists
 * (RFC 3501 §6.4.4 `"(" search-key *(SP search-key) ")"`); real clients use two or three
 * levels, and a cap keeps recursive descent off the end of the stack.
 */
export const MAX_LIST_NESTING = 16;

/**
 * Deepest SEARCH key tree, counting every NOT, OR and parenthesised list as one level.
 * `NOT NOT NOT …` and `OR OR OR …` chains nest without parentheses, so they need their own
 * cap; evaluation recurses over the same tree, so this also bounds the evaluator.
 */
export const MAX_SEARCH_DEPTH = 32;

/** RFC 2971 §3.3: "Implementations MUST NOT send more than 30 field-value pairs." */
export const ID_MAX_PAIRS = 30;

/** RFC 2971 §3.3: "Field strings MUST NOT be longer than 30 octets." */
export const ID_MAX_FIELD_OCTETS = 30;

/** RFC 2971 §3.3: "Value strings MUST NOT be longer than 1024 octets." */
export const ID_MAX_VALUE_OCTETS = 1024;

/**
 * Most part numbers in one FETCH section (`BODY[1.2.3…]`, RFC 3501 §6.4.5). MIME trees deeper
 * than this are not produced by real mail, and the cap bounds the work of resolving a part.
 */
export const MAX_SECTION_PARTS = 64;

/**
 * Longest string the encoder sends as a quoted string; longer ones go out as literals
 * (RFC 3501 §4.3). Quoting needs a scan for escapes and keeps the whole value in the line,
 * so large values are cheaper and safer as literals.
 */
export const MAX_QUOTED_OUTPUT_BYTES = 1024;
