// Final delivery into one storage module: what the LMTP endpoint and `gannet deliver` share.
// Per message: recipients → accounts (delivery_normalize, delivery_map); per account: the
// trace fields, the IMAP filters or the quarantine, the destination mailbox, the MIME index,
// one durable append. Each recipient gets its own outcome (RFC 2033 §4.2: LMTP answers DATA
// once per recipient), and nothing here throws for a single recipient's failure.

import type { Logger } from '../log.js';
import type { ImapFilterConfig, StorageModuleConfig } from '../config/schema.js';
import type { Account, AppendItem, AppendResult, MailboxRecord, MailStore, MimeData } from '../storage/types.js';
import { StorageError } from '../storage/types.js';
import { INBOX } from '../storage/names.js';
import type { FilterTaskInput, FilterTaskOutput } from '../../workers/contracts.js';
import { accountNameFor, openRecipientMap, type RecipientMap } from './recipients.js';
import { headerFields, subjectOf, traceBlock, type TraceInfo } from './headers.js';
import { combineDecisions, expandArgs, filterName, parseFilterOutput, type FilterDecision, type PlaceholderValues } from './filters.js';

/** Most bytes of a filter's stdout and stderr kept: a folder name and some flags, or a few log lines. */
export const MAX_FILTER_OUTPUT_BYTES = 64 * 1024;

export interface DeliveryDeps {
  store: MailStore;
  config: StorageModuleConfig;
  /** Where `table lmdb` delivery maps live (state_dir). */
  stateDir: string;
  /**
   * Stores a message; resolves once it is durable. In the server this goes through the
   * mailbox's single writer, so deliveries and IMAP sessions never write past each other.
   */
  append(mailboxId: number, items: AppendItem[]): Promise<AppendResult>;
  /** The stored MIME data and content address of `raw`, computed off the event loop. */
  parseMime(raw: Buffer): Promise<{ mime: MimeData; address: string }>;
  runFilter(input: FilterTaskInput): Promise<FilterTaskOutput>;
  logger: Logger;
}

export interface Recipient {
  /** The address as given (RCPT TO, or `--to`). */
  address: string;
  /** The address before any earlier rewriting (RFC 3461 ORCPT), else `address`. */
  original: string;
}

export interface DeliveryRequest {
  /** The message, lines ending in CRLF. */
  raw: Buffer;
  trace: TraceInfo;
  /** Login the MTA reports for the original client (XCLIENT LOGIN), '' when none. */
  authUser: string;
  /** Skip the filters and deliver to the \Junk mailbox (maddy's quarantine). */
  quarantine: boolean;
  /** Prepend Return-Path (false when the sender is unknown and the message already has one). */
  returnPath: boolean;
  recipients: Recipient[];
}

export type RecipientOutcome =
  | { status: 'delivered'; account: string; mailbox: string; uid: number }
  /** No such account: permanent (550 5.1.1, EX_NOUSER). */
  | { status: 'unknown'; text: string }
  /** The MTA should try again later (4xx, EX_TEMPFAIL). `code` is the SMTP reply code. */
  | { status: 'temporary'; code: number; text: string }
  /** Will never work for this recipient (552 too big). */
  | { status: 'permanent'; code: number; text: string };

/** A problem resolving recipients that is not the recipient's fault (an unreadable map file). */
export class DeliveryTemporaryError extends Error {
  override name = 'DeliveryTemporaryError';
}

export class DeliveryAgent {
  readonly #deps: DeliveryDeps;
  readonly #map: RecipientMap;

  constructor(deps: DeliveryDeps) {
    this.#deps = deps;
    this.#map = openRecipientMap(deps.config.deliveryMap, deps.stateDir);
  }

