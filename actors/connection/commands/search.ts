// SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8) with ESEARCH results (RFC 4731).
// Flag, date, size and set keys are answered here from the index records; text keys
// (FROM, SUBJECT, BODY, TEXT, HEADER, SENT*) run in the worker pool over the messages that
// the rest of the key leaves, in batches spread over the pool's threads.

import { no } from '../../../src/errors.js';
import { compileMetadataKey, needsText, someLeaf, textUnits, type SearchSubject } from '../../../src/search/metadata-match.js';
import { encodeEsearch, encodeSearch } from '../../../src/protocol/encode/search.js';
import type { SearchKey } from '../../../src/protocol/args.js';
import type { SearchReturnOption } from '../../../src/protocol/search-key.js';
import type { SearchMessage } from '../../../workers/contracts.js';
import type { MessageRecord } from '../../../src/storage/types.js';
import type { SessionView } from '../session-view.js';
import { currentIndex } from './message-index.js';
import iconv from 'iconv-lite';
import { normaliseCharset } from '../../../src/mime/params.js';
import { viewOf } from './mail-common.js';
import { enableCondstore } from './resync.js';
import type { CommandHandler, CommandScope } from './types.js';

/** Charsets SEARCH accepts (BADCHARSET lists them); others are refused, RFC 3501 §6.4.4. */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'];

/**
 * Messages per pool task. Each task carries the raw bytes across a thread boundary, so a
 * batch is bounded in bytes too; a few hundred messages amortise the task overhead (tens of
 * µs) while keeping every thread busy on large mailboxes.
 */
export const SEARCH_BATCH_MESSAGES = 256;
export const SEARCH_BATCH_BYTES = 8 * 1024 * 1024;

/** Charsets the message text decoder knows (iconv-lite, plus ISO-2022-JP through libmime). */
function charsetSupported(name: string): boolean {
  if (SEARCH_CHARSETS.includes(name.toUpperCase())) return true;
  const cs = normaliseCharset(name);
  return iconv.encodingExists(cs) || /^iso-2022-jp/.test(cs);
}

/** Records read at once while building search subjects. */
const SUBJECT_READ_SLICE = 2048;

/** Every message the client knows, as search subjects (expunged-but-unannounced ones left out). */
function subjects(scope: CommandScope, view: SessionView): SearchSubject[] {
  const store = scope.deps.mail.store;
  const uids = view.knownUids();
  const out: SearchSubject[] = [];
  let records: Array<MessageRecord | null> = [];
  for (let i = 0; i < uids.length; i++) {
    // A cursor walk per slice of records rather than a lookup per message; slices keep the
    // records read ahead to a few hundred KB.
    if (i % SUBJECT_READ_SLICE === 0) records = store.getMessages(view.mailboxId, uids.subarray(i, i + SUBJECT_READ_SLICE));
    const uid = uids[i]!;
    const msg = records[i % SUBJECT_READ_SLICE];
    if (!msg) continue;
    out.push({
      uid,
      seq: i + 1,
      flags: msg.flags,
      internalDate: msg.internalDate,
      size: msg.size,
      recent: view.isRecent(uid),
      modseq: msg.modseq,
      savedAt: msg.savedAt,
      blob: msg.blob,
    });
  }
  return out;
}

/**
 * Batches a SEARCH keeps in the pool at once. Reading a batch's bodies costs memory until
 * its task ends, so a bounded window (a few per thread) keeps a search over a large mailbox
 * from holding the whole mailbox in memory, while every thread stays busy.
 */
export const SEARCH_BATCHES_IN_FLIGHT = 4;

