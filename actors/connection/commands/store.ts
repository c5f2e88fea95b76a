// STORE and UID STORE (RFC 3501 §6.4.6, §6.4.8): change flags, report the result. With
// UNCHANGEDSINCE (RFC 7162 §3.1.3) a message changed after the given modseq is left alone and
// named in [MODIFIED]; which ones is decided in the mailbox's write, never beforehand, so a
// STORE of another session committed in between is always seen.

import { resolveMessageSet } from '../message-set.js';
import { encodeFetchFlags } from '../../../src/protocol/encode/fetch.js';
import { rangesFromNumbers } from '../../../src/protocol/sequence-set.js';
import { viewOf } from './mail-common.js';
import { condstoreOn, enableCondstore } from './resync.js';
import type { CommandHandler, Completion } from './types.js';

export const handleStore: CommandHandler<'STORE'> = async (cmd, scope) => {
  const view = viewOf(scope);
  const uids = resolveMessageSet(view, cmd.sequence, cmd.uid);
  // STORE UNCHANGEDSINCE is a CONDSTORE-enabling command (RFC 7162 §3.1).
  const completion: Completion = cmd.unchangedSince === null ? {} : enableCondstore(scope);
  if (uids.length === 0) return completion;
  const { registry, store } = scope.deps.mail;
  const { changes, modified } = await registry.write(view.mailboxId, {
    kind: 'setFlags',
    uids,
    mode: cmd.mode,
    flags: cmd.flags,
    ...(cmd.unchangedSince === null ? {} : { unchangedSince: cmd.unchangedSince }),
  });
  for (const c of changes) view.noteOwnChange(c.uid, c.modseq);
  const condstore = condstoreOn(scope);
  const failed = new Set(modified);
  const changed = new Set(changes.map((c) => c.uid));
  // The new flags of every message in the set (RFC 3501 §6.4.6), with UID for UID STORE. Under
  // CONDSTORE with UID and MODSEQ; .SILENT then still reports the new MODSEQ of what changed,
  // and of every message a conditional STORE passed (RFC 7162 §3.1.3: "even if .SILENT").
  let out = '';
  for (const uid of uids) {
    if (failed.has(uid)) continue;
    const seq = view.seqOf(uid);
    const msg = store.getMessage(view.mailboxId, uid);
    if (!msg || seq === 0) continue;
    const shownUid = cmd.uid || condstore ? uid : null;
    if (cmd.silent) {
      if (condstore && (changed.has(uid) || cmd.unchangedSince !== null)) out += encodeFetchFlags(seq, shownUid, null, false, msg.modseq);
      continue;
    }
    // A keyword new to the mailbox goes out in FLAGS first (RFC 3501 §7.2.6).
    out += view.announceNewKeywords(store, msg.flags);
    out += encodeFetchFlags(seq, shownUid, msg.flags, view.isRecent(uid), condstore ? msg.modseq : null);
  }
  if (out) scope.out.write(out);
  if (out && condstore) view.showedModseq();
  if (modified.length === 0) return completion;
  // MODIFIED names message numbers for STORE, UIDs for UID STORE (§3.1.3).
  const set = rangesFromNumbers(cmd.uid ? modified : modified.map((uid) => view.seqOf(uid)).filter((s) => s > 0));
  return { ...completion, code: { code: 'MODIFIED', set }, text: 'Conditional STORE failed' };
};