  /**
   * The account `address` is delivered to, or null when there is none (550 5.1.1 at RCPT).
   * Throws DeliveryTemporaryError when the map itself cannot be read.
   */
  async resolve(address: string): Promise<Account | null> {
    let name: string | null;
    try {
      name = await accountNameFor(address, this.#deps.config.deliveryNormalize ?? 'precis_casefold_email', this.#map);
    } catch (err) {
      this.#deps.logger.error({ err, rcpt: address }, 'delivery_map lookup failed');
      throw new DeliveryTemporaryError('Recipient lookup failed', { cause: err });
    }
    return name === null ? null : this.#deps.store.getAccount(name);
  }

  /** Delivers to every recipient; one outcome per recipient, in order. Never rejects. */
  async deliver(req: DeliveryRequest): Promise<RecipientOutcome[]> {
    const outcomes = new Array<RecipientOutcome>(req.recipients.length);
    // Several addresses can name one account; it gets the message once (as in maddy), and
    // every one of those recipients shares the outcome.
    const byAccount = new Map<number, { account: Account; first: Recipient; indexes: number[] }>();
    await Promise.all(
      req.recipients.map(async (r, i) => {
        try {
          const account = await this.resolve(r.address);
          if (account === null) {
            outcomes[i] = { status: 'unknown', text: 'User unknown' };
            return;
          }
          const group = byAccount.get(account.id);
          if (group) group.indexes.push(i);
          else byAccount.set(account.id, { account, first: r, indexes: [i] });
        } catch {
          outcomes[i] = { status: 'temporary', code: 451, text: 'Recipient lookup failed, try again later' };
        }
      }),
    );
    const subject =
      byAccount.size > 0 && !req.quarantine && (this.#deps.config.imapFilters?.length ?? 0) > 0 ? subjectOf(headerFields(req.raw)) : '';
    await Promise.all(
      [...byAccount.values()].map(async ({ account, first, indexes }) => {
        const outcome = await this.#deliverTo(account, first, req, subject);
        for (const i of indexes) outcomes[i] = outcome;
      }),
    );
    return outcomes;
  }

  async #deliverTo(account: Account, rcpt: Recipient, req: DeliveryRequest, subject: string): Promise<RecipientOutcome> {
    const { logger } = this.#deps;
    const log = logger.child({ id: req.trace.id, user: account.name });
    const started = performance.now();
    try {
      const body = Buffer.concat([traceBlock(account.name, req.trace, req.returnPath), req.raw]);
      // The parse runs in the pool while the filters run.
      const mime = this.#deps.parseMime(body);
      mime.catch(() => {}); // awaited below; a failure there is reported there
      let folder: string | null = null;
      let flags: string[] = [];
      let mailbox: MailboxRecord;
      if (req.quarantine) {
        mailbox = await this.#junkMailbox(account, log);
      } else {
        const filters = this.#deps.config.imapFilters ?? [];
        if (filters.length > 0) {
          const decisions: FilterDecision[] = [];
          for (const f of filters) {
            const d = await this.#runFilter(f, body, placeholders(req, rcpt, account, subject), log);
            if (d !== null) decisions.push(d);
          }
          ({ folder, flags } = combineDecisions(decisions));
        }
        mailbox = await this.#destination(account, folder, log);
      }
      const parsed = await mime;
      const { uids } = await this.#deps.append(mailbox.id, [{ body, flags, mime: parsed.mime, address: parsed.address }]);
      const uid = uids[0] ?? 0;
      log.info({ mailbox: mailbox.name, uid, flags, quarantine: req.quarantine, ms: Math.round(performance.now() - started) }, 'delivered');
      return { status: 'delivered', account: account.name, mailbox: mailbox.name, uid };
    } catch (err) {
      return classify(err, log);
    }
  }

  /** Runs one filter; null when its result is to be ignored (failure, time-out). */
  async #runFilter(f: ImapFilterConfig, body: Buffer, values: PlaceholderValues, log: Logger): Promise<FilterDecision | null> {
    const name = filterName(f);
    let out: FilterTaskOutput;
    try {
      out = await this.#deps.runFilter({
        executable: f.executable,
        args: expandArgs(f.args, values),
        stdin: body,
        timeoutMs: f.timeoutMs,
        maxOutputBytes: MAX_FILTER_OUTPUT_BYTES,
      });
    } catch (err) {
      log.warn({ err, filter: name }, 'filter not run; delivering without it');
      return null;
    }
    const ms = Math.round(out.ms);
    const failed = out.spawnError !== null || out.timedOut || out.exitCode !== 0;
    const stderr = out.stderr.trim();
    if (stderr !== '') (failed ? log.warn.bind(log) : log.info.bind(log))({ filter: name, stderr }, 'filter wrote to stderr');
    if (out.spawnError !== null) {
      log.warn({ filter: name, error: out.spawnError }, 'filter could not be started; ignored');
      return null;
    }
    if (out.timedOut) {
      log.warn({ filter: name, ms, timeoutMs: f.timeoutMs }, 'filter timed out and was killed; ignored');
      return null;
    }
    if (out.exitCode !== 0) {
      log.warn({ filter: name, exitCode: out.exitCode, signal: out.signal, ms }, 'filter failed; ignored');
      return null;
    }
    if (out.truncated) log.warn({ filter: name }, `filter output over ${MAX_FILTER_OUTPUT_BYTES} bytes was cut`);
    const decision = parseFilterOutput(out.stdout);
    for (const w of decision.warnings) log.warn({ filter: name }, `filter output skipped: ${w}`);
    log.debug({ filter: name, folder: decision.folder, flags: decision.flags, ms }, 'filter ran');
    return decision;
  }

  /** The folder a filter named (created when missing), else INBOX. */
  async #destination(account: Account, folder: string | null, log: Logger): Promise<MailboxRecord> {
    const { store } = this.#deps;
    if (folder !== null && folder !== INBOX) {
      let mailbox = store.getMailbox(account.id, folder);
      if (mailbox === null) {
        try {
          mailbox = await store.createMailbox(account.id, folder);
          log.info({ mailbox: folder }, 'created the folder a filter named');
        } catch (err) {
          mailbox = store.getMailbox(account.id, folder); // created meanwhile by another delivery
          if (mailbox === null) log.warn({ err, mailbox: folder }, 'could not create the folder a filter named; delivering to INBOX');
        }
      }
      if (mailbox !== null && !mailbox.noSelect) return mailbox;
      if (mailbox !== null)
        log.warn({ mailbox: folder }, 'the folder a filter named cannot hold messages (\\Noselect); delivering to INBOX');
    }
    const inbox = store.getMailbox(account.id, INBOX);
    if (inbox === null) throw new StorageError('nonexistent', `Account ${account.name} has no INBOX`);
    return inbox;
  }

  /**
   * maddy-imap-filters(5): quarantined mail goes to the mailbox with the \Junk special-use
   * attribute (RFC 6154), else to `junk_mailbox`, created with \Junk when missing.
   */
  async #junkMailbox(account: Account, log: Logger): Promise<MailboxRecord> {
    const { store, config } = this.#deps;
    const special = store.listMailboxes(account.id).find((m) => m.specialUse === '\\Junk' && !m.noSelect);
    if (special) return special;
    const named = store.getMailbox(account.id, config.junkMailbox);
    if (named !== null && !named.noSelect) return named;
    try {
      const created = await store.createMailbox(account.id, config.junkMailbox, { specialUse: '\\Junk' });
      log.info({ mailbox: config.junkMailbox }, 'created the junk mailbox for quarantined mail');
      return created;
    } catch (err) {
      const again = store.getMailbox(account.id, config.junkMailbox);
      if (again !== null && !again.noSelect) return again;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#map.close();
  }
}

