// `gannet imap-mboxes list|create|remove|rename`: an account's mailboxes, with maddy's verbs
// (maddy internal/cli/ctl/imap.go). Differences from maddy: DELETE and RENAME follow RFC 3501
// §6.3.4 and §6.3.5 exactly as IMAP clients see them (inferiors, INBOX), `remove` asks before
// deleting mail unless --yes, and a failure exits non-zero with the reason.

import type { SpecialUse } from '../storage/index.js';
import { EXIT_OK, type CliContext } from './context.js';
import {
  allowOnly,
  parseVerbLine,
  confirmOrYes,
  positionals,
  requireAccount,
  requireMailbox,
  runCli,
  stringValue,
  UsageError,
  withStore,
} from './imap-common.js';

const USAGE = `Usage:
  gannet imap-mboxes list [--cfg-block NAME] [--subscribed] USER
  gannet imap-mboxes create [--cfg-block NAME] [--special junk|sent|drafts|trash|archive] USER NAME
  gannet imap-mboxes remove [--cfg-block NAME] [--yes] USER NAME
  gannet imap-mboxes rename [--cfg-block NAME] USER OLD NEW

Manages the mailboxes of an account. Names use "/" as the hierarchy delimiter; INBOX is
case-insensitive. 'list' prints one name per line, followed by a tab and the mailbox's
attributes when it has any; --subscribed lists the subscriptions instead (which may name
mailboxes that no longer exist). 'remove' of a mailbox with inferiors deletes its messages
and keeps the name as \\Noselect.
`;

const SPECIAL: Readonly<Record<string, SpecialUse>> = {
  junk: '\\Junk',
  sent: '\\Sent',
  drafts: '\\Drafts',
  trash: '\\Trash',
  archive: '\\Archive',
};

type Verb = 'list' | 'create' | 'remove' | 'rename';
const VERBS: readonly string[] = ['list', 'create', 'remove', 'rename'];

/** `gannet imap-mboxes ...`; `argv` is what follows `imap-mboxes`. Returns the exit status. */
export async function imapMboxesCommand(argv: string[], ctx: CliContext): Promise<number> {
  return runCli(ctx, 'imap-mboxes', USAGE, () => imapMboxes(argv, ctx));
}

async function imapMboxes(argv: string[], ctx: CliContext): Promise<number> {
  const line = parseVerbLine(argv, { subscribed: { type: 'boolean' }, special: { type: 'string' } }, VERBS as readonly Verb[], USAGE, ctx);
  if (line === null) return EXIT_OK;
  const { args, verb, rest, cfgBlock } = line;

  switch (verb) {
    case 'list': {
      allowOnly(args, verb, ['subscribed']);
      const [user] = positionals(rest, ['USER']);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const account = requireAccount(store, user!);
        if (args.values.subscribed === true) {
          for (const name of store.listSubscriptions(account.id)) ctx.stdout.write(`${name}\n`);
          return EXIT_OK;
        }
        for (const mailbox of store.listMailboxes(account.id)) {
          const attributes = [
            ...(mailbox.noSelect ? ['\\Noselect'] : []),
            ...(mailbox.specialUse === null ? [] : [mailbox.specialUse]),
            ...(mailbox.subscribed ? ['\\Subscribed'] : []),
          ];
          ctx.stdout.write(attributes.length > 0 ? `${mailbox.name}\t${attributes.join(' ')}\n` : `${mailbox.name}\n`);
        }
        return EXIT_OK;
      });
    }
    case 'create': {
      allowOnly(args, verb, ['special']);
      const [user, name] = positionals(rest, ['USER', 'NAME']);
      const specialText = stringValue(args.values.special);
      let specialUse: SpecialUse | null = null;
      if (specialText !== undefined) {
        const found = SPECIAL[specialText.toLowerCase()];
        if (found === undefined) throw new UsageError(`unknown --special '${specialText}' (use ${Object.keys(SPECIAL).join(', ')})`);
        specialUse = found;
      }
      return withStore(ctx.config, cfgBlock, async (store) => {
        const account = requireAccount(store, user!);
        const created = await store.createMailbox(account.id, name!, { specialUse });
        ctx.stderr.write(`Created mailbox ${created.name}.\n`);
        return EXIT_OK;
      });
    }
    case 'remove': {
      allowOnly(args, verb, ['yes']);
      const [user, name] = positionals(rest, ['USER', 'NAME']);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const account = requireAccount(store, user!);
        const mailbox = requireMailbox(store, account, name!);
        await confirmOrYes(ctx, args.values.yes === true, `Delete mailbox ${mailbox.name} and its ${mailbox.messages} messages?`);
        await store.deleteMailbox(account.id, mailbox.name);
        const left = store.getMailbox(account.id, mailbox.name);
        ctx.stderr.write(
          left === null
            ? `Removed mailbox ${mailbox.name}.\n`
            : `Removed the messages of ${mailbox.name}; the name stays as \\Noselect because it has inferior mailboxes.\n`,
        );
        return EXIT_OK;
      });
    }
    case 'rename': {
      allowOnly(args, verb, []);
      const [user, from, to] = positionals(rest, ['USER', 'OLD', 'NEW']);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const account = requireAccount(store, user!);
        const mailbox = requireMailbox(store, account, from!);
        await store.renameMailbox(account.id, mailbox.name, to!);
        ctx.stderr.write(`Renamed ${mailbox.name} to ${to}.\n`);
        return EXIT_OK;
      });
    }
  }
}
