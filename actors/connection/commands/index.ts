// The command table: which handler runs each command that reaches the generic run step.
// Commands that change the session state by themselves (STARTTLS, LOGIN, AUTHENTICATE,
// LOGOUT, IDLE) are transitions of the connection machine instead, so they have no entry.

import type { ParsedCommand } from '../../../src/protocol/args.js';
import { bad, ImapError } from '../../../src/errors.js';
import { handleAppend } from './append.js';
import { handleCapability, handleNoop } from './capability.js';
import { handleCheck, handleClose, handleExpunge } from './close.js';
import { handleCopyMove } from './copy-move.js';
import { handleEnable } from './enable.js';
import { handleFetch } from './fetch.js';
import { handleId } from './id.js';
import { handleList } from './list.js';
import { deliverUpdates } from './mail-common.js';
import { handleCreate, handleDelete, handleRename, handleSubscribe } from './mailboxes.js';
import { handleNamespace } from './namespace.js';
import { handleSearch } from './search.js';
import { handleSelect } from './select.js';
import { handleStatus } from './status.js';
import { handleStore } from './store.js';
import type { CommandHandler, CommandOf, CommandScope, Completion } from './types.js';

type HandlerTable = { [N in ParsedCommand['name']]?: CommandHandler<N> };

const HANDLERS: HandlerTable = {
  CAPABILITY: handleCapability,
  NOOP: handleNoop,
  ID: handleId,
  ENABLE: handleEnable,
  NAMESPACE: handleNamespace,
  SELECT: handleSelect,
  EXAMINE: handleSelect,
  CREATE: handleCreate,
  DELETE: handleDelete,
  RENAME: handleRename,
  SUBSCRIBE: handleSubscribe,
  UNSUBSCRIBE: handleSubscribe,
  LIST: handleList,
  LSUB: handleList,
  STATUS: handleStatus,
  APPEND: handleAppend,
  CHECK: handleCheck,
  CLOSE: handleClose,
  UNSELECT: handleClose,
  EXPUNGE: handleExpunge,
  STORE: handleStore,
  COPY: handleCopyMove,
  MOVE: handleCopyMove,
  FETCH: handleFetch,
  SEARCH: handleSearch,
};

/**
 * RFC 3501 §7.4.1: no EXPUNGE while answering FETCH, STORE or SEARCH (their UID forms may),
 * since the client could not tell which message a sequence number meant.
 */
function expungeAllowed(cmd: ParsedCommand): boolean {
  if (cmd.name === 'FETCH' || cmd.name === 'STORE' || cmd.name === 'SEARCH') return cmd.uid;
  return true;
}

/** Runs the command's handler, then delivers pending mailbox updates before the tagged reply. */
export async function runHandler(cmd: ParsedCommand, scope: CommandScope): Promise<Completion> {
  const handler = HANDLERS[cmd.name] as CommandHandler<typeof cmd.name> | undefined;
  if (!handler) throw bad(`${cmd.name} is not supported`);
  try {
    const completion = await handler(cmd as CommandOf<typeof cmd.name>, scope);
    if (!completion.deselected) await deliverUpdates(scope, expungeAllowed(cmd));
    return completion;
  } catch (err) {
    // A failed command still reports what changed meanwhile (RFC 9051 §7: untagged data may
    // precede any tagged reply); a failed SELECT has already left the mailbox.
    if (err instanceof ImapError) await deliverUpdates(scope, expungeAllowed(cmd));
    throw err;
  }
}
