// CAPABILITY (RFC 9051 §6.1.1) and NOOP (§6.1.2).

import { capabilities } from '../../../src/server/capabilities.js';
import { encodeCapability } from '../../../src/protocol/encode/untagged.js';
import type { CommandHandler, SessionInfo } from './types.js';

export function capabilityList(s: SessionInfo): string[] {
  return capabilities({
    authenticated: s.state !== 'notAuthenticated',
    secure: s.secure,
    tlsAvailable: s.tlsAvailable,
    insecureAuth: s.insecureAuth,
    saslLogin: s.saslLogin,
    appendLimit: s.appendLimit,
  });
}

export const handleCapability: CommandHandler<'CAPABILITY'> = (_cmd, { session, out }) => {
  out.write(encodeCapability(capabilityList(session)));
  return {};
};

/** NOOP does nothing itself; pending mailbox updates are flushed after every command. */
export const handleNoop: CommandHandler<'NOOP'> = () => ({});
