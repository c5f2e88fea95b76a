// `gannet creds list|create|remove|password` and `gannet hash`: managing pass_table
// credentials, with maddy's verbs and flags (maddy internal/cli/ctl/users.go and hash.go).

import { parseArgs } from 'node:util';
import type { AuthModuleConfig, GannetConfig } from '../config/schema.js';
import { DEFAULT_HASH_ALGORITHM, hashPassword, type HashAlgorithm } from '../auth/hash.js';
import { describeUsernameProblem, normalizeUsername } from '../auth/normalize.js';
import { isMutableTable, openTable, type MutableTable, type ReadableTable } from '../auth/tables/table.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliContext } from './context.js';
import { confirmAction, InputAbortedError, LineInput, readPassword } from './creds-input.js';

const CREDS_USAGE = `Usage:
  gannet creds list [--cfg-block NAME]
  gannet creds create [--cfg-block NAME] [--password PASSWORD] [--hash argon2|bcrypt] USER
  gannet creds remove [--cfg-block NAME] [--yes] USER
  gannet creds password [--cfg-block NAME] [--password PASSWORD] [--hash argon2|bcrypt] USER

Manages the credentials of an auth.pass_table module. --cfg-block names the module; the
default is the only pass_table module, or else the one the first imap endpoint uses.
Without --password the password is read from standard input: asked twice without echo on
a terminal, otherwise one line. --password leaves the password in the shell history.
`;

const HASH_USAGE = `Usage:
  gannet hash [--password PASSWORD] [--hash argon2|bcrypt]

Prints the stored form of a password hash (default argon2), for table files.
Without --password the password is read from standard input.
`;

/** A mistake in the command line: answered with the usage text and exit status 2. */
class UsageError extends Error {}

/** A failure with a message for the operator: exit status 1. */
class CommandError extends Error {}

type Verb = 'list' | 'create' | 'remove' | 'password';
const VERBS: readonly Verb[] = ['list', 'create', 'remove', 'password'];

/**
 * `gannet creds ...`; `argv` is what follows `creds`. Returns the exit status:
 * 0 done, 1 failed, 2 usage error.
 */
export async function credsCommand(argv: string[], ctx: CliContext): Promise<number> {
  return runCli(ctx, 'creds', CREDS_USAGE, () => creds(argv, ctx));
}

/** `gannet hash ...`; `argv` is what follows `hash`. Prints the stored form on stdout. */
export async function hashCommand(argv: string[], ctx: CliContext): Promise<number> {
  return runCli(ctx, 'hash', HASH_USAGE, () => hash(argv, ctx));
}

async function runCli(ctx: CliContext, name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`gannet ${name}: ${err.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    if (err instanceof CommandError || err instanceof InputAbortedError) {
      ctx.stderr.write(`gannet ${name}: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    const message = err instanceof Error ? err.message : String(err);
    ctx.stderr.write(`gannet ${name}: ${message}\n`);
    return EXIT_FAILURE;
  }
}

async function creds(argv: string[], ctx: CliContext): Promise<number> {
  const args = parse(argv, {
    'cfg-block': { type: 'string' },
    password: { type: 'string', short: 'p' },
    hash: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    help: { type: 'boolean', short: 'h' },
  });
  if (args.values.help === true) {
    ctx.stdout.write(CREDS_USAGE);
    return EXIT_OK;
  }
  const [verbText, ...rest] = args.positionals;
  if (verbText === undefined) throw new UsageError('missing subcommand');
  if (!isVerb(verbText)) throw new UsageError(`unknown subcommand '${verbText}'`);
  const verb = verbText;

  // Reject flags that mean nothing for this verb instead of silently ignoring them.
  const allowed: Record<Verb, readonly string[]> = {
    list: ['cfg-block'],
    create: ['cfg-block', 'password', 'hash'],
    remove: ['cfg-block', 'yes'],
    password: ['cfg-block', 'password', 'hash'],
  };
  for (const flag of Object.keys(args.values)) {
    if (flag !== 'help' && !allowed[verb].includes(flag)) throw new UsageError(`--${flag} is not an option of '${verb}'`);
  }

  let username: string | undefined;
  if (verb === 'list') {
    if (rest.length > 0) throw new UsageError(`'list' takes no arguments`);
  } else {
    if (rest.length !== 1) throw new UsageError(rest.length === 0 ? 'USER is required' : 'too many arguments');
    const name = normalizeUsername(rest[0] ?? '');
    if (!name.ok) throw new CommandError(`invalid user name: ${describeUsernameProblem(name.reason)}`);
    username = name.username;
  }
  const algorithm = hashAlgorithm(args.values.hash);

  const module = selectPassTable(ctx.config, stringValue(args.values['cfg-block']));
  const table = openTable(module.table, ctx.config.stateDir);
  const input = new LineInput(ctx.stdin);
  const password = stringValue(args.values.password);
  const user = username ?? '';
  try {
    switch (verb) {
      case 'list':
        return await listUsers(ctx, table);
      case 'create':
        return await createUser(ctx, input, writable(table), user, password, algorithm);
      case 'password':
        return await changePassword(ctx, input, writable(table), user, password, algorithm);
      case 'remove':
        return await removeUser(ctx, input, writable(table), user, args.values.yes === true);
    }
  } finally {
    await table.close();
  }
}

async function listUsers(ctx: CliContext, table: ReadableTable): Promise<number> {
  const users = await table.keys();
  // As maddy: the note goes to stderr so stdout stays a clean list for scripts.
  if (users.length === 0) ctx.stderr.write('No users.\n');
  for (const user of users) ctx.stdout.write(`${user}\n`);
  return EXIT_OK;
}

