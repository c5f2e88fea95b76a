// Arguments of the message commands, plain and UID forms: EXPUNGE (UID EXPUNGE, RFC 4315 §2.1),
// SEARCH (RFC 3501 §6.4.4, RFC 4731), FETCH (§6.4.5), STORE (§6.4.6), COPY (§6.4.7), MOVE (RFC 6851).

import type { CommandOf } from '../args.js';
import { readFetchItems, readFetchModifiers } from './fetch.js';
import type { Reader } from './reader.js';
import { readSearch } from './search.js';
import { readFlag, readFlagList, readMailbox, readSequenceSet } from './values.js';

/** expunge = "EXPUNGE" ; uid-expunge = "UID" SP "EXPUNGE" SP sequence-set */
export function parseExpunge(r: Reader, tag: string, uid: boolean): CommandOf<'EXPUNGE'> {
  if (!uid) return { tag, name: 'EXPUNGE', uid, sequence: null };
  r.sp();
  return { tag, name: 'EXPUNGE', uid, sequence: readSequenceSet(r) };
}

/** See search.ts for the grammar. */
export function parseSearch(r: Reader, tag: string, uid: boolean): CommandOf<'SEARCH'> {
  const { charset, criteria, returnOptions } = readSearch(r);
  return { tag, name: 'SEARCH', uid, charset, criteria, returnOptions };
}

/**
 * fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")
 *         [fetch-modifiers]                                              ; RFC 4466 §2.4
 * VANISHED only in UID FETCH (RFC 7162 §3.2.6).
 */
export function parseFetch(r: Reader, tag: string, uid: boolean): CommandOf<'FETCH'> {
  r.sp();
  const sequence = readSequenceSet(r);
  r.sp();
  const items = readFetchItems(r);
  const { changedSince, vanished } = readFetchModifiers(r);
  if (vanished && !uid) r.fail('VANISHED is only valid in UID FETCH');
  return { tag, name: 'FETCH', uid, sequence, items, changedSince, vanished };
}

/**
 * store           = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
 * store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"        ; RFC 4466 §2.5
 * store-modifier  = "UNCHANGEDSINCE" SP mod-sequence-valzer              ; RFC 7162 §7
 * store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 */
export function parseStore(r: Reader, tag: string, uid: boolean): CommandOf<'STORE'> {
  r.sp();
  const sequence = readSequenceSet(r);
  r.sp();
  let unchangedSince: number | null = null;
  if (r.peek() === '(') {
    r.advance();
    if (!r.tryWord('UNCHANGEDSINCE')) r.fail('Unknown store modifier');
    r.sp();
    unchangedSince = r.modseq('mod-sequence', true);
    r.expect(')', '")" closing store modifiers');
    r.sp();
  }
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(r.atom('store item').toUpperCase());
  if (m === null) r.fail('Expected FLAGS, +FLAGS or -FLAGS');
  r.sp();
  let flags: string[];
  if (r.peek() === '(') {
    flags = readFlagList(r);
  } else {
    flags = [readFlag(r)];
    while (r.peek() === ' ') {
      r.advance();
      flags.push(readFlag(r));
    }
  }
  const mode = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'set';
  return { tag, name: 'STORE', uid, sequence, unchangedSince, mode, silent: m[2] !== undefined, flags };
}

/** copy = "COPY" SP sequence-set SP mailbox ; move = "MOVE" SP sequence-set SP mailbox */
export function parseCopyMove<N extends 'COPY' | 'MOVE'>(name: N) {
  return (r: Reader, tag: string, uid: boolean): CommandOf<N> => {
    r.sp();
    const sequence = readSequenceSet(r);
    r.sp();
    const cmd: CommandOf<'COPY' | 'MOVE'> = { tag, name, uid, sequence, mailbox: readMailbox(r) };
    return cmd as CommandOf<N>;
  };
}
