// FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8; BINARY RFC 3516). Items are served from the
// message record, its stored MIME index (ENVELOPE, BODYSTRUCTURE, section offsets) and the
// stored bytes, which are never re-encoded. A non-PEEK body fetch sets \Seen first and
// reports the new FLAGS (RFC 3501 §6.4.5). CHANGEDSINCE keeps the messages changed after a
// modseq, VANISHED adds what was expunged after it (RFC 7162 §3.1.4.1, §3.2.6).

import { bad, no } from '../../../src/errors.js';
import type { FetchItem } from '../../../src/protocol/args.js';
import { encodeFetch, encodeRecordFetch, recordOnlyItems, type FetchedData } from '../../../src/protocol/encode/fetch.js';
import { binaryPart, sectionBytes, topHeaderSection, type MessageIndex } from '../../../src/mime/index.js';
import { summarize, type MimeSummary } from '../../../src/protocol/encode/mime-summary.js';
import { resolveMessageSet } from '../message-set.js';
import { encodeVanished } from '../../../src/protocol/encode/mailbox.js';
import { clampRanges, resolveSequenceSet } from '../../../src/protocol/sequence-set.js';
import { viewOf } from './mail-common.js';
import { condstoreOn, enableCondstore, vanishedSince } from './resync.js';
import { currentIndex, messageSummary, reindex } from './message-index.js';
import type { CommandHandler, CommandScope } from './types.js';
import type { SessionView } from '../session-view.js';

const EMPTY = Buffer.alloc(0);

/**
 * An item needs a message's MIME index and the stored one is missing or of an old format. The
 * main thread never parses MIME: the message is parsed in the pool and encoded again.
 */
class StaleIndex extends Error {}

/** Does fetching this item mark the message \Seen? (RFC 3501 §6.4.5; RFC 3516 §4.2) */
function setsSeen(item: FetchItem): boolean {
  if (item.type === 'BODY[]' || item.type === 'BINARY') return !item.peek;
  return item.type === 'RFC822' || item.type === 'RFC822.TEXT';
}

/** The decoded bytes of a BINARY part, or NO [UNKNOWN-CTE] (RFC 3516 §4.3). */
function binaryBytes(index: MessageIndex, raw: Buffer, part: number[]): Buffer | null {
  if (part.length === 0) return raw;
  const out = binaryPart(index, raw, part);
  if (out === null) return null;
  if (!Buffer.isBuffer(out)) throw no({ code: 'UNKNOWN-CTE' }, `Cannot decode the content transfer encoding of part ${part.join('.')}`);
  return out;
}

type Section = Extract<FetchItem, { type: 'BODY[]' }>['section'];

/** The message's own header, or some of its fields: served without loading the whole body. */
function headerOnly(section: Section): boolean {
  const kind = section.text?.kind;
  return section.part.length === 0 && (kind === 'HEADER' || kind === 'HEADER.FIELDS' || kind === 'HEADER.FIELDS.NOT');
}

/**
 * Characters of record-only responses gathered into one write (about 1,500 messages of
 * `UID n FLAGS (…)`): one socket write and one drain check per batch instead of per message,
 * and small enough that a slow client still holds back the loop after each.
 */
export const RECORD_BATCH_CHARS = 64 * 1024;

/** Records read at once for a record-only FETCH: about 100 KB of records, read in a millisecond or less. */
export const RECORD_READ_SLICE = 1024;

/** FETCH of items the record answers alone (FLAGS, UID, MODSEQ, …), written in batches. */
async function fetchRecords(
  scope: CommandScope,
  view: SessionView,
  uids: readonly number[],
  items: FetchItem[],
  showsFlags: boolean,
): Promise<void> {
  const store = scope.deps.mail.store;
  let batch = '';
  // Records are read a slice at a time, each slice in one synchronous read: no read transaction
  // stays open while a slow client drains.
  for (let start = 0; start < uids.length; start += RECORD_READ_SLICE) {
    const slice = uids.slice(start, start + RECORD_READ_SLICE);
    const records = store.getMessages(view.mailboxId, slice);
    for (let i = 0; i < slice.length; i++) {
      const msg = records[i];
      if (!msg) continue; // expunged meanwhile; its EXPUNGE is still owed to the client
      const uid = msg.uid;
      // FLAGS first when a keyword is new to the client (RFC 3501 §7.2.6), as below.
      if (showsFlags) batch += view.announceNewKeywords(store, msg.flags);
      batch += encodeRecordFetch(view.seqOf(uid), items, msg, showsFlags && view.isRecent(uid));
      if (showsFlags && msg.modseq > view.modseq) view.noteOwnChange(uid, msg.modseq);
      if (batch.length >= RECORD_BATCH_CHARS) {
        scope.out.write(batch);
        batch = '';
        await scope.deps.io.drained();
      }
    }
  }
  if (batch !== '') scope.out.write(batch);
}

