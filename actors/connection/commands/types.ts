// The uniform shape of a command handler: typed arguments in, a Completion or a thrown
// ImapError out. Handlers write untagged data through `out`; the tagged line is written by
// the connection machine, the one place that ends a command.

import type { ParsedCommand } from '../../../src/protocol/args.js';
import type { ResponseCode } from '../../../src/protocol/response-codes.js';
import type { Chunk } from '../../../src/server/connection-io.js';
import type { ConnectionDeps } from '../deps.js';
import type { SessionState } from '../admission.js';
import type { SessionView } from '../session-view.js';

export interface Completion {
  code?: ResponseCode;
  /** Text of the tagged OK; defaults to `<NAME> completed`. */
  text?: string;
  /** Extensions this command turned on (ENABLE). */
  enabled?: string[];
  /**
   * SELECT/EXAMINE succeeded: the session is now in the selected state, with this view of the
   * mailbox. The machine installs it; no handler assigns session state.
   */
  selected?: { mailboxId: number; name: string; readOnly: boolean; view: SessionView };
  /** CLOSE/UNSELECT, or a failed SELECT: the session is back in the authenticated state. */
  deselected?: boolean;
}

export interface SessionInfo {
  cid: string;
  state: SessionState;
  user: string | null;
  secure: boolean;
  tlsAvailable: boolean;
  insecureAuth: boolean;
  saslLogin: boolean;
  enabled: readonly string[];
  /** APPENDLIMIT in bytes for this session's account. */
  appendLimit: number;
}

export interface CommandScope {
  session: SessionInfo;
  /** Untagged responses, written in order before the tagged reply. */
  out: {
    write(data: Chunk | Chunk[]): void;
    /**
     * Reserves the next place in the output for data known later: whatever is written after
     * this waits until the returned function is called (once) with that data.
     */
    reserve(): (data: Chunk | Chunk[]) => void;
  };
  deps: ConnectionDeps;
}

export type { CommandOf } from '../../../src/protocol/args.js';
import type { CommandOf } from '../../../src/protocol/args.js';

export type CommandHandler<N extends ParsedCommand['name']> = (cmd: CommandOf<N>, scope: CommandScope) => Completion | Promise<Completion>;
