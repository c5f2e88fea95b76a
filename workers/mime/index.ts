// Message parsing for Gannet: one pass at store time, then FETCH and SEARCH from the index.

export { parseMessage } from './parse.js';
export { encodeEnvelope, encodeBodyStructure } from './encode.js';
export { sectionBytes, topHeaderSection, binaryPart, resolvePart, type UnknownCte } from './section.js';
export { searchText, matchesText, evaluate, foldCase, partText, TEXT_KEY_TYPES, type SearchText } from './search.js';
export { MAX_MIME_DEPTH, MAX_MIME_PARTS } from './limits.js';
export * from './types.js';
export { summarize, mimeData, readSummary, storedForm, type MimeSummary } from './summary.js';
