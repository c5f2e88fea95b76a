// SELECT and EXAMINE (RFC 3501 §6.3.1-2, RFC 9051 §6.3.2-3): open a mailbox and tell the
// client its state. A SELECT that fails leaves no mailbox selected. With the CONDSTORE
// parameter it enables CONDSTORE (RFC 7162 §3.1.8); with QRESYNC it also says what changed
// since the client's last known modseq (§3.2.5).

import { bad } from '../../../src/errors.js';
import { encodeExistsRecent } from '../../../src/protocol/encode/mailbox.js';
import { mailboxObjectId } from '../../../src/protocol/encode/object-id.js';
import { encodeStatus } from '../../../src/protocol/encode/status.js';
import { SessionView } from '../session-view.js';
import { selectableMailbox } from './mail-common.js';
import { condstoreEnabled, qresyncResponses } from './resync.js';
import type { CommandHandler, CommandScope } from './types.js';

function untaggedOk(code: Parameters<typeof encodeStatus>[0]['code'], text: string): string {
  return encodeStatus(code ? { tag: '*', status: 'OK', code, text } : { tag: '*', status: 'OK', text });
}

/**
 * Sequence number of the first message without \Seen, or 0: from the store's unseen index. A
 * message added after the view's UIDs were read is not in the view (0), and then no message the
 * view has is unseen either, since the index's first is the lowest UID.
 */
function firstUnseenSeq(scope: CommandScope, view: SessionView): number {
  const uid = scope.deps.mail.store.firstUnseen(view.mailboxId);
  return uid === null ? 0 : view.seqOf(uid);
}

export const handleSelect: CommandHandler<'SELECT' | 'EXAMINE'> = async (cmd, scope) => {
  const { store, registry } = scope.deps.mail;
  const readOnly = cmd.name === 'EXAMINE';
  // The previous mailbox is closed first, whatever happens next (RFC 9051 §6.3.2): the machine
  // drops its view when this fails and installs the new one when it succeeds. Even the BAD
  // below closes it, so CLOSED comes before (RFC 7162 §3.2.11).
  if (scope.deps.session.view !== null) scope.out.write(untaggedOk({ code: 'CLOSED' }, 'Previous mailbox closed'));
  // RFC 7162 §3.2.5: the QRESYNC parameter is a client error unless QRESYNC was enabled.
  const qresync = scope.session.enabled.includes('QRESYNC');
  if (cmd.qresync !== null && !qresync) throw bad('QRESYNC parameter without ENABLE QRESYNC');
  const mb = selectableMailbox(scope, cmd.mailbox);

  // Read the record before the UIDs: anything committed in between shows up again in the
  // first pull, which tolerates repeats; the other order could miss a change.
  const view = new SessionView({
    mailboxId: mb.id,
    readOnly,
    uidValidity: mb.uidValidity,
    uids: store.uids(mb.id),
    modseq: mb.highestModseq,
  });
  view.condstore = cmd.condstore || condstoreEnabled(scope.session.enabled);
  view.qresync = qresync;
  // EXAMINE shows what no session has claimed as recent, and claims nothing (RFC 3501 §6.3.2);
  // SELECT claims it, stored before anything is shown.
  view.addRecent(readOnly ? { from: registry.recentFloor(mb.id), to: view.lastUid } : await registry.claimRecent(mb.id, view.lastUid));
  // FLAGS lists every keyword the mailbox's messages may carry: a client that tracks the list
  // treats a keyword it was not told of as a protocol error (RFC 3501 §7.2.6).
  const unseen = mb.unseen > 0 ? firstUnseenSeq(scope, view) : 0;
  let out = view.announceFlags(store.keywords(mb.id));
  out += encodeExistsRecent(view.exists, view.recentCount());
  if (unseen > 0) out += untaggedOk({ code: 'UNSEEN', value: unseen }, `Message ${unseen} is first unseen`);
  out += untaggedOk({ code: 'UIDVALIDITY', value: mb.uidValidity }, 'UIDs valid');
  out += untaggedOk({ code: 'UIDNEXT', value: mb.uidNext }, 'Predicted next UID');
  // RFC 7162 §3.1.2.1: a server that keeps modseqs persistently sends HIGHESTMODSEQ at every
  // SELECT, CONDSTORE on or not, and never NOMODSEQ. The value is the one read with the UIDs
  // above, so everything up to it is in what the client is told now.
  out += untaggedOk({ code: 'HIGHESTMODSEQ', value: mb.highestModseq }, 'Highest');
  out += untaggedOk({ code: 'MAILBOXID', id: mailboxObjectId(mb.uidValidity) }, 'Ok');
  if (cmd.qresync !== null) out += qresyncResponses(store, view, mb, cmd.qresync);
  scope.out.write(out);
  return {
    code: { code: readOnly ? 'READ-ONLY' : 'READ-WRITE' },
    text: `${cmd.name} completed`,
    selected: { mailboxId: mb.id, name: mb.name, readOnly, view },
    ...(cmd.condstore && !condstoreEnabled(scope.session.enabled) ? { enabled: ['CONDSTORE'] } : {}),
  };
};
