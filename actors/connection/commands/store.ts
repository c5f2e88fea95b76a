// STORE and UID STORE (RFC 3501 §6.4.6, §6.4.8): change flags, report the result.

import { resolveMessageSet } from '../message-set.js';
import { encodeFetchFlags } from '../../../src/protocol/encode/fetch.js';
import { viewOf } from './mail-common.js';
import type { CommandHandler } from './types.js';

export const handleStore: CommandHandler<'STORE'> = async (cmd, scope) => {
  const view = viewOf(scope);
  const uids = resolveMessageSet(view, cmd.sequence, cmd.uid);
  if (uids.length === 0) return {};
  const { registry, store } = scope.deps.mail;
  const { changes } = await registry.write(view.mailboxId, { kind: 'setFlags', uids, mode: cmd.mode, flags: cmd.flags });
  for (const c of changes) view.noteOwnChange(c.uid, c.modseq);
  if (cmd.silent) return {};
  // The new flags of every message in the set (RFC 3501 §6.4.6), with UID for UID STORE.
  let out = '';
  for (const uid of uids) {
    const seq = view.seqOf(uid);
    const msg = store.getMessage(view.mailboxId, uid);
    if (!msg || seq === 0) continue;
    // A keyword new to the mailbox goes out in FLAGS first (RFC 3501 §7.2.6).
    out += view.announceNewKeywords(store, msg.flags);
    out += encodeFetchFlags(seq, cmd.uid ? uid : null, msg.flags, view.isRecent(uid));
  }
  if (out) scope.out.write(out);
  return {};
};
