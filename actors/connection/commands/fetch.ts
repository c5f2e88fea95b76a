// FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8; BINARY RFC 3516). Items are served from the
// message record, its stored MIME index (ENVELOPE, BODYSTRUCTURE, section offsets) and the
// stored bytes, which are never re-encoded. A non-PEEK body fetch sets \Seen first and
// reports the new FLAGS (RFC 3501 §6.4.5).

import { no, storageToImap } from '../../../src/errors.js';
import type { FetchItem } from '../../../src/protocol/args.js';
import { ResponseBuilder } from '../../../src/protocol/encode/writer.js';
import type { MessageRecord } from '../../../src/storage/types.js';
import { binaryPart, sectionBytes, topHeaderSection, type MessageIndex } from '../../../src/mime/index.js';
import { summarize, type MimeSummary } from '../../../src/protocol/encode/mime-summary.js';
import { resolveMessageSet } from '../message-set.js';
import { formatFlags, type SessionView } from '../session-view.js';
import { viewOf } from './mail-common.js';
import { formatInternalDate } from './internal-date.js';
import { messageIndex, messageSummary } from './message-index.js';
import type { CommandHandler } from './types.js';

const EMPTY = Buffer.alloc(0);

/** Does fetching this item mark the message \Seen? (RFC 3501 §6.4.5; RFC 3516 §4.2) */
function setsSeen(item: FetchItem): boolean {
  if (item.type === 'BODY[]' || item.type === 'BINARY') return !item.peek;
  return item.type === 'RFC822' || item.type === 'RFC822.TEXT';
}

function sectionName(item: Extract<FetchItem, { type: 'BODY[]' }>): string {
  const part = item.section.part.join('.');
  const t = item.section.text;
  if (!t) return part;
  const text = t.kind === 'HEADER.FIELDS' || t.kind === 'HEADER.FIELDS.NOT' ? `${t.kind} (${t.fields.join(' ')})` : t.kind;
  return part ? `${part}.${text}` : text;
}

/** `<origin.length>` (RFC 3501 §6.4.5): clamped at the end; the reply names only the origin. */
function partial(data: Buffer, range: { offset: number; length: number } | null): Buffer {
  if (!range) return data;
  if (range.offset >= data.length) return data.subarray(0, 0);
  return data.subarray(range.offset, Math.min(data.length, range.offset + range.length));
}

/** The decoded bytes of a BINARY part, or NO [UNKNOWN-CTE] (RFC 3516 §4.3). */
function binaryBytes(index: MessageIndex, raw: Buffer, part: number[]): Buffer | null {
  if (part.length === 0) return raw;
  const out = binaryPart(index, raw, part);
  if (out === null) return null;
  if (!Buffer.isBuffer(out)) throw no({ code: 'UNKNOWN-CTE' }, `Cannot decode the content transfer encoding of part ${part.join('.')}`);
  return out;
}

/** literal8 (RFC 3516 §4.2) when the data holds NUL, which a plain literal must not carry. */
function writeBinary(b: ResponseBuilder, data: Buffer): void {
  if (data.includes(0)) b.raw('~');
  b.literal(data);
}

type Section = Extract<FetchItem, { type: 'BODY[]' }>['section'];

/** The message's own header, or some of its fields: served without loading the whole body. */
function headerOnly(section: Section): boolean {
  const kind = section.text?.kind;
  return section.part.length === 0 && (kind === 'HEADER' || kind === 'HEADER.FIELDS' || kind === 'HEADER.FIELDS.NOT');
}

interface Lazy {
  body: () => Buffer;
  index: () => MessageIndex;
  /** A section's bytes; a section that is empty or names no existing part is empty. */
  section: (section: Section) => Buffer;
  /** Pre-encoded ENVELOPE/BODYSTRUCTURE/BODY when stored, else encoded from the index. */
  summary: () => MimeSummary;
}