async function createUser(
  ctx: CliContext,
  input: LineInput,
  table: MutableTable,
  username: string,
  password: string | undefined,
  algorithm: HashAlgorithm,
): Promise<number> {
  // Check before asking for a password, so a typo is reported before the operator types one.
  if ((await table.get(username)) !== undefined) throw new CommandError(`user ${username} already exists`);
  const pass = await obtainPassword(ctx, input, password, `Password for ${username}`);
  const stored = await hashPassword(pass, algorithm);
  if (!(await table.add(username, stored))) throw new CommandError(`user ${username} already exists`);
  ctx.stderr.write(`Created user ${username}.\n`);
  return EXIT_OK;
}

async function changePassword(
  ctx: CliContext,
  input: LineInput,
  table: MutableTable,
  username: string,
  password: string | undefined,
  algorithm: HashAlgorithm,
): Promise<number> {
  // Unlike maddy, which would create the entry: a typo in the name must not add an account.
  if ((await table.get(username)) === undefined) {
    throw new CommandError(`no such user ${username} (use 'gannet creds create' to add one)`);
  }
  const pass = await obtainPassword(ctx, input, password, `New password for ${username}`);
  await table.set(username, await hashPassword(pass, algorithm));
  ctx.stderr.write(`Changed the password of ${username}.\n`);
  return EXIT_OK;
}

async function removeUser(ctx: CliContext, input: LineInput, table: MutableTable, username: string, yes: boolean): Promise<number> {
  if ((await table.get(username)) === undefined) throw new CommandError(`no such user ${username}`);
  if (!yes && !(await confirmAction(ctx, input, `Delete the credentials of ${username}?`))) {
    throw new CommandError('cancelled');
  }
  if (!(await table.delete(username))) throw new CommandError(`no such user ${username}`);
  ctx.stderr.write(`Removed user ${username}.\n`);
  return EXIT_OK;
}

async function hash(argv: string[], ctx: CliContext): Promise<number> {
  const args = parse(argv, {
    password: { type: 'string', short: 'p' },
    hash: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (args.values.help === true) {
    ctx.stdout.write(HASH_USAGE);
    return EXIT_OK;
  }
  if (args.positionals.length > 0) throw new UsageError('hash takes no arguments');
  const algorithm = hashAlgorithm(args.values.hash);
  let pass = stringValue(args.values.password);
  if (pass === undefined) pass = await readPassword(ctx, new LineInput(ctx.stdin), 'Password', true);
  // Warnings rather than refusals, as in maddy: the output may be meant for a test fixture.
  if (pass === '') ctx.stderr.write('Warning: this is the hash of an empty password.\n');
  if (pass.trim() !== pass) ctx.stderr.write('Warning: the password has leading or trailing white space.\n');
  ctx.stdout.write(`${await hashPassword(pass, algorithm)}\n`);
  return EXIT_OK;
}

async function obtainPassword(ctx: CliContext, input: LineInput, given: string | undefined, prompt: string): Promise<string> {
  const pass = given ?? (await readPassword(ctx, input, prompt, true));
  if (pass === '') throw new CommandError('the password is empty');
  return pass;
}

/**
 * The pass_table module the command works on: `--cfg-block NAME`, else the only pass_table
 * module, else the one the first imap endpoint authenticates with.
 */
function selectPassTable(config: GannetConfig, cfgBlock: string | undefined): Extract<AuthModuleConfig, { kind: 'pass_table' }> {
  if (cfgBlock !== undefined) {
    const module = config.auth.get(cfgBlock);
    if (module === undefined) {
      const names = [...config.auth.keys()];
      throw new CommandError(`no auth module named '${cfgBlock}'${names.length > 0 ? ` (configured: ${names.join(', ')})` : ''}`);
    }
    if (module.kind !== 'pass_table') {
      throw new CommandError(`'${cfgBlock}' is an auth.${module.kind} module; only auth.pass_table has credentials to manage`);
    }
    return module;
  }
  const tables = [...config.auth.values()].filter((m): m is Extract<AuthModuleConfig, { kind: 'pass_table' }> => m.kind === 'pass_table');
  const [only] = tables;
  if (only === undefined) throw new CommandError('the configuration has no auth.pass_table module');
  if (tables.length === 1) return only;
  const first = config.imap[0] === undefined ? undefined : config.auth.get(config.imap[0].auth);
  if (first?.kind === 'pass_table') return first;
  throw new CommandError(`several auth.pass_table modules (${tables.map((t) => t.name).join(', ')}); choose one with --cfg-block`);
}

function writable(table: ReadableTable): MutableTable {
  if (!isMutableTable(table)) {
    throw new CommandError(
      `${table.description} is read-only; edit the file instead (one "user: hash" line per account, hashes from 'gannet hash')`,
    );
  }
  return table;
}

function hashAlgorithm(value: string | boolean | undefined): HashAlgorithm {
  if (value === undefined) return DEFAULT_HASH_ALGORITHM;
  if (value === 'argon2' || value === 'bcrypt') return value;
  throw new UsageError(`unknown hash '${String(value)}' (use argon2 or bcrypt)`);
}

function isVerb(text: string): text is Verb {
  return (VERBS as readonly string[]).includes(text);
}

function stringValue(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
type ParsedArgs = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parse(argv: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    // parseArgs explains the problem ("Unknown option '--x'", "Option '--password' argument missing").
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
