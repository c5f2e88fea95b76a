// FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8; BINARY RFC 3516). Items served from the
// message record and the stored bytes; a non-PEEK body fetch sets \Seen first and reports
// the new FLAGS (RFC 3501 §6.4.5).

import { no, storageToImap } from '../../../src/errors.js';
import type { FetchItem } from '../../../src/protocol/args.js';
import { ResponseBuilder } from '../../../src/protocol/encode/writer.js';
import type { MessageRecord } from '../../../src/storage/types.js';
import { headerOf, selectHeaderFields, textOf } from '../../../src/message/top-level.js';
import { resolveMessageSet } from '../message-set.js';
import { formatFlags } from '../session-view.js';
import type { SessionView } from '../session-view.js';
import { viewOf } from './mail-common.js';
import { formatInternalDate } from './internal-date.js';
import type { CommandHandler } from './types.js';

/** Items this build can answer; the rest need the MIME index (parsed at store time). */
function unsupported(item: FetchItem): string | null {
  switch (item.type) {
    case 'ENVELOPE':
    case 'BODY':
    case 'BODYSTRUCTURE':
      return item.type;
    case 'BODY[]':
      return item.section.part.length > 0 ? 'body part sections' : null;
    case 'BINARY':
    case 'BINARY.SIZE':
      return item.part.length > 0 ? 'BINARY part sections' : null;
    default:
      return null;
  }
}

/** Does fetching this item mark the message \Seen? (RFC 3501 §6.4.5; RFC 3516 §4.2) */
function setsSeen(item: FetchItem): boolean {
  if (item.type === 'BODY[]' || item.type === 'BINARY') return !item.peek;
  return item.type === 'RFC822' || item.type === 'RFC822.TEXT';
}

function sectionName(item: Extract<FetchItem, { type: 'BODY[]' }>): string {
  const t = item.section.text;
  if (!t) return '';
  if (t.kind === 'HEADER.FIELDS' || t.kind === 'HEADER.FIELDS.NOT') return `${t.kind} (${t.fields.join(' ')})`;
  return t.kind;
}

function sectionBytes(body: Buffer, item: Extract<FetchItem, { type: 'BODY[]' }>): Buffer {
  const t = item.section.text;
  if (!t) return body;
  switch (t.kind) {
    case 'HEADER':
      return headerOf(body);
    case 'TEXT':
      return textOf(body);
    case 'HEADER.FIELDS':
      return selectHeaderFields(body, t.fields, false);
    case 'HEADER.FIELDS.NOT':
      return selectHeaderFields(body, t.fields, true);
    case 'MIME':
      return body; // unreachable: MIME needs a part number, refused above
  }
}

/** `<origin.length>` (RFC 3501 §6.4.5): clamped at the end; the reply names only the origin. */
function partial(data: Buffer, range: { offset: number; length: number } | null): Buffer {
  if (!range) return data;
  if (range.offset >= data.length) return data.subarray(0, 0);
  return data.subarray(range.offset, Math.min(data.length, range.offset + range.length));
}

function writeItem(b: ResponseBuilder, item: FetchItem, msg: MessageRecord, view: SessionView, body: () => Buffer): void {
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
    case 'RFC822':
      b.raw('RFC822 ').literal(body());
      return;
    case 'RFC822.HEADER':
      b.raw('RFC822.HEADER ').literal(headerOf(body()));
      return;
    case 'RFC822.TEXT':
      b.raw('RFC822.TEXT ').literal(textOf(body()));
      return;
    case 'BODY[]': {
      const origin = item.partial ? `<${item.partial.offset}>` : '';
      b.raw(`BODY[${sectionName(item)}]${origin} `).literal(partial(sectionBytes(body(), item), item.partial));
      return;
    }
    case 'BINARY': {
      // The whole message: no content transfer encoding to undo at the top level.
      const origin = item.partial ? `<${item.partial.offset}>` : '';
      b.raw(`BINARY[]${origin} `).literal(partial(body(), item.partial));
      return;
    }
    case 'BINARY.SIZE':
      b.raw(`BINARY.SIZE[] ${msg.size}`);
      return;
    default:
      throw no({ code: 'CANNOT' }, `${item.type} is not available yet`);
  }
}

export const handleFetch: CommandHandler<'FETCH'> = async (cmd, scope) => {
  const view = viewOf(scope);
  for (const item of cmd.items) {
    const what = unsupported(item);
    if (what) throw no({ code: 'CANNOT' }, `FETCH of ${what} is not available yet`);
  }
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
  for (const uid of uids) {
    const msg = store.getMessage(view.mailboxId, uid);
    if (!msg) continue; // expunged meanwhile; its EXPUNGE is still owed to the client
    let bytes: Buffer | null = null;
    const body = () => (bytes ??= store.readBody(msg));
    const b = new ResponseBuilder();
    b.raw(`* ${view.seqOf(uid)} FETCH (`);
    items.forEach((item, i) => {
      if (i > 0) b.sp();
      writeItem(b, item, msg, view, body);
    });
    b.raw(')').crlf();
    scope.out.write(b.toChunks());
    // Large results: let the socket drain instead of buffering the whole mailbox in memory.
    await io.drained();
  }
  return {};
};
