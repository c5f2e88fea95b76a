// COPY / UID COPY (RFC 3501 §6.4.7) and MOVE / UID MOVE (RFC 6851), with COPYUID
// (UIDPLUS, RFC 4315 §3). A missing destination is NO [TRYCREATE].

import { encodeStatus } from '../../../src/protocol/encode/status.js';
import { rangesFromNumbers } from '../../../src/protocol/sequence-set.js';
import type { ResponseCode } from '../../../src/protocol/response-codes.js';
import type { CopyResult } from '../../../src/storage/types.js';
import { resolveMessageSet } from '../message-set.js';
import { destinationMailbox, viewOf } from './mail-common.js';
import type { CommandHandler } from './types.js';

function copyUid(result: CopyResult): ResponseCode {
  return {
    code: 'COPYUID',
    uidValidity: result.uidValidity,
    // Source and destination UIDs correspond in order (RFC 4315 §3); both lists ascend.
    source: rangesFromNumbers(result.pairs.map(([s]) => s)),
    destination: rangesFromNumbers(result.pairs.map(([, d]) => d)),
  };
}

export const handleCopyMove: CommandHandler<'COPY' | 'MOVE'> = async (cmd, scope) => {
  const view = viewOf(scope);
  const uids = resolveMessageSet(view, cmd.sequence, cmd.uid);
  const dest = destinationMailbox(scope, cmd.mailbox);
  if (uids.length === 0) return {};
  const { registry } = scope.deps.mail;
  // Both go through the source's mailbox actor; destination UIDs are allocated inside the
  // transaction, so concurrent writers of the destination cannot collide with them.
  const result: CopyResult =
    cmd.name === 'COPY'
      ? await registry.write(view.mailboxId, { kind: 'copy', uids, destinationId: dest.id })
      : await registry.write(view.mailboxId, { kind: 'move', uids, destinationId: dest.id });
  if (result.pairs.length === 0) return {};
  if (cmd.name === 'COPY') return { code: copyUid(result), text: 'COPY completed' };
  // RFC 6851 §4.3: COPYUID comes in an untagged OK before the EXPUNGEs of the moved messages.
  scope.out.write(encodeStatus({ tag: '*', status: 'OK', code: copyUid(result), text: 'Moved' }));
  return {};
};