export const handleFetch: CommandHandler<'FETCH'> = async (cmd, scope) => {
  const view = viewOf(scope);
  // RFC 7162 §3.2.6: VANISHED is for clients that enabled QRESYNC.
  if (cmd.vanished && !view.qresync) throw bad('VANISHED needs ENABLE QRESYNC');
  let uids = resolveMessageSet(view, cmd.sequence, cmd.uid);
  const { store, registry } = scope.deps.mail;
  // UID FETCH always reports UID (RFC 3501 §6.4.8); a \Seen change always reports FLAGS.
  const items = [...cmd.items];
  if (cmd.uid && !items.some((i) => i.type === 'UID')) items.unshift({ type: 'UID' });
  // FETCH MODSEQ and CHANGEDSINCE enable CONDSTORE; CHANGEDSINCE shows MODSEQ (RFC 7162 §3.1.4.1).
  const enabling = cmd.changedSince !== null || items.some((i) => i.type === 'MODSEQ');
  const completion = enabling ? enableCondstore(scope) : {};
  if (cmd.changedSince !== null && !items.some((i) => i.type === 'MODSEQ')) items.push({ type: 'MODSEQ' });
  if (cmd.vanished && cmd.changedSince !== null) {
    // The UIDs of the set expunged after the modseq (§3.2.6), before the FETCH responses.
    // `*` is the highest UID the mailbox has given (RFC 9051 §6.4.9).
    const max = (store.getMailboxById(view.mailboxId)?.uidNext ?? view.lastUid + 1) - 1;
    const set = clampRanges(resolveSequenceSet(cmd.sequence, max), max);
    const vanished = vanishedSince(store, view, cmd.changedSince, set);
    if (vanished.length > 0) scope.out.write(encodeVanished(vanished, true));
  }
  if (cmd.changedSince !== null) {
    const since = cmd.changedSince;
    uids = uids.filter((uid) => (store.getMessage(view.mailboxId, uid)?.modseq ?? 0) > since);
  }
  if (!view.readOnly && items.some(setsSeen)) {
    const unseen = uids.filter((uid) => {
      const m = store.getMessage(view.mailboxId, uid);
      return m && !m.flags.includes('\\Seen');
    });
    if (unseen.length > 0) {
      const { changes } = await registry.write(view.mailboxId, { kind: 'setFlags', uids: unseen, mode: 'add', flags: ['\\Seen'] });
      for (const c of changes) view.noteOwnChange(c.uid, c.modseq);
      if (!items.some((i) => i.type === 'FLAGS')) items.push({ type: 'FLAGS' });
      // RFC 7162 §3.1: a FETCH that sets \Seen reports UID and MODSEQ once CONDSTORE is on.
      if (condstoreOn(scope)) {
        if (!items.some((i) => i.type === 'UID')) items.unshift({ type: 'UID' });
        if (!items.some((i) => i.type === 'MODSEQ')) items.push({ type: 'MODSEQ' });
      }
    }
  }
  const io = scope.deps.io;
  const showsFlags = items.some((i) => i.type === 'FLAGS');
  if (uids.length > 0 && items.some((i) => i.type === 'MODSEQ')) view.showedModseq();
  if (recordOnlyItems(items)) {
    await fetchRecords(scope, view, uids, items, showsFlags);
    return completion;
  }
  for (const uid of uids) {
    const msg = store.getMessage(view.mailboxId, uid);
    if (!msg) continue; // expunged meanwhile; its EXPUNGE is still owed to the client
    let bytes: Buffer | null = null;
    let index: MessageIndex | null = null;
    let summary: MimeSummary | null = null;
    let headerBytes: Buffer | null | undefined;
    const body = () => (bytes ??= store.readBody(msg));
    const mime = (): MessageIndex => {
      index ??= currentIndex(store, msg);
      if (index === null) throw new StaleIndex();
      return index;
    };
    const data: FetchedData = {
      recent: () => view.isRecent(msg.uid),
      body,
      summary: () => (summary ??= messageSummary(store, msg) ?? summarize(mime())),
      binary: (part) => binaryBytes(mime(), body(), part),
      section: (section) => {
        // BODY[] is the stored bytes as they are: no MIME index to read and decode.
        if (section.part.length === 0 && section.text === null) return body();
        if (bytes !== null || !headerOnly(section)) return sectionBytes(mime(), body(), section) ?? EMPTY;
        // A client listing a mailbox asks header fields of every message: they come from the
        // header block stored apart, without the body or the MIME index.
        if (headerBytes === undefined) headerBytes = store.readHeader(msg);
        if (headerBytes !== null) return topHeaderSection(headerBytes, section);
        // Stored before headers were kept apart: read the body in place, copy out the header.
        const idx = mime();
        return store.withBody(msg, (raw) => {
          const out = sectionBytes(idx, raw, section);
          if (out === null) return EMPTY;
          return out.buffer === raw.buffer ? Buffer.from(out) : out;
        });
      },
    };
    // A keyword the client was not told of goes out in FLAGS before the FETCH that shows it
    // (RFC 3501 §7.2.6), checked per message: another session may add one mid-command.
    if (showsFlags) {
      const announcement = view.announceNewKeywords(store, msg.flags);
      if (announcement) scope.out.write(announcement);
    }
    let response;
    try {
      response = encodeFetch(view.seqOf(uid), items, msg, data);
    } catch (err) {
      if (!(err instanceof StaleIndex)) throw err;
      // Nothing was written: encoding builds the whole response first.
      ({ index, summary } = await reindex(scope.deps.mail.pool, store, msg, body()));
      response = encodeFetch(view.seqOf(uid), items, msg, data);
    }
    scope.out.write(response);
    // The client now has this message's current flags: a change the view has not pulled yet
    // (another session's, arriving during this FETCH) need not be sent again at that modseq.
    // Older changes are pulled already, so most messages cost no note at all.
    if (showsFlags && msg.modseq > view.modseq) view.noteOwnChange(uid, msg.modseq);
    // Large results: let the socket drain instead of buffering the whole mailbox in memory.
    await io.drained();
  }
  return completion;
};
