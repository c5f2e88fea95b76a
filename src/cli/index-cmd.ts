// `gannet index status|rebuild USER [MAILBOX]`: the text index of SEARCH (src/storage/lmdb/
// text-segment.ts). `status` prints, per mailbox, how many messages the index covers and its
// size; `rebuild` drops a mailbox's index and builds it again here, with a progress bar on a
// terminal. A running server keeps serving meanwhile: its SEARCH verifies what is not indexed
// yet, and its own indexer and this one never store overlapping segments (the writer refuses).

import { TextIndexer } from '../indexing/text-indexer.js';
import { createPool } from '../pool.js';
import type { MailboxRecord, MailStore } from '../storage/index.js';
import { EXIT_OK, type CliContext } from './context.js';
import { allowOnly, parseVerbLine, positionals, requireAccount, requireMailbox, runCli, withStore } from './imap-common.js';

const USAGE = `Usage:
  gannet index status [--cfg-block NAME] USER [MAILBOX]
  gannet index rebuild [--cfg-block NAME] USER [MAILBOX]

The text index answers SEARCH's text keys (BODY, TEXT, FROM, SUBJECT, HEADER...) without reading
every message. 'status' prints one line per mailbox: its name, its messages, how many of them the
index covers, its segments and its size. 'rebuild' builds the index of the mailbox (or of every
mailbox of the account) again from the messages. Messages not indexed yet are still found: SEARCH
reads them instead, which is exact but slower.
`;

type Verb = 'status' | 'rebuild';
const VERBS: readonly Verb[] = ['status', 'rebuild'];

export async function indexCommand(argv: string[], ctx: CliContext): Promise<number> {
  return runCli(ctx, 'index', USAGE, () => indexCli(argv, ctx));
}

function mailboxesOf(store: MailStore, user: string, name: string | undefined): MailboxRecord[] {
  const account = requireAccount(store, user);
  if (name !== undefined) return [requireMailbox(store, account, name)];
  return store.listMailboxes(account.id).filter((m) => !m.noSelect);
}

/** Messages of the mailbox the index covers. */
function covered(store: MailStore, m: MailboxRecord): { covered: number; segments: number; bytes: number } {
  const segments = store.textSegments(m.id);
  const through = segments.length === 0 ? 0 : segments[segments.length - 1]!.lastUid;
  let n = 0;
  for (const uid of store.uids(m.id)) if (uid <= through) n++;
  return { covered: n, segments: segments.length, bytes: segments.reduce((s, x) => s + x.bytes, 0) };
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A one-line progress bar, redrawn in place on a terminal; silent otherwise. */
function progressBar(ctx: CliContext, label: string): (done: number, total: number) => void {
  const tty = (ctx.stderr as NodeJS.WriteStream).isTTY === true;
  return (done, total) => {
    if (!tty) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    ctx.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

async function indexCli(argv: string[], ctx: CliContext): Promise<number> {
  const line = parseVerbLine(argv, {}, VERBS, USAGE, ctx);
  if (line === null) return EXIT_OK;
  const { args, verb, rest, cfgBlock } = line;
  allowOnly(args, verb, []);
  const [user, name] = positionals(rest, ['USER'], ['MAILBOX']);
  return withStore(ctx.config, cfgBlock, async (store) => {
    const mailboxes = mailboxesOf(store, user!, name);
    if (verb === 'status') {
      for (const m of mailboxes) {
        const c = covered(store, m);
        ctx.stdout.write(`${m.name}\t${m.messages} messages\t${c.covered} indexed\t${c.segments} segments\t${size(c.bytes)}\n`);
      }
      return EXIT_OK;
    }
    const pool = createPool({});
    const indexer = new TextIndexer(store, pool);
    try {
      for (const m of mailboxes) {
        await store.dropTextIndex(m.id);
        // Until the indexer has nothing left to merge: a rebuild ends in the same shape as a
        // mailbox indexed message by message.
        await indexer.indexMailbox(m.id, progressBar(ctx, m.name));
        await indexer.indexMailbox(m.id);
        const c = covered(store, m);
        ctx.stdout.write(`${m.name}\t${c.covered} of ${m.messages} messages indexed\t${c.segments} segments\t${size(c.bytes)}\n`);
      }
    } finally {
      await indexer.close();
      await pool.close();
    }
    return EXIT_OK;
  });
}
