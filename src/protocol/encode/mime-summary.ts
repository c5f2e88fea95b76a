// What is stored beside a message's MIME index: the ENVELOPE, BODYSTRUCTURE and BODY wire
// text encoded once at store time, so the FETCH items clients ask for most read three short
// strings instead of decoding the whole index (RFC 3501 §7.4.2).

import { MESSAGE_INDEX_VERSION, type MessageIndex } from '../../mime/types.js';
import { encodeBodyStructure, encodeEnvelope } from './mime-structure.js';

export interface MimeSummary {
  /** The MessageIndex format the strings were made from (re-encoded when it changes). */
  v: number;
  envelope: string;
  bodystructure: string;
  body: string;
}

export function summarize(index: MessageIndex): MimeSummary {
  return {
    v: MESSAGE_INDEX_VERSION,
    envelope: encodeEnvelope(index),
    bodystructure: encodeBodyStructure(index, true),
    body: encodeBodyStructure(index, false),
  };
}

/**
 * The MIME data of a message as the store takes it (MimeData in src/storage/types.ts), written
 * out here because protocol code does not import storage; the compiler checks that it fits
 * wherever it is handed to the store.
 */
export interface StoredMime {
  index: Record<string, unknown>;
  summary: StoredSummary;
  headerEnd: number;
}

/** A parse-mime task's result as an append takes it: stored MIME data and content address. */
export function storedForm(parsed: { index: MessageIndex; summary: MimeSummary; sha256: string }): { mime: StoredMime; address: string } {
  return { mime: mimeData(parsed.index, parsed.summary), address: parsed.sha256 };
}

/**
 * A summary as stored: a tuple. An object would be stored as a msgpack record carrying its
 * field names, whose reading builds a reader for them every time: 1.4 µs a summary against
 * 0.55 µs, paid for every message of a FETCH of ENVELOPE or BODYSTRUCTURE.
 */
type StoredSummary = [v: number, envelope: string, bodystructure: string, body: string];

/** The index, its summary and where the header ends, in the shape the store keeps them (opaque to storage). */
export function mimeData(index: MessageIndex, summary: MimeSummary = summarize(index)): StoredMime {
  const stored: StoredSummary = [summary.v, summary.envelope, summary.bodystructure, summary.body];
  return { index: index as unknown as Record<string, unknown>, summary: stored, headerEnd: index.root.bodyStart };
}

/**
 * A stored summary, if it was made from the current index format: a tuple, or an object as
 * summaries were stored before (still read, so older stores need no rewriting).
 */
export function readSummary(data: unknown): MimeSummary | null {
  if (Array.isArray(data)) {
    const [v, envelope, bodystructure, body] = data as StoredSummary;
    return v === MESSAGE_INDEX_VERSION ? { v, envelope, bodystructure, body } : null;
  }
  const legacy = data as MimeSummary | null;
  return legacy && legacy.v === MESSAGE_INDEX_VERSION ? legacy : null;
}
