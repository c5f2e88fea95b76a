// SELECT and EXAMINE (RFC 3501 §6.3.1-2, RFC 9051 §6.3.2-3): open a mailbox and tell the
// client its state. A SELECT that fails leaves no mailbox selected.

import { encodeExistsRecent } from '../../../src/protocol/encode/mailbox.js';
import { encodeStatus } from '../../../src/protocol/encode/status.js';
import { SessionView } from '../session-view.js';
import { selectableMailbox } from './mail-common.js';
import type { CommandHandler, CommandScope } from './types.js';

function untaggedOk(code: Parameters<typeof encodeStatus>[0]['code'], text: string): string {
  return encodeStatus(code ? { tag: '*', status: 'OK', code, text } : { tag: '*', status: 'OK', text });
}

/** Sequence number of the first message without \Seen, or 0. */
function firstUnseenSeq(scope: CommandScope, view: SessionView): number {
  const store = scope.deps.mail.store;
  const uids = view.knownUids();
  for (let i = 0; i < uids.length; i++) {
    const msg = store.getMessage(view.mailboxId, uids[i]!);
    if (msg && !msg.flags.includes('\\Seen')) return i + 1;
  }
  return 0;
}

export const handleSelect: CommandHandler<'SELECT' | 'EXAMINE'> = async (cmd, scope) => {
  const { store, registry } = scope.deps.mail;
  const readOnly = cmd.name === 'EXAMINE';
  // The previous mailbox is closed first, whatever happens next (RFC 9051 §6.3.2): the machine
  // drops its view when this fails and installs the new one when it succeeds.
  if (scope.deps.session.view !== null) scope.out.write(untaggedOk({ code: 'CLOSED' }, 'Previous mailbox closed'));
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
  scope.out.write(out);
  return {
    code: { code: readOnly ? 'READ-ONLY' : 'READ-WRITE' },
    text: `${cmd.name} completed`,
    selected: { mailboxId: mb.id, name: mb.name, readOnly, view },
  };
};
