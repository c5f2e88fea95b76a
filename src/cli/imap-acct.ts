// `gannet imap-acct list|create|remove|appendlimit`: mail accounts in a storage.lmdb module,
// with maddy's verbs (maddy internal/cli/ctl/imapacct.go). Differences from maddy: `remove`
// asks before deleting unless --yes, `appendlimit` accepts sizes with units and --reset,
// and every name goes through the same normalisation as login.

import { defaultMailboxesFor } from '../storage/default-mailboxes.js';
import { parseSize } from '../config/values.js';
import { StorageError } from '../storage/index.js';
import { EXIT_OK, type CliContext } from './context.js';
import {
  allowOnly,
  parseVerbLine,
  CommandError,
  confirmOrYes,
  positionals,
  requireAccount,
  runCli,
  UsageError,
  userName,
  withStore,
} from './imap-common.js';

const USAGE = `Usage:
  gannet imap-acct list [--cfg-block NAME]
  gannet imap-acct create [--cfg-block NAME] [--no-specialuse] USER
  gannet imap-acct remove [--cfg-block NAME] [--yes] USER
  gannet imap-acct appendlimit [--cfg-block NAME] USER [SIZE | --reset]

Manages the mail accounts of a storage.lmdb module. --cfg-block names the module; the
default is the only one, or else the one the first imap endpoint uses. 'create' makes
INBOX and the module's default_mailboxes, marked with special-use attributes (RFC 6154)
by name unless --no-specialuse. 'appendlimit' without SIZE prints the account's limit;
SIZE is bytes or a number with a unit (32M); --reset returns to the module's appendlimit.
`;

type Verb = 'list' | 'create' | 'remove' | 'appendlimit';
const VERBS: readonly string[] = ['list', 'create', 'remove', 'appendlimit'];

/** `gannet imap-acct ...`; `argv` is what follows `imap-acct`. Returns the exit status. */
export async function imapAcctCommand(argv: string[], ctx: CliContext): Promise<number> {
  return runCli(ctx, 'imap-acct', USAGE, () => imapAcct(argv, ctx));
}

async function imapAcct(argv: string[], ctx: CliContext): Promise<number> {
  const line = parseVerbLine(
    argv,
    { 'no-specialuse': { type: 'boolean' }, reset: { type: 'boolean' } },
    VERBS as readonly Verb[],
    USAGE,
    ctx,
  );
  if (line === null) return EXIT_OK;
  const { args, verb, rest, cfgBlock } = line;

  switch (verb) {
    case 'list': {
      allowOnly(args, verb, []);
      positionals(rest, []);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const accounts = store.listAccounts();
        // As maddy: the note goes to stderr so stdout stays a clean list for scripts.
        if (accounts.length === 0) ctx.stderr.write('No accounts.\n');
        for (const account of accounts) ctx.stdout.write(`${account.name}\n`);
        return EXIT_OK;
      });
    }
    case 'create': {
      allowOnly(args, verb, ['no-specialuse']);
      const [raw] = positionals(rest, ['USER']);
      const name = userName(raw!);
      return withStore(ctx.config, cfgBlock, async (store, module) => {
        const mailboxes = defaultMailboxesFor(module, args.values['no-specialuse'] !== true);
        try {
          await store.createAccount(name, mailboxes);
        } catch (err) {
          if (err instanceof StorageError && err.kind === 'alreadyexists') throw new CommandError(`account ${name} already exists`);
          throw err;
        }
        ctx.stderr.write(`Created account ${name} with INBOX${mailboxes.map((m) => `, ${m.name}`).join('')}.\n`);
        return EXIT_OK;
      });
    }
    case 'remove': {
      allowOnly(args, verb, ['yes']);
      const [raw] = positionals(rest, ['USER']);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const account = requireAccount(store, raw!);
        await confirmOrYes(ctx, args.values.yes === true, `Delete the account ${account.name} and all its mail?`);
        await store.deleteAccount(account.name);
        ctx.stderr.write(`Removed account ${account.name}.\n`);
        return EXIT_OK;
      });
    }
    case 'appendlimit': {
      allowOnly(args, verb, ['reset']);
      const [raw, sizeText] = positionals(rest, ['USER'], ['SIZE']);
      const reset = args.values.reset === true;
      if (reset && sizeText !== undefined) throw new UsageError('give either SIZE or --reset, not both');
      return withStore(ctx.config, cfgBlock, async (store, module) => {
        const account = requireAccount(store, raw!);
        if (sizeText === undefined && !reset) {
          const own = account.appendLimit;
          ctx.stdout.write(`${own ?? module.appendLimit}\n`);
          if (own === null) ctx.stderr.write(`(the storage module's appendlimit; ${account.name} has no limit of its own)\n`);
          return EXIT_OK;
        }
        const limit = reset ? null : parseLimit(sizeText!);
        await store.setAccountAppendLimit(account.name, limit);
        ctx.stderr.write(
          limit === null
            ? `${account.name} now uses the storage module's appendlimit (${module.appendLimit} bytes).\n`
            : `Set the append limit of ${account.name} to ${limit} bytes.\n`,
        );
        return EXIT_OK;
      });
    }
  }
}

/** Bytes, or a size with a unit as in the configuration (`32M`, `1G 512M`). */
function parseLimit(text: string): number {
  let bytes: number;
  if (/^\d+$/.test(text)) {
    bytes = Number(text);
  } else {
    try {
      bytes = parseSize(text);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError('the append limit must be above zero');
  return bytes;
}
