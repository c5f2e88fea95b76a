// ENABLE (RFC 5161): turns on extensions that change how the server talks. Names the server
// does not know or that need no enabling are ignored (§3.1); the `* ENABLED` response lists
// only what this command newly enabled.

import { encodeEnabled } from '../../../src/protocol/encode/untagged.js';
import type { CommandHandler } from './types.js';

/** Extensions that can be ENABLEd. Empty until CONDSTORE/QRESYNC/UTF8=ACCEPT are implemented. */
export const ENABLEABLE: ReadonlySet<string> = new Set<string>();

export const handleEnable: CommandHandler<'ENABLE'> = (cmd, { session, out }) => {
  const enabled: string[] = [];
  for (const cap of cmd.capabilities) {
    if (ENABLEABLE.has(cap) && !session.enabled.includes(cap) && !enabled.includes(cap)) enabled.push(cap);
  }
  out.write(encodeEnabled(enabled));
  return { enabled };
};
