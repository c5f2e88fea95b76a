// CHECK (RFC 3501 §6.4.1), CLOSE (§6.4.2), UNSELECT (RFC 3691), EXPUNGE (§6.4.3) and
// UID EXPUNGE (RFC 4315 §2.1).

import { no } from '../../../src/errors.js';
import { resolveMessageSet } from '../message-set.js';
import { deliverUpdates, viewOf } from './mail-common.js';
import type { CommandHandler } from './types.js';

/** Every write is durable before it is acknowledged, so there is nothing to checkpoint. */
export const handleCheck: CommandHandler<'CHECK'> = () => ({});

export const handleClose: CommandHandler<'CLOSE' | 'UNSELECT'> = async (cmd, scope) => {
  const view = viewOf(scope);
  // CLOSE expunges silently, and only when the mailbox is writable (RFC 3501 §6.4.2).
  if (cmd.name === 'CLOSE' && !view.readOnly) {
    await scope.deps.mail.registry.write(view.mailboxId, { kind: 'expunge', uids: null });
  }
  // The machine drops the view as it leaves the selected state.
  return { deselected: true };
};

export const handleExpunge: CommandHandler<'EXPUNGE'> = async (cmd, scope) => {
  const view = viewOf(scope);
  let uids: number[] | null = null;
  if (cmd.uid) {
    if (!cmd.sequence) throw no({ code: 'CLIENTBUG' }, 'UID EXPUNGE needs a UID set');
    uids = resolveMessageSet(view, cmd.sequence, true);
    if (uids.length === 0) return {};
  }
  // With a UID set only the \Deleted ones among them go (RFC 4315 §2.1). Which those are is
  // decided inside the write's transaction: a -FLAGS (\Deleted) committed meanwhile by
  // another session keeps its message.
  await scope.deps.mail.registry.write(view.mailboxId, { kind: 'expunge', uids });
  if (!view.qresync) return {};
  // VANISHED carries no modseq, so under QRESYNC the tagged OK says up to where the client now
  // is (RFC 7162 §3.2.10, as Dovecot answers): every change up to the view's modseq has been
  // sent once the updates are delivered here rather than after the handler.
  await deliverUpdates(scope, true);
  return { code: { code: 'HIGHESTMODSEQ', value: view.modseq }, text: 'EXPUNGE completed' };
};
