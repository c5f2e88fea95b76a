// The command table: which handler runs each command that reaches the generic run step.
// Commands that change the session state (STARTTLS, LOGIN, AUTHENTICATE, LOGOUT) are
// transitions of the connection machine instead, so they have no entry here.

import type { ParsedCommand } from '../../../src/protocol/args.js';
import { bad } from '../../../src/errors.js';
import { handleCapability, handleNoop } from './capability.js';
import { handleEnable } from './enable.js';
import { handleId } from './id.js';
import type { CommandHandler, CommandOf, CommandScope, Completion } from './types.js';

type HandlerTable = { [N in ParsedCommand['name']]?: CommandHandler<N> };

const HANDLERS: HandlerTable = {
  CAPABILITY: handleCapability,
  NOOP: handleNoop,
  ID: handleId,
  ENABLE: handleEnable,
};

export async function runHandler(cmd: ParsedCommand, scope: CommandScope): Promise<Completion> {
  const handler = HANDLERS[cmd.name] as CommandHandler<typeof cmd.name> | undefined;
  if (!handler) throw bad(`${cmd.name} is not supported`);
  return handler(cmd as CommandOf<typeof cmd.name>, scope);
}
