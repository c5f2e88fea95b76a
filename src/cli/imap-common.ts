// What `gannet imap-acct`, `imap-mboxes` and `imap-msgs` share: argument parsing, error
// reporting, choosing the storage module, opening the store and resolving a user.

import { parseArgs } from 'node:util';
import type { GannetConfig, StorageModuleConfig } from '../config/schema.js';
import { describeUsernameProblem, normalizeUsername } from '../auth/normalize.js';
import { openMailStore, type Account, type MailboxRecord, type MailStore } from '../storage/index.js';
import { EXIT_FAILURE, EXIT_USAGE, type CliContext } from './context.js';
import { confirmAction, LineInput } from './creds-input.js';

/** A mistake in the command line: answered with the usage text and exit status 2. */
export class UsageError extends Error {}

/** A failure with a message for the operator: exit status 1. */
export class CommandError extends Error {}

/** Runs a subcommand body, turning its errors into a message on stderr and an exit status. */
export async function runCli(ctx: CliContext, name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`gannet ${name}: ${err.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    // CommandError, StorageError and InputAbortedError carry text meant for the operator;
    // anything else is unexpected, and its message is still the most useful thing to show.
    const message = err instanceof Error ? err.message : String(err);
    ctx.stderr.write(`gannet ${name}: ${message}\n`);
    return EXIT_FAILURE;
  }
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export function parse(argv: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    // parseArgs explains the problem ("Unknown option '--x'", "Option '--date' argument missing").
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A subcommand line split into its verb, the words after it and `--cfg-block`. */
export interface VerbLine<V extends string> {
  args: ParsedArgs;
  verb: V;
  rest: string[];
  cfgBlock: string | undefined;
}

/**
 * Parses `argv` with the common options (`--cfg-block`, `--yes`, `--help`) plus `options`,
 * and checks the verb against `verbs`. Returns null after printing the usage for `--help`.
 */
export function parseVerbLine<V extends string>(
  argv: string[],
  options: OptionSpec,
  verbs: readonly V[],
  usage: string,
  ctx: CliContext,
): VerbLine<V> | null {
  const args = parse(argv, {
    'cfg-block': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    help: { type: 'boolean', short: 'h' },
    ...options,
  });
  if (args.values.help === true) {
    ctx.stdout.write(usage);
    return null;
  }
  const [verbText, ...rest] = args.positionals;
  if (verbText === undefined) throw new UsageError('missing subcommand');
  if (!(verbs as readonly string[]).includes(verbText)) throw new UsageError(`unknown subcommand '${verbText}'`);
  return { args, verb: verbText as V, rest, cfgBlock: stringValue(args.values['cfg-block']) };
}

/** Refuses options that mean nothing for the verb instead of silently ignoring them. */
export function allowOnly(args: ParsedArgs, verb: string, allowed: readonly string[]): void {
  for (const [flag, value] of Object.entries(args.values)) {
    if (value === undefined || flag === 'help' || flag === 'cfg-block') continue;
    if (!allowed.includes(flag)) throw new UsageError(`--${flag} is not an option of '${verb}'`);
  }
}

/** Exactly `names.length` positionals, named in the error message. */
export function positionals(rest: string[], names: readonly string[], optional: readonly string[] = []): string[] {
  if (rest.length < names.length) throw new UsageError(`${names[rest.length]} is required`);
  if (rest.length > names.length + optional.length) throw new UsageError('too many arguments');
  return rest;
}

export function stringValue(value: ParsedArgs['values'][string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The storage module the command works on: `--cfg-block NAME`, else the only storage.lmdb
 * module, else the one the first imap endpoint uses.
 */
export function selectStorage(config: GannetConfig, cfgBlock: string | undefined): StorageModuleConfig {
  if (cfgBlock !== undefined) {
    const module = config.storage.get(cfgBlock);
    if (module === undefined) {
      const names = [...config.storage.keys()];
      throw new CommandError(`no storage module named '${cfgBlock}'${names.length > 0 ? ` (configured: ${names.join(', ')})` : ''}`);
    }
    return module;
  }
  const modules = [...config.storage.values()];
  const [only] = modules;
  if (only === undefined) throw new CommandError('the configuration has no storage.lmdb module');
  if (modules.length === 1) return only;
  const first = config.imap[0] === undefined ? undefined : config.storage.get(config.imap[0].storage);
  if (first !== undefined) return first;
  throw new CommandError(`several storage modules (${modules.map((m) => m.name).join(', ')}); choose one with --cfg-block`);
}

/** Opens the chosen store for the duration of `work`. */
export async function withStore<T>(
  config: GannetConfig,
  cfgBlock: string | undefined,
  work: (store: MailStore, module: StorageModuleConfig) => Promise<T>,
): Promise<T> {
  const module = selectStorage(config, cfgBlock);
  const store = openMailStore(module);
  try {
    return await work(store, module);
  } finally {
    await store.close();
  }
}

/** A user name as typed, normalised as authentication does. */
export function userName(raw: string): string {
  const check = normalizeUsername(raw);
  if (!check.ok) throw new CommandError(`invalid user name: ${describeUsernameProblem(check.reason)}`);
  return check.username;
}

export function requireAccount(store: MailStore, raw: string): Account {
  const name = userName(raw);
  const account = store.getAccount(name);
  if (account === null) throw new CommandError(`no account ${name} (create it with 'gannet imap-acct create ${name}')`);
  return account;
}

export function requireMailbox(store: MailStore, account: Account, name: string): MailboxRecord {
  const mailbox = store.getMailbox(account.id, name);
  if (mailbox === null) throw new CommandError(`no mailbox ${JSON.stringify(name)} in account ${account.name}`);
  return mailbox;
}

/** Asks before a destructive action unless `--yes` was given. */
export async function confirmOrYes(ctx: CliContext, yes: boolean, question: string): Promise<void> {
  if (yes) return;
  if (!(await confirmAction(ctx, new LineInput(ctx.stdin), question))) throw new CommandError('cancelled');
}
