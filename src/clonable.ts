// Bytes about to cross to another thread by structured clone (postMessage). The clone copies
// the whole ArrayBuffer under a view, not just the view: a 5 KB message read inside one 64 KB
// socket chunk would carry the other 59 KB along, and a slice of Node's 8 KB allocation pool
// the whole pool. Such a view is first copied to a buffer of its own exact size, which is
// cheaper than the clone of the larger buffer and leaves the receiving thread less to collect.

export function clonable(bytes: Uint8Array): Uint8Array {
  return bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}