/** The UIDs among `candidates` whose text matches `unit`, evaluated in the pool. */
async function searchText(scope: CommandScope, view: SessionView, unit: SearchKey, candidates: SearchSubject[]): Promise<Set<number>> {
  const { store, pool } = scope.deps.mail;
  const signal = scope.deps.io.closedSignal;
  const matched = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  // The first failure (pool busy, client gone) ends the search; tasks already running are
  // still awaited, and their errors are kept here, never left unhandled. Set in callbacks, so
  // typed with `as`: an annotation would leave TypeScript sure it is still null at the end.
  let failure = null as { error: unknown } | null;
  /** The next batch, read from the store only now that a slot is free. */
  const takeBatch = (): SearchMessage[] => {
    const batch: SearchMessage[] = [];
    let bytes = 0;
    while (next < candidates.length && batch.length < SEARCH_BATCH_MESSAGES && bytes < SEARCH_BATCH_BYTES) {
      const uid = candidates[next++]!.uid;
      const msg = store.getMessage(view.mailboxId, uid);
      if (!msg) continue;
      const raw = store.readBody(msg);
      batch.push({ uid, raw, index: currentIndex(store, msg) });
      bytes += raw.length;
    }
    return batch;
  };
  while ((next < candidates.length && failure === null) || inFlight.size > 0) {
    while (failure === null && next < candidates.length && inFlight.size < SEARCH_BATCHES_IN_FLIGHT) {
      const batch = takeBatch();
      if (batch.length === 0) continue;
      const task: Promise<void> = pool.searchText(unit, batch, signal).then(
        (uids) => {
          for (const uid of uids) matched.add(uid);
        },
        (err: unknown) => {
          failure ??= { error: err };
        },
      );
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    }
    if (inFlight.size > 0) await Promise.race(inFlight);
  }
  if (failure !== null) throw failure.error;
  return matched;
}

export const handleSearch: CommandHandler<'SEARCH'> = async (cmd, scope) => {
  const view = viewOf(scope);
  if (cmd.charset !== null && !charsetSupported(cmd.charset)) {
    throw no({ code: 'BADCHARSET', charsets: SEARCH_CHARSETS }, `Unsupported charset ${cmd.charset}`);
  }
  const bounds = { exists: view.exists, lastUid: view.lastUid };
  let candidates = subjects(scope, view);
  const textResults = new Map<SearchKey, Set<number>>();
  if (needsText(cmd.criteria)) {
    // A top-level AND narrows the text search to what its other keys already allow.
    if (cmd.criteria.type === 'AND') {
      const metadataOnly = cmd.criteria.keys.filter((k) => !needsText(k));
      const pre = metadataOnly.map((k) => compileMetadataKey(k, bounds));
      candidates = candidates.filter((m) => pre.every((p) => p(m)));
    }
    for (const unit of textUnits(cmd.criteria)) textResults.set(unit, await searchText(scope, view, unit, candidates));
  }
  const match = compileMetadataKey(cmd.criteria, { ...bounds, textResults });
  const found = candidates.filter(match);
  const results = found.map((m) => (cmd.uid ? m.uid : m.seq));
  // RFC 7162 §3.1.5: a SEARCH with a MODSEQ key enables CONDSTORE and reports the highest
  // modseq of what it returns.
  const withModseq = usesModseq(cmd.criteria);
  const completion = withModseq ? enableCondstore(scope) : {};
  const modseq = withModseq ? returnedModseq(found, cmd.returnOptions) : null;
  if (modseq !== null && found.length > 0) view.showedModseq();
  scope.out.write(
    cmd.returnOptions === null ? encodeSearch(results, modseq) : encodeEsearch(cmd.tag, cmd.uid, cmd.returnOptions, results, modseq),
  );
  return completion;
};

/**
 * The highest modseq of the messages a result returns (RFC 7162 §3.1.6). Under ESEARCH (RFC 4731
 * §3.2) a lone MIN or MAX returns one message and MIN MAX two, so only theirs count; ALL or
 * COUNT (or no option, which means ALL) return every message found. `found` ascends.
 */
function returnedModseq(found: readonly SearchSubject[], options: readonly SearchReturnOption[] | null): number {
  let returned = found;
  if (options !== null && options.length > 0 && !options.includes('ALL') && !options.includes('COUNT')) {
    const ends: SearchSubject[] = [];
    if (options.includes('MIN') && found.length > 0) ends.push(found[0]!);
    if (options.includes('MAX') && found.length > 0) ends.push(found[found.length - 1]!);
    returned = ends;
  }
  let highest = 0;
  for (const m of returned) if (m.modseq > highest) highest = m.modseq;
  return highest;
}

function usesModseq(key: SearchKey): boolean {
  return someLeaf(key, (leaf) => leaf.type === 'MODSEQ');
}
