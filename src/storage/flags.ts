// Message flags as stored (RFC 3501 §2.3.2): the five system flags in their canonical
// spelling, then keywords. Keywords compare case-insensitively; `\Recent` is per-session
// state and is never stored.

import { MAX_FLAGS_PER_MESSAGE, MAX_KEYWORD_BYTES } from './limits.js';
import { StorageError, type FlagMode } from './types.js';

/** The system flags a client may set, in the order they are stored and listed. */
export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;
export type SystemFlag = (typeof SYSTEM_FLAGS)[number];

const SYSTEM_BY_UPPER = new Map<string, SystemFlag>(SYSTEM_FLAGS.map((f) => [f.toUpperCase(), f]));

// RFC 3501 §9: flag-keyword = atom; ATOM-CHAR is any 7-bit CHAR except atom-specials
// ( "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]" ).
const KEYWORD = /^[!#$&'+,\-./0-9:;<=>?@A-Z[^_`a-z|}~]+$/;

/** Flags given by a client, sorted out: canonical system flags and keywords as spelled. */
export interface RequestedFlags {
  system: Set<SystemFlag>;
  /** Keywords, first spelling of each (case-insensitive duplicates dropped). */
  keywords: string[];
}

/** The case-insensitive identity of a keyword. */
export function keywordKey(keyword: string): string {
  return keyword.toLowerCase();
}

/**
 * Sorts client-supplied flags into system flags and keywords. `\Recent` is dropped: it cannot
 * be set by a client (RFC 3501 §2.3.2) and the protocol layer already refuses it on STORE.
 * Other `\`-flags are extensions this server does not define (`cannot`).
 */
export function parseRequestedFlags(flags: readonly string[]): RequestedFlags {
  const system = new Set<SystemFlag>();
  const keywords: string[] = [];
  const seen = new Set<string>();
  for (const flag of flags) {
    if (flag.startsWith('\\')) {
      const upper = flag.toUpperCase();
      if (upper === '\\RECENT') continue;
      const canonical = SYSTEM_BY_UPPER.get(upper);
      if (canonical === undefined) throw new StorageError('cannot', `Unknown system flag ${flag}`);
      system.add(canonical);
      continue;
    }
    if (!KEYWORD.test(flag)) throw new StorageError('cannot', `Invalid keyword ${JSON.stringify(flag)}`);
    if (flag.length > MAX_KEYWORD_BYTES) {
      throw new StorageError('limit', `Keywords are limited to ${MAX_KEYWORD_BYTES} characters`);
    }
    const key = keywordKey(flag);
    if (seen.has(key)) continue;
    seen.add(key);
    keywords.push(flag);
  }
  return { system, keywords };
}

/** Whether stored `flags` include the system flag `flag`. */
export function hasFlag(flags: readonly string[], flag: SystemFlag): boolean {
  return flags.includes(flag);
}

/**
 * The flags after a STORE (RFC 3501 §6.4.6): `set` replaces, `add` unions, `remove` takes away.
 * `current` is the stored list; `requested` keywords must already carry the mailbox's stored
 * spelling. The result keeps system flags first, in canonical order, then keywords in the
 * order they were first set.
 */
export function applyFlags(current: readonly string[], mode: FlagMode, requested: RequestedFlags): string[] {
  const system = new Set<string>();
  const keywords = new Map<string, string>();
  if (mode !== 'set') {
    for (const f of current) {
      if (f.startsWith('\\')) system.add(f);
      else keywords.set(keywordKey(f), f);
    }
  }
  if (mode === 'remove') {
    for (const f of requested.system) system.delete(f);
    for (const k of requested.keywords) keywords.delete(keywordKey(k));
  } else {
    for (const f of requested.system) system.add(f);
    for (const k of requested.keywords) if (!keywords.has(keywordKey(k))) keywords.set(keywordKey(k), k);
  }
  const out = SYSTEM_FLAGS.filter((f) => system.has(f)) as string[];
  out.push(...keywords.values());
  if (out.length > MAX_FLAGS_PER_MESSAGE) {
    throw new StorageError('limit', `A message can carry at most ${MAX_FLAGS_PER_MESSAGE} flags`);
  }
  return out;
}

/** Whether two stored flag lists are the same set. */
export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((f) => set.has(f));
}
