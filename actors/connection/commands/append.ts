// APPEND (RFC 3501 §6.3.11) with APPENDUID (UIDPLUS, RFC 4315 §3). The size limit was
// enforced before the literal was accepted (TOOBIG, RFC 7889); a missing mailbox is TRYCREATE.

import { no } from '../../../src/errors.js';
import { storedForm } from '../../../src/protocol/encode/mime-summary.js';
import { accountOf, destinationMailbox } from './mail-common.js';
import type { CommandHandler } from './types.js';

export const handleAppend: CommandHandler<'APPEND'> = async (cmd, scope) => {
  const { registry, config } = scope.deps.mail;
  const mb = destinationMailbox(scope, cmd.mailbox);
  const limit = accountOf(scope).appendLimit ?? config.appendLimit;
  if (cmd.message.length > limit) throw no({ code: 'TOOBIG' }, `Message exceeds the limit of ${limit} bytes`);
  if (cmd.message.length === 0) throw no(undefined, 'Empty message');
  // Parsed once, off the event loop, and stored with the bytes: FETCH never parses again.
  const stored = storedForm(await scope.deps.mail.pool.parseMime(cmd.message));
  const result = await registry.write(mb.id, {
    kind: 'append',
    items: [{ body: cmd.message, flags: cmd.flags, internalDate: (cmd.date ?? new Date()).getTime(), ...stored }],
  });
  return { code: { code: 'APPENDUID', uidValidity: result.uidValidity, uid: result.uids[0]! }, text: 'APPEND completed' };
};