function writeItem(b: ResponseBuilder, item: FetchItem, msg: MessageRecord, view: SessionView, lazy: Lazy): void {
  switch (item.type) {
    case 'UID':
      b.raw(`UID ${msg.uid}`);
      return;
    case 'FLAGS':
      b.raw(`FLAGS ${formatFlags(msg.flags, view.isRecent(msg.uid))}`);
      return;
    case 'INTERNALDATE':
      b.raw(`INTERNALDATE "${formatInternalDate(msg.internalDate)}"`);
      return;
    case 'RFC822.SIZE':
      b.raw(`RFC822.SIZE ${msg.size}`);
      return;
    case 'ENVELOPE':
      b.raw(`ENVELOPE ${lazy.summary().envelope}`);
      return;
    case 'BODYSTRUCTURE':
      b.raw(`BODYSTRUCTURE ${lazy.summary().bodystructure}`);
      return;
    case 'BODY':
      b.raw(`BODY ${lazy.summary().body}`);
      return;
    case 'RFC822':
      b.raw('RFC822 ').literal(lazy.body());
      return;
    case 'RFC822.HEADER':
      b.raw('RFC822.HEADER ').literal(lazy.section({ part: [], text: { kind: 'HEADER' } }));
      return;
    case 'RFC822.TEXT':
      b.raw('RFC822.TEXT ').literal(sectionBytes(lazy.index(), lazy.body(), { part: [], text: { kind: 'TEXT' } }) ?? Buffer.alloc(0));
      return;
    case 'BODY[]': {
      const origin = item.partial ? `<${item.partial.offset}>` : '';
      // A section naming no existing part is an empty string, as Dovecot answers.
      const data = lazy.section(item.section);
      b.raw(`BODY[${sectionName(item)}]${origin} `).literal(partial(data, item.partial));
      return;
    }
    case 'BINARY': {
      const origin = item.partial ? `<${item.partial.offset}>` : '';
      const data = binaryBytes(lazy.index(), lazy.body(), item.part);
      b.raw(`BINARY[${item.part.join('.')}]${origin} `);
      if (data === null) b.nil();
      else writeBinary(b, partial(data, item.partial));
      return;
    }
    case 'BINARY.SIZE': {
      const data = binaryBytes(lazy.index(), lazy.body(), item.part);
      b.raw(`BINARY.SIZE[${item.part.join('.')}] ${data === null ? 0 : data.length}`);
      return;
    }
  }
}

export const handleFetch: CommandHandler<'FETCH'> = async (cmd, scope) => {
  const view = viewOf(scope);
  const uids = resolveMessageSet(view, cmd.sequence, cmd.uid);
  const { store, registry } = scope.deps.mail;
  // UID FETCH always reports UID (RFC 3501 §6.4.8); a \Seen change always reports FLAGS.
  const items = [...cmd.items];
  if (cmd.uid && !items.some((i) => i.type === 'UID')) items.unshift({ type: 'UID' });
  if (!view.readOnly && items.some(setsSeen)) {
    const unseen = uids.filter((uid) => {
      const m = store.getMessage(view.mailboxId, uid);
      return m && !m.flags.includes('\\Seen');
    });
    if (unseen.length > 0) {
      try {
        const changes = await registry.write(view.mailboxId, { kind: 'setFlags', uids: unseen, mode: 'add', flags: ['\\Seen'] });
        for (const c of changes) view.noteOwnChange(c.uid, c.modseq);
      } catch (err) {
        throw storageToImap(err);
      }
      if (!items.some((i) => i.type === 'FLAGS')) items.push({ type: 'FLAGS' });
    }
  }
  const io = scope.deps.io;
  const showsFlags = items.some((i) => i.type === 'FLAGS');
  for (const uid of uids) {
    const msg = store.getMessage(view.mailboxId, uid);
    if (!msg) continue; // expunged meanwhile; its EXPUNGE is still owed to the client
    let bytes: Buffer | null = null;
    let index: MessageIndex | null = null;
    let summary: MimeSummary | null = null;
    let headerBytes: Buffer | null | undefined;
    const body = () => (bytes ??= store.readBody(msg));
    const lazy: Lazy = {
      body,
      index: () => (index ??= messageIndex(store, msg, body)),
      summary: () => (summary ??= messageSummary(store, msg) ?? summarize(lazy.index())),
      section: (section) => {
        // BODY[] is the stored bytes as they are: no MIME index to read and decode.
        if (section.part.length === 0 && section.text === null) return body();
        if (bytes !== null || !headerOnly(section)) return sectionBytes(lazy.index(), body(), section) ?? EMPTY;
        // A client listing a mailbox asks header fields of every message: they come from the
        // header block stored apart, without the body or the MIME index.
        if (headerBytes === undefined) headerBytes = store.readHeader(msg);
        if (headerBytes !== null) return topHeaderSection(headerBytes, section);
        // Stored before headers were kept apart: read the body in place, copy out the header.
        const idx = lazy.index();
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
    const b = new ResponseBuilder();
    b.raw(`* ${view.seqOf(uid)} FETCH (`);
    items.forEach((item, i) => {
      if (i > 0) b.sp();
      writeItem(b, item, msg, view, lazy);
    });
    b.raw(')').crlf();
    scope.out.write(b.toChunks());
    // Large results: let the socket drain instead of buffering the whole mailbox in memory.
    await io.drained();
  }
  return {};
};
