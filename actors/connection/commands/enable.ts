// ENABLE (RFC 5161): turns on extensions that change how the server talks. Names the server
// does not know or that need no enabling are ignored (§3.1); the `* ENABLED` response lists
// only what this command newly enabled.

import { encodeEnabled } from '../../../src/protocol/encode/untagged.js';
import type { CommandHandler } from './types.js';

/**
 * Extensions that can be ENABLEd: CONDSTORE and QRESYNC (RFC 7162 §3.1, §3.2.3; QRESYNC implies
 * CONDSTORE, which commands/resync.ts takes into account).
 */
export const ENABLEABLE: ReadonlySet<string> = new Set<string>(['CONDSTORE', 'QRESYNC']);

export const handleEnable: CommandHandler<'ENABLE'> = (cmd, { session, out }) => {
  const enabled: string[] = [];
  for (const cap of cmd.capabilities) {
    if (ENABLEABLE.has(cap) && !session.enabled.includes(cap) && !enabled.includes(cap)) enabled.push(cap);
  }
  out.write(encodeEnabled(enabled));
  return { enabled };
};
