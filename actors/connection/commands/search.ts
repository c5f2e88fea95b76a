// SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8) with ESEARCH results (RFC 4731).
// Flag, date, size and set keys are answered here from the mailbox's columns; text keys
// (FROM, SUBJECT, BODY, TEXT, HEADER, SENT*) are narrowed by the text index to candidates,
// which the worker pool verifies, reading them from the store in its own threads, over the
// messages the rest of the key leaves.

import { no } from '../../../src/errors.js';
import { matchMask, needsText, someLeaf, textUnits, type SearchTable } from '../../../src/search/metadata-match.js';
import { narrowByIndex } from '../../../src/search/text-plan.js';
import { intersect } from '../../../src/sorted.js';
import { encodeEsearch, encodeSearch } from '../../../src/protocol/encode/search.js';
import type { SearchKey } from '../../../src/protocol/args.js';
import type { SearchReturnOption } from '../../../src/protocol/search-key.js';
import type { SessionView } from '../session-view.js';
import iconv from 'iconv-lite';
import { normaliseCharset } from '../../../src/mime/params.js';
import { viewOf } from './mail-common.js';
import { enableCondstore } from './resync.js';
import type { CommandHandler, CommandScope } from './types.js';

/** Charsets SEARCH accepts (BADCHARSET lists them); others are refused, RFC 3501 §6.4.4. */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'];

/** Charsets the message text decoder knows (iconv-lite, plus ISO-2022-JP through libmime). */
function charsetSupported(name: string): boolean {
  if (SEARCH_CHARSETS.includes(name.toUpperCase())) return true;
  const cs = normaliseCharset(name);
  return iconv.encodingExists(cs) || /^iso-2022-jp/.test(cs);
}

/**
 * Candidates per verification task. A task reads its messages from the store in its own thread,
 * so only UIDs cross; a few hundred amortise a task's overhead (tens of µs) while keeping every
 * thread busy on a large mailbox.
 */
export const SEARCH_BATCH_MESSAGES = 512;

/**
 * Verification tasks a SEARCH keeps in the pool at once: a few per thread keep them all busy,
 * and a bound leaves room in the queue for other sessions' work.
 */
export const SEARCH_BATCHES_IN_FLIGHT = 4;

/**
 * The messages the session knows that still exist, as rows of the mailbox's columns with their
 * sequence numbers (expunged-but-unannounced ones are left out: they match nothing).
 */
function searchTable(scope: CommandScope, view: SessionView): SearchTable {
  const store = scope.deps.mail.store;
  const columns = store.columns(view.mailboxId);
  const known = view.knownUids();
  const rows = new Uint32Array(known.length);
  const seqs = new Uint32Array(known.length);
  let n = 0;
  const cu = columns.uids;
  for (let i = 0, r = 0; i < known.length && r < cu.length;) {
    const uid = known[i]!;
    if (cu[r]! < uid) r++;
    else if (cu[r]! > uid) i++;
    else {
      rows[n] = r;
      seqs[n++] = i + 1;
      i++;
      r++;
    }
  }
  return {
    columns,
    rows: rows.subarray(0, n),
    seqs: seqs.subarray(0, n),
    recent: (uid) => view.isRecent(uid),
    blob: (uid) => store.getMessage(view.mailboxId, uid)?.blob ?? null,
  };
}

/** UIDs of the table's messages, all or those `mask` marks, ascending. */
function uidsOf(table: SearchTable, mask: Uint8Array | null): Uint32Array {
  const out = new Uint32Array(table.rows.length);
  let n = 0;
  for (let k = 0; k < table.rows.length; k++) if (mask === null || mask[k] === 1) out[n++] = table.columns.uids[table.rows[k]!]!;
  return out.subarray(0, n);
}

