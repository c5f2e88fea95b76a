// ID (RFC 2971): the client tells who it is; we log it and answer with our own name.

import { VERSION } from '../../../src/version.js';
import { encodeId } from '../../../src/protocol/encode/untagged.js';
import type { CommandHandler } from './types.js';

/** What the server says about itself: name and version only, nothing that helps an attacker more. */
export const SERVER_ID: ReadonlyArray<[string, string]> = [
  ['name', 'Gannet'],
  ['version', VERSION],
];

export const handleId: CommandHandler<'ID'> = (cmd, { out, deps }) => {
  if (cmd.params && cmd.params.length > 0) {
    deps.logger.info({ clientId: Object.fromEntries(cmd.params) }, 'client identified itself');
  }
  out.write(encodeId(SERVER_ID));
  return {};
};
