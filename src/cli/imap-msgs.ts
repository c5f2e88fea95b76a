// `gannet imap-msgs ...`: the messages of one mailbox, with maddy's verbs (maddy
// internal/cli/ctl/imap.go). Differences from maddy: sets are UIDs unless --seq (maddy mixed
// the two between verbs), `add` prints the UID it got, `remove` asks unless --yes, a set that
// matches nothing is an error instead of a silent success, and flags are checked as IMAP
// STORE would check them.

import type { MailboxRecord, MailStore } from '../storage/index.js';
import { parseMessage } from '../mime/index.js';
import { mimeData } from '../protocol/encode/mime-summary.js';
import {
  contains,
  iterateRanges,
  parseSequenceSet,
  rangesFromNumbers,
  formatRanges,
  resolveSequenceSet,
  type SequenceSet,
} from '../protocol/sequence-set.js';
import { EXIT_OK, type CliContext } from './context.js';
import { headerValue } from './imap-headers.js';
import {
  allowOnly,
  parseVerbLine,
  CommandError,
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
  gannet imap-msgs add [--flag FLAG]... [--date DATE] USER MAILBOX     (message on stdin)
  gannet imap-msgs list [--full] [--seq] USER MAILBOX [SET]
  gannet imap-msgs dump [--seq] USER MAILBOX UID
  gannet imap-msgs remove [--yes] [--seq] USER MAILBOX SET
  gannet imap-msgs copy [--seq] USER SOURCE SET DESTINATION
  gannet imap-msgs move [--seq] USER SOURCE SET DESTINATION
  gannet imap-msgs add-flags|rem-flags|set-flags [--seq] USER MAILBOX SET [FLAG...]

All take --cfg-block NAME to choose the storage module. SET is an IMAP sequence set
(1:5,9,12:*) of UIDs, or of message sequence numbers with --seq. 'add' reads one message
from standard input, turns bare LF line ends into CRLF, and prints the UID it got; DATE is
an IMAP date-time ("01-Jan-2024 10:00:00 +0000") or an ISO 8601 date. 'list' prints
UID, internal date, size, flags, MODSEQ (RFC 7162) and subject, one message per line; --full
adds From, To, Date, Message-ID and the save date (RFC 8514). 'dump' writes the stored message to standard output.
`;

type Verb = 'add' | 'list' | 'dump' | 'remove' | 'copy' | 'move' | 'add-flags' | 'rem-flags' | 'set-flags';
const VERBS: readonly string[] = ['add', 'list', 'dump', 'remove', 'copy', 'move', 'add-flags', 'rem-flags', 'set-flags'];

/** `gannet imap-msgs ...`; `argv` is what follows `imap-msgs`. Returns the exit status. */
export async function imapMsgsCommand(argv: string[], ctx: CliContext): Promise<number> {
  return runCli(ctx, 'imap-msgs', USAGE, () => imapMsgs(argv, ctx));
}

async function imapMsgs(argv: string[], ctx: CliContext): Promise<number> {
  const line = parseVerbLine(
    argv,
    { flag: { type: 'string', multiple: true }, date: { type: 'string' }, full: { type: 'boolean' }, seq: { type: 'boolean' } },
    VERBS as readonly Verb[],
    USAGE,
    ctx,
  );
  if (line === null) return EXIT_OK;
  const { args, verb, rest, cfgBlock } = line;
  const bySeq = args.values.seq === true;

  switch (verb) {
    case 'add': {
      allowOnly(args, verb, ['flag', 'date']);
      const [user, name] = positionals(rest, ['USER', 'MAILBOX']);
      const flags = checkFlags((args.values.flag as string[] | undefined) ?? []);
      const dateText = stringValue(args.values.date);
      const internalDate = dateText === undefined ? undefined : parseDate(dateText);
      if (ctx.stdin.isTTY === true) ctx.stderr.write('Reading the message from standard input; end it with Ctrl-D.\n');
      const body = toCrlf(await readAll(ctx.stdin));
      if (body.length === 0) throw new CommandError('the message on standard input is empty');
      return withStore(ctx.config, cfgBlock, async (store) => {
        const mailbox = requireMailbox(store, requireAccount(store, user!), name!);
        // Indexed here, as the server indexes an APPEND, so FETCH never parses it again.
        const mime = mimeData(parseMessage(body));
        const item = internalDate === undefined ? { body, flags, mime } : { body, flags, internalDate, mime };
        const { uids } = await store.append(mailbox.id, [item]);
        ctx.stdout.write(`${uids.join(' ')}\n`);
        return EXIT_OK;
      });
    }
    case 'list': {
      allowOnly(args, verb, ['full', 'seq']);
      const [user, name, setText] = positionals(rest, ['USER', 'MAILBOX'], ['SET']);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const mailbox = requireMailbox(store, requireAccount(store, user!), name!);
        const uids = setText === undefined ? [...store.uids(mailbox.id)] : select(store, mailbox, setText, bySeq, true);
        for (const uid of uids) printMessage(ctx, store, mailbox, uid, args.values.full === true);
        return EXIT_OK;
      });
    }
    case 'dump': {
      allowOnly(args, verb, ['seq']);
      const [user, name, number] = positionals(rest, ['USER', 'MAILBOX', 'UID']);
      if (!/^[1-9][0-9]*$/.test(number!)) throw new UsageError(`${bySeq ? 'sequence number' : 'UID'} must be a positive number`);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const mailbox = requireMailbox(store, requireAccount(store, user!), name!);
        const [uid] = select(store, mailbox, number!, bySeq, false);
        const message = store.getMessage(mailbox.id, uid!);
        if (message === null) throw new CommandError(`no message with UID ${uid} in ${mailbox.name}`);
        ctx.stdout.write(store.readBody(message));
        return EXIT_OK;
      });
    }
    case 'remove': {
      allowOnly(args, verb, ['yes', 'seq']);
      const [user, name, setText] = positionals(rest, ['USER', 'MAILBOX', 'SET']);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const mailbox = requireMailbox(store, requireAccount(store, user!), name!);
        const uids = select(store, mailbox, setText!, bySeq, false);
        await confirmOrYes(ctx, args.values.yes === true, `Delete ${uids.length} message(s) from ${mailbox.name}?`);
        const removed = await store.expunge(mailbox.id, uids);
        ctx.stderr.write(`Removed ${removed.length} message(s) from ${mailbox.name}.\n`);
        return EXIT_OK;
      });
    }
    case 'copy':
    case 'move': {
      allowOnly(args, verb, ['seq']);
      const [user, from, setText, to] = positionals(rest, ['USER', 'SOURCE', 'SET', 'DESTINATION']);
      return withStore(ctx.config, cfgBlock, async (store) => {
        const account = requireAccount(store, user!);
        const source = requireMailbox(store, account, from!);
        const destination = requireMailbox(store, account, to!);
        const uids = select(store, source, setText!, bySeq, false);
        const result =
          verb === 'copy' ? await store.copy(source.id, uids, destination.id) : await store.move(source.id, uids, destination.id);
        const newUids = formatRanges(rangesFromNumbers(result.pairs.map(([, uid]) => uid)));
        ctx.stderr.write(
          `${verb === 'copy' ? 'Copied' : 'Moved'} ${result.pairs.length} message(s) to ${destination.name} (UIDs ${newUids}).\n`,
        );
        return EXIT_OK;
      });
    }
    case 'add-flags':
    case 'rem-flags':
    case 'set-flags': {
      allowOnly(args, verb, ['seq']);
      const [user, name, setText, ...flagArgs] = rest;
      if (user === undefined) throw new UsageError('USER is required');
      if (name === undefined) throw new UsageError('MAILBOX is required');
      if (setText === undefined) throw new UsageError('SET is required');
      if (flagArgs.length === 0 && verb !== 'set-flags') throw new UsageError('FLAG is required');
      const flags = checkFlags(flagArgs);
      const mode = verb === 'add-flags' ? 'add' : verb === 'rem-flags' ? 'remove' : 'set';
      return withStore(ctx.config, cfgBlock, async (store) => {
        const mailbox = requireMailbox(store, requireAccount(store, user), name);
        const uids = select(store, mailbox, setText, bySeq, false);
        const { changes } = await store.setFlags(mailbox.id, uids, mode, flags);
        ctx.stderr.write(`Changed the flags of ${changes.length} of ${uids.length} message(s).\n`);
        return EXIT_OK;
      });
    }
  }
}

/**
 * The UIDs a set names, ascending. UID sets match the UIDs that exist (RFC 3501 §6.4.8:
 * a UID range need not be fully populated); a sequence number beyond the mailbox's size
 * is an error, as IMAP answers BAD for it (RFC 3501 §9, seq-number).
 */
function select(store: MailStore, mailbox: MailboxRecord, text: string, bySeq: boolean, emptyOk: boolean): number[] {
  let set: SequenceSet;
  try {
    set = parseSequenceSet(text);
  } catch (err) {
    throw new UsageError(`invalid set ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
  const uids = store.uids(mailbox.id);
  let selected: number[];
  if (bySeq) {
    const ranges = resolveSequenceSet(set, uids.length);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.end > uids.length) {
      throw new CommandError(`${mailbox.name} has ${uids.length} message(s); there is no message ${last.end}`);
    }
    selected = [...iterateRanges(ranges)].map((n) => uids[n - 1]!);
  } else {
    const ranges = resolveSequenceSet(set, uids[uids.length - 1] ?? 0);
    selected = [...uids].filter((uid) => contains(ranges, uid));
  }
  if (selected.length === 0 && !emptyOk) throw new CommandError(`no message in ${mailbox.name} matches ${text}`);
  return selected;
}

