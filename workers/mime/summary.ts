// What is stored beside a message's MIME index: the ENVELOPE, BODYSTRUCTURE and BODY wire
// text encoded once at store time, so the FETCH items clients ask for most read three short
// strings instead of decoding the whole index (RFC 3501 §7.4.2).

import { encodeBodyStructure, encodeEnvelope } from './encode.js';
import { MESSAGE_INDEX_VERSION, type MessageIndex } from './types.js';

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

/** The index and its summary in the shape the store keeps them (opaque records to storage). */
export function mimeData(index: MessageIndex): { index: Record<string, unknown>; summary: Record<string, unknown> } {
  return { index: index as unknown as Record<string, unknown>, summary: summarize(index) as unknown as Record<string, unknown> };
}
