// Message bodies, content-addressed by the sha256 of their exact bytes.
//
// Why content addressing with reference counts: COPY and MOVE (RFC 3501 §6.4.7, RFC 6851)
// and RENAME INBOX never copy bytes, they add a reference; identical deliveries share one
// blob too. Bodies never change once stored (RFC 3501 §2.3: a message's content is
// immutable), so a blob is written once and only its count moves. The count lives in its
// own sub-database so that changing it does not rewrite a large value. The blob is deleted
// in the same transaction that drops its last reference, so there is no garbage collector
// and no window in which a crash could leak or lose a body.

import { createHash } from 'node:crypto';
import type { Database, Key } from 'lmdb';
import type { Dbs } from './env.js';
import type { Tx } from './tx.js';
import type { MimeData } from '../types.js';

/** Content address of `body`: lower-case hex sha256. */
export function blobAddress(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Adds a reference to the blob `address`, storing `body` (and its MIME index) if it is the first one. */
export function addBlobRef(tx: Tx, address: string, body: Buffer, mime?: MimeData): void {
  const count = tx.dbs.blobRefs.get(address) ?? 0;
  if (count === 0) tx.dbs.blobs.putSync(address, body);
  if (mime !== undefined && (count === 0 || tx.dbs.mime.get(address) === undefined)) putMime(tx, address, mime, body);
  tx.dbs.blobRefs.putSync(address, count + 1);
}

/** Stores a blob's MIME index, summary and header block; `body` when the caller has it at hand. */
export function putMime(tx: Tx, address: string, mime: MimeData, body?: Uint8Array): void {
  tx.dbs.mime.putSync(address, mime.index);
  tx.dbs.mimeSummary.putSync(address, mime.summary);
  if (mime.headerEnd === undefined) return;
  const bytes = body ?? readBlobTransient(tx.dbs, address);
  if (bytes === undefined || mime.headerEnd > bytes.length) return;
  // A copy: lmdb-js's transient read buffer must not be what the put refers to.
  tx.dbs.headers.putSync(address, Buffer.from(bytes.subarray(0, mime.headerEnd)));
}

/** Adds a reference to a blob known to exist (COPY of a stored message). */
export function shareBlob(tx: Tx, address: string): void {
  const count = tx.dbs.blobRefs.get(address) ?? 0;
  tx.dbs.blobRefs.putSync(address, count + 1);
}

/** Drops one reference; the bytes go with the last one. */
export function releaseBlob(tx: Tx, address: string): void {
  const count = tx.dbs.blobRefs.get(address) ?? 0;
  if (count <= 1) {
    tx.dbs.blobRefs.removeSync(address);
    tx.dbs.blobs.removeSync(address);
    tx.dbs.mime.removeSync(address);
    tx.dbs.mimeSummary.removeSync(address);
    tx.dbs.headers.removeSync(address);
    tx.dbs.searchBodies.removeSync(address);
  } else {
    tx.dbs.blobRefs.putSync(address, count - 1);
  }
}

/** The stored bytes (a copy the caller owns), or undefined when the blob is gone. */
export function readBlob(dbs: Dbs, address: string): Buffer | undefined {
  return dbs.blobs.getBinary(address);
}

/**
 * The stored bytes in lmdb-js's reused read buffer: valid only until the next read. That
 * buffer (marked isGlobal) is larger than the value and reports the value's size through an
 * overridden `length` (lmdb-js 3.5, pinned); a view of the real size is what callers can use.
 */
export function readBlobTransient(dbs: Dbs, address: string): Buffer | undefined {
  return readBinaryTransient(dbs.blobs, address);
}

/** A binary value without a copy (see readBlobTransient): large values are a view of the map itself. */
export function readBinaryTransient<K extends Key>(db: Database<Buffer, K>, key: K): Buffer | undefined {
  const fast = db.getBinaryFast(key) as (Buffer & { isGlobal?: boolean }) | undefined;
  if (fast === undefined || !fast.isGlobal) return fast;
  return Uint8Array.prototype.subarray.call(fast, 0, (db as unknown as { lastSize: number }).lastSize) as Buffer;
}

/** The header block stored apart from the body (a copy), or undefined when there is none. */
export function readHeader(dbs: Dbs, address: string): Buffer | undefined {
  return dbs.headers.getBinary(address);
}

/** Reference count of a blob (0 when absent); for tests and consistency checks. */
export function blobRefCount(dbs: Dbs, address: string): number {
  return dbs.blobRefs.get(address) ?? 0;
}
