// Configuration of mail delivery: the `lmtp` endpoint block (RFC 2033) and the storage
// directives `delivery_map`, `delivery_normalize` and `imap_filter` (maddy-storage(5),
// maddy-imap-filters(5)), read into the typed forms of schema.ts.

import { boolArg, dirOf, fail, noBlock, posOf, processBlock, resolveAgainst, singleArg, sizeArg } from './directive.js';
import { ConfigError } from './errors.js';
import { parseTable, resolveModuleRef, type LoadContext } from './modules.js';
import type { ConfigNode } from './parser.js';
import type {
  DeliveryMapConfig,
  DeliveryNormalize,
  EndpointAddress,
  GannetConfig,
  ImapFilterConfig,
  LmtpEndpointConfig,
} from './schema.js';
import { parseDuration } from './values.js';

/** maddy's default for `max_message_size` in its SMTP/LMTP endpoints. */
export const DEFAULT_MAX_MESSAGE_SIZE = 32 * 1024 * 1024;

/**
 * Default filter time limit. Long enough for a spam scorer on a loaded machine, short enough
 * that the MTA's own LMTP timeout (Postfix waits 600 s for the reply to DATA) is never reached
 * even with several filters in a row.
 */
export const DEFAULT_FILTER_TIMEOUT_MS = 30_000;

const NORMALIZE_NAMES: readonly DeliveryNormalize[] = [
  'precis_casefold_email',
  'precis_casefold',
  'precis_email',
  'precis',
  'casefold',
  'noop',
];

/** `delivery_normalize NAME`. */
export function parseDeliveryNormalize(node: ConfigNode): DeliveryNormalize {
  const name = singleArg(node);
  if (!(NORMALIZE_NAMES as readonly string[]).includes(name)) {
    fail(node, `unknown normalization ${JSON.stringify(name)}; use one of ${NORMALIZE_NAMES.join(', ')}`);
  }
  return name as DeliveryNormalize;
}

/**
 * `delivery_map identity | email_localpart | email_localpart_optional | static { entry K V … }
 * | file PATH | lmdb NAME` (maddy-tables(5); the `table.` prefix is accepted too).
 */
export function parseDeliveryMap(node: ConfigNode, ctx: LoadContext): DeliveryMapConfig {
  const [raw, ...rest] = node.args;
  if (raw === undefined)
    fail(node, 'delivery_map needs a table, like "delivery_map email_localpart" or "delivery_map file /etc/gannet/aliases"');
  const kind = raw.startsWith('table.') ? raw.slice('table.'.length) : raw;
  switch (kind) {
    case 'identity':
    case 'email_localpart':
    case 'email_localpart_optional':
      noBlock(node);
      if (rest.length > 0) fail(node, `the ${kind} table takes no arguments`);
      return kind === 'identity' ? { kind } : { kind: 'email_localpart', optional: kind === 'email_localpart_optional' };
    case 'static': {
      if (rest.length > 0) fail(node, 'the static table takes its entries in a block: static { entry KEY VALUE }');
      // Later entries win, as maddy documents for table.static.
      const entries = new Map<string, string>();
      processBlockRepeating(node, 'static table block', {
        entry: (n) => {
          noBlock(n);
          if (n.args.length !== 2) fail(n, 'entry takes a key and a value: entry alice@example.org alice');
          entries.set(n.args[0] as string, n.args[1] as string);
        },
      });
      return { kind: 'static', entries: [...entries] };
    }
    case 'file':
    case 'lmdb':
      return { kind: 'table', table: parseTable([kind, ...rest], node, ctx) };
    default:
      return fail(
        node,
        `table ${JSON.stringify(raw)} is not supported for delivery_map; use identity, email_localpart, email_localpart_optional, static, file or lmdb`,
      );
  }
}

/** Like processBlock, but a directive may repeat (static `entry`, filter `command`). */
function processBlockRepeating(block: ConfigNode, where: string, handlers: Record<string, (n: ConfigNode) => void>): void {
  for (const child of block.children) {
    const handler = Object.hasOwn(handlers, child.name) ? handlers[child.name] : undefined;
    if (handler === undefined) fail(child, `unknown directive ${JSON.stringify(child.name)} in ${where}`);
    handler(child);
  }
}

/**
 * `imap_filter { command EXECUTABLE ARGS… [{ timeout 5s }] … }`. The executable is never
 * expanded (maddy-imap-filters(5): placeholders there would allow command injection); a
 * relative path with a slash is taken from the configuration file's directory.
 */