function placeholders(req: DeliveryRequest, rcpt: Recipient, account: Account, subject: string): PlaceholderValues {
  const t = req.trace;
  return {
    source_ip: t.sourceIp,
    source_host: t.heloName,
    source_rdns: t.sourceRdns,
    msg_id: t.id,
    auth_user: req.authUser,
    sender: t.sender,
    rcpt_to: rcpt.address,
    original_rcpt_to: rcpt.original,
    address: rcpt.address,
    subject,
    account_name: account.name,
  };
}

/** A failed delivery to one account, as an outcome; unexpected errors are logged here, once. */
function classify(err: unknown, log: Logger): RecipientOutcome {
  if (err instanceof StorageError) {
    if (err.kind === 'toobig') return { status: 'permanent', code: 552, text: 'Message too big for this mailbox' };
    if (err.kind === 'unavailable') {
      log.warn({ err }, 'delivery deferred: the store cannot take it now');
      return { status: 'temporary', code: 452, text: 'Insufficient system storage, try again later' };
    }
    if (err.kind === 'uncertain') {
      // The store may have kept the message. Mail prefers a duplicate to a loss (RFC 5321
      // §6.1: a server answers OK only for mail it is responsible for), so the MTA retries.
      log.error({ err }, 'delivery deferred: the store failed before confirming it; a retry may duplicate it');
      return { status: 'temporary', code: 451, text: 'Local error in processing, try again later' };
    }
    log.warn({ err }, 'delivery deferred');
    return { status: 'temporary', code: 451, text: 'Local error in processing, try again later' };
  }
  log.error({ err }, 'delivery failed');
  return { status: 'temporary', code: 451, text: 'Internal error, try again later' };
}