/** The UIDs among `candidates` (ascending) whose text matches `unit`, verified in the pool. */
async function verifyText(scope: CommandScope, view: SessionView, unit: SearchKey, candidates: Uint32Array): Promise<Set<number>> {
  const { store, pool } = scope.deps.mail;
  const signal = scope.deps.io.closedSignal;
  const matched = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  // The first failure (pool busy, client gone) ends the search; tasks already running are
  // still awaited, and their errors are kept here, never left unhandled. Set in callbacks, so
  // typed with `as`: an annotation would leave TypeScript sure it is still null at the end.
  let failure = null as { error: unknown } | null;
  while ((next < candidates.length && failure === null) || inFlight.size > 0) {
    while (failure === null && next < candidates.length && inFlight.size < SEARCH_BATCHES_IN_FLIGHT) {
      const uids = candidates.slice(next, next + SEARCH_BATCH_MESSAGES);
      next += uids.length;
      const task: Promise<void> = pool.searchText({ storePath: store.path, mailboxId: view.mailboxId, key: unit, uids }, signal).then(
        (found) => {
          for (const uid of found) matched.add(uid);
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
  const { store } = scope.deps.mail;
  const table = searchTable(scope, view);
  const scopeOf = { table, exists: view.exists, lastUid: view.lastUid };
  const textResults = new Map<SearchKey, Set<number>>();
  if (needsText(cmd.criteria)) {
    // A top-level AND narrows the text search to what its other keys already allow.
    const metadataOnly = cmd.criteria.type === 'AND' ? cmd.criteria.keys.filter((k) => !needsText(k)) : [];
    let pre = uidsOf(table, metadataOnly.length > 0 ? matchMask({ type: 'AND', keys: metadataOnly }, scopeOf) : null);
    const lookup = (gramSets: Uint32Array[]) => store.textLookup(view.mailboxId, gramSets);
    // A message that fails one top-level key fails the search: the text keys of the top level
    // are verified the one with the fewest candidates first, each over what the ones before
    // left (Dovecot orders its keys by cost for the same reason), and the keys nested in
    // OR/NOT mixes last, over what all of those left.
    const conjuncts = new Set(cmd.criteria.type === 'AND' ? cmd.criteria.keys : [cmd.criteria]);
    const units = textUnits(cmd.criteria);
    const planned = units
      .filter((u) => conjuncts.has(u))
      .map((unit) => ({ unit, candidates: narrowByIndex(unit, pre, lookup) }))
      .sort((a, b) => a.candidates.length - b.candidates.length);
    for (const { unit, candidates } of planned) {
      const matched = await verifyText(scope, view, unit, intersect(candidates, pre));
      textResults.set(unit, matched);
      pre = pre.filter((uid) => matched.has(uid));
    }
    for (const unit of units.filter((u) => !conjuncts.has(u))) {
      textResults.set(unit, await verifyText(scope, view, unit, narrowByIndex(unit, pre, lookup)));
    }
  }
  const mask = matchMask(cmd.criteria, { ...scopeOf, textResults });
  const found: number[] = [];
  for (let k = 0; k < mask.length; k++) if (mask[k] === 1) found.push(k);
  const results = found.map((k) => (cmd.uid ? table.columns.uids[table.rows[k]!]! : table.seqs[k]!));
  // RFC 7162 §3.1.5: a SEARCH with a MODSEQ key enables CONDSTORE and reports the highest
  // modseq of what it returns.
  const withModseq = usesModseq(cmd.criteria);
  const completion = withModseq ? enableCondstore(scope) : {};
  const modseq = withModseq
    ? returnedModseq(
        found.map((k) => table.columns.modseq[table.rows[k]!]!),
        cmd.returnOptions,
      )
    : null;
  if (modseq !== null && found.length > 0) view.showedModseq();
  scope.out.write(
    cmd.returnOptions === null ? encodeSearch(results, modseq) : encodeEsearch(cmd.tag, cmd.uid, cmd.returnOptions, results, modseq),
  );
  return completion;
};

/**
 * The highest modseq of the messages a result returns (RFC 7162 §3.1.6). Under ESEARCH (RFC 4731
 * §3.2) a lone MIN or MAX returns one message and MIN MAX two, so only theirs count; ALL or
 * COUNT (or no option, which means ALL) return every message found. `found` holds the modseqs
 * of the messages found, in ascending message order.
 */
function returnedModseq(found: readonly number[], options: readonly SearchReturnOption[] | null): number {
  let returned = found;
  if (options !== null && options.length > 0 && !options.includes('ALL') && !options.includes('COUNT')) {
    const ends: number[] = [];
    if (options.includes('MIN') && found.length > 0) ends.push(found[0]!);
    if (options.includes('MAX') && found.length > 0) ends.push(found[found.length - 1]!);
    returned = ends;
  }
  let highest = 0;
  for (const m of returned) if (m > highest) highest = m;
  return highest;
}

function usesModseq(key: SearchKey): boolean {
  return someLeaf(key, (leaf) => leaf.type === 'MODSEQ');
}