export function parseImapFilters(node: ConfigNode, ctx: LoadContext): ImapFilterConfig[] {
  if (node.args.length > 0) {
    fail(node, 'imap_filter takes its filters in a block: imap_filter { command /path/to/filter {account_name} }');
  }
  const filters: ImapFilterConfig[] = [];
  const command = (n: ConfigNode): void => {
    const [exe, ...args] = n.args;
    if (exe === undefined || exe === '') fail(n, 'command needs an executable: command /usr/local/bin/filter {account_name}');
    if (exe.startsWith('&')) fail(n, 'filter references are not supported by Gannet; write the command inline');
    let timeoutMs = DEFAULT_FILTER_TIMEOUT_MS;
    processBlock(n, 'command block', {
      timeout: (t) => {
        const text = singleArg(t);
        try {
          timeoutMs = parseDuration(text);
        } catch (err) {
          fail(t, `timeout: ${(err as Error).message}`);
        }
        if (timeoutMs <= 0) fail(t, 'timeout must be above zero');
      },
    });
    const executable = exe.includes('/') ? resolveAgainst(dirOf(n, ctx.cwd), exe) : exe;
    filters.push({ kind: 'command', executable, args, timeoutMs, source: posOf(n) });
  };
  processBlockRepeating(node, 'imap_filter block', { command, 'imap.filter.command': command });
  if (filters.length === 0) fail(node, 'imap_filter needs at least one filter, like: command /path/to/filter {account_name}');
  return filters;
}

/** An `lmtp ADDR… { … }` block: RFC 2033 delivery into a storage module. */
export function readLmtpEndpoint(
  node: ConfigNode,
  ctx: LoadContext,
  out: GannetConfig,
  parseAddress: (text: string, node: ConfigNode, runtimeDir: string) => EndpointAddress,
): LmtpEndpointConfig {
  if (node.args.length === 0) fail(node, 'lmtp needs at least one address, like tcp://127.0.0.1:2424 or unix://lmtp.sock');
  const addresses = node.args.map((a) => parseAddress(a, node, ctx.runtimeDir));
  const implicitTls = addresses.find((a) => a.scheme === 'tls');
  if (implicitTls) fail(node, `${implicitTls.original}: Gannet's LMTP endpoint has no TLS; listen on loopback or a unix socket`);
  let hostname = out.hostname;
  let maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  let storage: string | undefined;
  let quarantineHeader: LmtpEndpointConfig['quarantineHeader'] = null;
  let trustedForwarders: string[] = [];
  let debug = ctx.debug;
  processBlock(
    node,
    'lmtp block',
    {
      hostname: (n) => {
        hostname = singleArg(n);
        // The name goes into replies and Received fields; keep it a plain domain-like word.
        if (!/^[A-Za-z0-9.:[\]_-]+$/.test(hostname)) fail(n, `invalid hostname ${JSON.stringify(hostname)}`);
      },
      max_message_size: (n) => {
        maxMessageSize = sizeArg(n);
        if (maxMessageSize === 0) fail(n, 'max_message_size must be above zero');
      },
      deliver_to: (n) => {
        storage = resolveModuleRef(n, 'storage', ctx);
      },
      quarantine_header: (n) => {
        noBlock(n);
        if (n.args.length !== 2) fail(n, 'quarantine_header takes a field name and a value: quarantine_header X-Spam-Flag YES');
        const [name, value] = n.args as [string, string];
        // RFC 5322 §3.6.8: field-name = 1*ftext, printable ASCII except colon.
        if (!/^[!-9;-~]+$/.test(name)) fail(n, `invalid header field name ${JSON.stringify(name)}`);
        quarantineHeader = { name, value };
      },
      trusted_forwarders: (n) => {
        noBlock(n);
        trustedForwarders = [...n.args];
      },
      debug: (n) => {
        debug = boolArg(n);
      },
    },
    {
      tls: 'LMTP is for a local MTA; listen on loopback or a unix socket',
      auth: 'LMTP clients do not authenticate (RFC 2033 §4); restrict who can connect instead',
    },
  );
  if (storage === undefined) fail(node, 'lmtp block needs a deliver_to directive, like "deliver_to &local_mailboxes"');
  return { addresses, hostname, maxMessageSize, storage, quarantineHeader, trustedForwarders, debug, source: posOf(node) };
}

/** LMTP addresses must not collide with each other or with an IMAP address. */
export function checkLmtpAddresses(cfg: GannetConfig): void {
  const seen = new Map<string, string>();
  const keyOf = (a: EndpointAddress): string | null =>
    a.scheme === 'unix' ? `unix:${a.path}` : a.port === 0 ? null : `${a.host}:${a.port}`;
  for (const ep of cfg.imap) {
    for (const a of ep.addresses) {
      const key = keyOf(a);
      if (key !== null) seen.set(key, `the imap block at ${ep.source.file}:${ep.source.line}`);
    }
  }
  for (const ep of cfg.lmtp ?? []) {
    for (const a of ep.addresses) {
      const key = keyOf(a);
      if (key === null) continue;
      const earlier = seen.get(key);
      if (earlier !== undefined) throw new ConfigError(`address ${a.original} is already used by ${earlier}`, ep.source);
      seen.set(key, `the lmtp block at ${ep.source.file}:${ep.source.line}`);
    }
  }
}