function printMessage(ctx: CliContext, store: MailStore, mailbox: MailboxRecord, uid: number, full: boolean): void {
  const message = store.getMessage(mailbox.id, uid);
  if (message === null) return;
  const body = store.readBody(message);
  const subject = headerValue(body, 'Subject') ?? '';
  const date = new Date(message.internalDate).toISOString();
  ctx.stdout.write(`${uid}\t${date}\t${message.size}\t(${message.flags.join(' ')})\t${message.modseq}\t${subject}\n`);
  if (full) {
    for (const field of ['From', 'To', 'Date', 'Message-ID']) {
      const value = headerValue(body, field);
      if (value !== undefined) ctx.stdout.write(`  ${field}: ${value}\n`);
    }
    ctx.stdout.write(`  Modseq: ${message.modseq}\n`);
    if (message.savedAt !== null) ctx.stdout.write(`  Saved: ${new Date(message.savedAt).toISOString()}\n`);
  }
}

/** `\Recent` is the server's to set (RFC 3501 §2.3.2); the store checks the rest. */
function checkFlags(flags: string[]): string[] {
  for (const flag of flags) {
    if (flag.toLowerCase() === '\\recent') throw new UsageError('\\Recent cannot be set');
  }
  return flags;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** IMAP date-time (RFC 3501 §9 `date-time`, without the quotes) or anything ISO 8601. */
function parseDate(text: string): number {
  const m = /^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\s*$/.exec(text);
  if (m !== null) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase());
    if (month >= 0) {
      const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
      const ms = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset * 60_000;
      if (!Number.isNaN(ms)) return ms;
    }
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`invalid --date ${JSON.stringify(text)} (use "01-Jan-2024 10:00:00 +0000" or 2024-01-01T10:00:00Z)`);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** RFC 5322 §2.1: lines end in CRLF; files saved on Unix usually end them in LF alone. */
function toCrlf(body: Buffer): Buffer {
  if (!body.includes(0x0a)) return body;
  return Buffer.from(body.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}
