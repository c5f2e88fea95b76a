#!/usr/bin/env node
// The `gannet` command: run the server, check a configuration, manage credentials, and
// draw the connection state machine. Every subcommand takes --config FILE (default
// $GANNET_CONFIG, else the embedded default), so the management commands act on the same
// state as the server.

import { setFlagsFromString } from 'node:v8';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { describeConfig } from '../config/describe.js';
import type { GannetConfig } from '../config/schema.js';
import { VERSION } from '../version.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliContext } from './context.js';
import { credsCommand, hashCommand } from './creds.js';
import { imapAcctCommand } from './imap-acct.js';
import { imapMboxesCommand } from './imap-mboxes.js';
import { imapMsgsCommand } from './imap-msgs.js';
import { indexCommand } from './index-cmd.js';
import { deliverCommand, EX_TEMPFAIL } from './deliver.js';

const USAGE = `Usage: gannet [--config FILE] COMMAND [ARGS]

Commands:
  run                     Run the server (the default config serves IMAP on 127.0.0.1:1143)
  verify-config           Check the configuration and print what it would run
  statechart [--dot]      Print the connection state machine (Mermaid; Graphviz DOT with --dot)
  creds list|create|remove|password USER   Manage credentials of a pass_table
  hash [--password P]     Print the stored form of a password
  imap-acct list|create|remove|appendlimit USER          Manage mail accounts
  imap-mboxes list|create|remove|rename USER ...         Manage an account's mailboxes
  imap-msgs add|list|dump|remove|copy|move|add-flags|rem-flags|set-flags USER MAILBOX ...
  index status|rebuild USER [MAILBOX]                    Inspect or rebuild the SEARCH text index
  deliver --to USER [--from SENDER] [--quarantine]      Deliver the message on stdin (sysexits codes)
  version                 Print the version

Options:
  --config FILE           Configuration file (default: $GANNET_CONFIG, else the embedded default)
`;

interface Parsed {
  configFile: string | undefined;
  command: string | undefined;
  rest: string[];
}

/** Pulls --config FILE out of the arguments, wherever it stands. */
export function parseArgs(argv: string[]): Parsed {
  let configFile: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-config') {
      configFile = argv[++i];
      if (configFile === undefined) throw new ConfigError('--config needs a file name');
    } else if (a.startsWith('--config=')) {
      configFile = a.slice('--config='.length);
    } else {
      rest.push(a);
    }
  }
  const [command, ...args] = rest;
  return { configFile, command, rest: args };
}

function load(file: string | undefined): GannetConfig {
  const chosen = file ?? (process.env.GANNET_CONFIG || undefined);
  return chosen === undefined ? loadConfig() : loadConfig({ file: chosen });
}

async function run(config: GannetConfig): Promise<number> {
  const { startGannet } = await import('../main.js');
  const server = await startGannet(config);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.logger.info({ signal }, 'shutting down');
      server.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => server.reloadTls());
    // For memory measurements (bench/) and operators: with --expose-gc, SIGUSR2 runs a full,
    // compacting collection and logs the memory use. Compacting matters after many connections
    // hibernate at once: their live actors were spread over heap pages that V8 otherwise keeps
    // until its memory reducer runs (at 15,000 IDLE connections hibernating after 30 s, 19.6 KiB
    // of RSS per connection before, 8.9 KiB after; IDLE now hibernates after 1 s, and the two
    // readings agree).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) process.on('SIGUSR2', () => compactingCollection(gc, server.logger));
  });
  return EXIT_OK;
}

function compactingCollection(gc: () => void, logger: { info(obj: object, msg: string): void }): void {
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
  logger.info({ rss, heapTotal, heapUsed, external }, 'memory after a compacting collection');
}

export async function main(argv: string[], io: Omit<CliContext, 'config'>): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    io.stderr.write(`gannet: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const { command, rest } = parsed;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout).write(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === 'version' || command === '--version') {
    io.stdout.write(`gannet ${VERSION}\n`);
    return EXIT_OK;
  }
  if (command === 'statechart') {
    const { statechartDot, statechartMermaid } = await import('../main.js');
    io.stdout.write(rest.includes('--dot') ? statechartDot() : statechartMermaid());
    return EXIT_OK;
  }
  let config: GannetConfig;
  try {
    config = load(parsed.configFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`gannet: ${err.message}\n`);
      // An MTA keeps a message it could not hand over (EX_TEMPFAIL) until the config is fixed.
      return command === 'deliver' ? EX_TEMPFAIL : EXIT_FAILURE;
    }
    throw err;
  }
  const ctx: CliContext = { ...io, config };
  switch (command) {
    case 'run':
      try {
        return await run(config);
      } catch (err) {
        // Some of the configuration is only checked as the server starts (a trace file that
        // cannot be opened): said in one line, as a loading error is.
        if (!(err instanceof ConfigError)) throw err;
        io.stderr.write(`gannet: ${err.message}\n`);
        return EXIT_FAILURE;
      }
    case 'verify-config':
      io.stdout.write(describeConfig(config));
      return EXIT_OK;
    case 'creds':
      return credsCommand(rest, ctx);
    case 'hash':
      return hashCommand(rest, ctx);
    case 'imap-acct':
      return imapAcctCommand(rest, ctx);
    case 'imap-mboxes':
      return imapMboxesCommand(rest, ctx);
    case 'index':
      return indexCommand(rest, ctx);
    case 'imap-msgs':
      return imapMsgsCommand(rest, ctx);
    case 'deliver':
      return deliverCommand(rest, ctx);
    default:
      io.stderr.write(`gannet: unknown command "${command}"\n\n${USAGE}`);
      return EXIT_USAGE;
  }
}

// Run when executed as a program (not when imported by tests).
const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/gannet')) {
  main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`gannet: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
