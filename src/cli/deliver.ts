// `gannet deliver`: a local delivery agent for MTAs and mail fetchers (Postfix's pipe or
// mailbox_command, procmail and fetchmail pipelines). The message comes on stdin and goes
// through the same pipeline as LMTP: recipient mapping, trace fields, filters or quarantine,
// one durable append per account. It works beside a running server: the store's change log
// tells the server's sessions (IDLE included) about the new message.
//
// Exit statuses are sysexits(3), which MTAs turn into bounce or retry: 0 delivered, 64 usage,
// 65 bad or too big message, 67 unknown user, 75 temporary failure (the MTA keeps the message).

import { EXIT_OK, type CliContext } from './context.js';
import { parse, selectStorage, stringValue, UsageError } from './imap-common.js';
import { createLogger } from '../log.js';
import { openMailStore, type MailStore } from '../storage/index.js';
import { createPool, type WorkerPool } from '../pool.js';
import { storedForm } from '../protocol/encode/mime-summary.js';
import parseMimeTask from '../../workers/parse-mime.js';
import { DeliveryAgent, type RecipientOutcome } from '../delivery/agent.js';
import { headerFields, toCrlf } from '../delivery/headers.js';
import { randomBytes } from 'node:crypto';

export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_NOUSER = 67;
export const EX_TEMPFAIL = 75;

const USAGE = `Usage: gannet deliver --to USER [--to USER]... [--from SENDER] [--quarantine] [--cfg-block NAME] < message

Delivers the message on standard input, as the lmtp endpoint would: USER is a recipient
address (or account name), mapped by the storage module's delivery_normalize and
delivery_map; the storage module's imap_filter commands run unless --quarantine is given,
which delivers to the Junk mailbox instead. --from sets the envelope sender for Return-Path;
without it a Return-Path already in the message is kept.

Exit status (sysexits): 0 delivered, 64 usage error, 65 empty or too big message,
67 unknown user, 75 temporary failure (try again later).
`;

/** `gannet deliver …`; `argv` is what follows `deliver`. Returns the exit status. */
export async function deliverCommand(argv: string[], ctx: CliContext): Promise<number> {
  try {
    return await deliver(argv, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`gannet deliver: ${err.message}\n\n${USAGE}`);
      return EX_USAGE;
    }
    // Anything else (the store cannot be opened, an unexpected error) is worth a retry:
    // losing a message to a transient fault is worse than delivering it late.
    ctx.stderr.write(`gannet deliver: ${err instanceof Error ? err.message : String(err)}\n`);
    return EX_TEMPFAIL;
  }
}

async function deliver(argv: string[], ctx: CliContext): Promise<number> {
  const args = parse(argv, {
    to: { type: 'string', multiple: true },
    from: { type: 'string' },
    quarantine: { type: 'boolean' },
    'cfg-block': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (args.values.help === true) {
    ctx.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const to = (args.values.to as string[] | undefined) ?? [];
  if (to.length === 0) throw new UsageError('--to is required');
  const from = stringValue(args.values.from);

  const raw = toCrlf(await readAll(ctx.stdin));
  if (raw.length === 0) {
    ctx.stderr.write('gannet deliver: the message on standard input is empty\n');
    return EX_DATAERR;
  }
  let sender = from ?? '';
  let returnPath = true;
  if (from === undefined) {
    // Postfix's pipe (flag R) and fetchmail write Return-Path themselves; keep theirs.
    const existing = headerFields(raw).find((f) => f.name.toLowerCase() === 'return-path');
    if (existing !== undefined) {
      returnPath = false;
      sender = /<([^>]*)>/.exec(existing.value)?.[1] ?? '';
    }
  }

  const module = selectStorage(ctx.config, stringValue(args.values['cfg-block']));
  const logger = createLogger({ target: ctx.config.log, debug: ctx.config.debug });
  let store: MailStore | null = null;
  // Filters run in the worker pool; started only when a filter actually runs.
  const lazy: { pool: WorkerPool | null } = { pool: null };
  try {
    store = openMailStore(module, { logger: logger.child({ module: module.name }) });
    const agent = new DeliveryAgent({
      store,
      config: module,
      stateDir: ctx.config.stateDir,
      append: (mailboxId, items) => store!.append(mailboxId, items),
      // One message: parsing here costs less than starting a pool thread for it.
      parseMime: async (body) => storedForm(parseMimeTask({ raw: body })),
      runFilter: (input) => (lazy.pool ??= createPool({ threads: 1 })).runFilter(input),
      logger: logger.child({ module: 'deliver', storage: module.name }),
    });
    const outcomes = await agent.deliver({
      raw,
      trace: {
        hostname: ctx.config.hostname,
        sender,
        heloName: '',
        sourceIp: '',
        sourceRdns: '',
        protocol: 'local',
        id: randomBytes(8).toString('hex'),
        date: new Date(),
      },
      authUser: '',
      quarantine: args.values.quarantine === true,
      returnPath,
      recipients: to.map((address) => ({ address, original: address })),
    });
    await agent.close();
    outcomes.forEach((o, i) => report(ctx, to[i]!, o));
    return exitStatus(outcomes);
  } finally {
    await lazy.pool?.close();
    await store?.close();
    logger.flush?.();
  }
}

function report(ctx: CliContext, rcpt: string, o: RecipientOutcome): void {
  if (o.status === 'delivered') return;
  const what = o.status === 'unknown' ? 'user unknown' : o.text;
  ctx.stderr.write(`gannet deliver: ${rcpt}: ${what}\n`);
}

/** The worst outcome decides: a retry first (nothing is lost), then unknown user, then bad data. */
export function exitStatus(outcomes: readonly RecipientOutcome[]): number {
  if (outcomes.some((o) => o.status === 'temporary')) return EX_TEMPFAIL;
  if (outcomes.some((o) => o.status === 'unknown')) return EX_NOUSER;
  if (outcomes.some((o) => o.status === 'permanent')) return EX_DATAERR;
  return EXIT_OK;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
