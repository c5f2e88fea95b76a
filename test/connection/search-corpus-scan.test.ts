// The SEARCH corpus test (search-corpus.test.ts) with the text index off: every message takes
// the path of a message not indexed yet, and the answers must be the same exact ones.

process.env.GANNET_TEST_SEARCH_SCAN = '1';
await import('./search-corpus.test.js');
