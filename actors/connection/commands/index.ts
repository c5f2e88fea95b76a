// The handler table: which handler runs each command that reaches the generic run step, and
// the one boundary where a handler's outcome becomes what the machine answers. Commands the
// registry marks `runs: 'machine'` (STARTTLS, LOGIN, AUTHENTICATE, LOGOUT, IDLE) change the
// session by themselves and are transitions of the connection machine instead.

import type { ParsedCommand } from '../../../src/protocol/args.js';
import { ImapError, no, storageToImap } from '../../../src/errors.js';
import { COMMANDS, expungeAllowed, type HandlerCommandName } from '../../../src/protocol/commands.js';
import { encodeStatus } from '../../../src/protocol/encode/status.js';
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

/** Complete by type: a command the registry says a handler runs cannot lack one. */
type HandlerTable = { [N in HandlerCommandName]: CommandHandler<N> };

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

/** The handler of a command the registry says a handler runs, or null for the machine's own. */
export function handlerOf(name: ParsedCommand['name']): CommandHandler<HandlerCommandName> | null {
  return COMMANDS[name].runs === 'handler' ? HANDLERS[name as HandlerCommandName] : null;
}

/**
 * Runs the command's handler, then delivers pending mailbox updates before the tagged reply
 * (RFC 3501 §7.4.1 decides whether EXPUNGE may be among them). Failures leave here as
 * ImapErrors, mapped once: a storage error by its kind, with [TRYCREATE] for a missing mailbox
 * where the registry says so.
 */
export async function runHandler(cmd: ParsedCommand, scope: CommandScope): Promise<Completion> {
  const spec = COMMANDS[cmd.name];
  const handler = handlerOf(cmd.name);
  if (!handler) throw new Error(`${cmd.name} is run by the connection machine, not by a handler`);
  const allowExpunge = expungeAllowed(cmd.name, 'uid' in cmd && cmd.uid);
  try {
    // RFC 3501 §6.3.2: a mailbox opened with EXAMINE is read-only.
    if (spec.writes && scope.deps.session.view?.readOnly) throw no(undefined, 'Mailbox is read-only (opened with EXAMINE)');
    const view = scope.deps.session.view;
    const vanishedBefore = view?.vanishedSent ?? 0;
    const modseqBefore = view?.modseqShown ?? 0;
    const completion = await handler(cmd as CommandOf<HandlerCommandName>, scope);
    if (!spec.leavesMailbox) await deliverUpdates(scope, allowExpunge);
    // Under QRESYNC the tagged OK may say which modseq the client is at (RFC 7162 §3.2):
    // - while an expunge is held back (FETCH, STORE, SEARCH by number) the MODSEQs this command
    //   showed may be above it: just below it, so a client that drops now resynchronises across it;
    // - after a VANISHED, which carries no modseq: the view's, every change up to it having been
    //   written once the updates are delivered (as Dovecot answers).
    if (view?.qresync && view === scope.deps.session.view) {
      const held = view.modseqBeforeHeldExpunges;
      if (held !== null && view.modseqShown > modseqBefore) {
        const code = { code: 'HIGHESTMODSEQ', value: held } as const;
        if (completion.code === undefined) return { ...completion, code };
        scope.out.write(encodeStatus({ tag: '*', status: 'OK', code, text: 'Highest' }));
      } else if (view.vanishedSent > vanishedBefore && completion.code === undefined) {
        return { ...completion, code: { code: 'HIGHESTMODSEQ', value: view.modseq } };
      }
    }
    return completion;
  } catch (thrown) {
    let err = storageToImap(thrown, { tryCreate: spec.tryCreate });
    // A failed command still reports what changed meanwhile (RFC 9051 §7: untagged data may
    // precede any tagged reply); a failed SELECT has already left the mailbox.
    if (err instanceof ImapError && !spec.leavesMailbox) {
      try {
        await deliverUpdates(scope, allowExpunge);
      } catch (next) {
        // The selected mailbox went meanwhile: that ends the session, whatever this failure was.
        if (!(next instanceof ImapError)) throw next;
        if (next.disconnect && !err.disconnect) err = next;
      }
    }
    throw err;
  }
}
