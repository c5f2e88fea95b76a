// MIME for Gannet: one parse at store time into an index of offsets, then body sections,
// BINARY and SEARCH text read from that index and the stored bytes (RFC 2045-2047, 2231, 5322).
//
// Dependency direction: src/mime imports nothing of Gannet outside src/mime. src/protocol
// imports it (the SEARCH parser decodes charsets, FETCH sections are MIME addressing, and
// ENVELOPE/BODYSTRUCTURE are encoded from its index in src/protocol/encode), never the reverse;
// workers/ and the main thread use both. test/architecture.test.ts holds this wall.

export { parseMessage } from './parse.js';
export { sectionBytes, topHeaderSection, binaryPart, resolvePart, type Section, type SectionText, type UnknownCte } from './section.js';
export { searchText, partText, type SearchText } from './search-text.js';
export { MAX_MIME_DEPTH, MAX_MIME_PARTS } from './limits.js';
export * from './types.js';
