// Module definitions and references (maddy's "Modules introduction"): top-level blocks such as
// `auth.pass_table local_authdb { … }`, references `&local_authdb`, and inline definitions
// `auth pam` / `auth pass_table lmdb creds` inside an endpoint. Each supported module is one
// entry in MODULES; maddy modules Gannet lacks get a "not supported by Gannet" answer.

import path from 'node:path';
import {
  argList,
  boolArg,
  dirOf,
  durationArg,
  fail,
  noBlock,
  posOf,
  processBlock,
  resolveAgainst,
  singleArg,
  sizeArg,
} from './directive.js';
import type { ConfigNode } from './parser.js';
import type {
  AuthModuleConfig,
  DeliveryMapConfig,
  DeliveryNormalize,
  ImapFilterConfig,
  StorageModuleConfig,
  TableConfig,
  TlsConfig,
  TombstoneRetention,
} from './schema.js';
import { parseDeliveryMap, parseDeliveryNormalize, parseImapFilters } from './delivery.js';

export type ModuleNamespace = 'auth' | 'storage';

/** What module builders and endpoint readers share while one configuration is loaded. */
export interface LoadContext {
  cwd: string;
  stateDir: string;
  runtimeDir: string;
  /** The global `debug` value: the default of each endpoint's `debug`. */
  debug: boolean;
  /** The global `tls`: undefined when not given, null for `tls off`. */
  globalTls: TlsConfig | null | undefined;
  /** Every instance name and alias → the instance it names. */
  instances: Map<string, { namespace: ModuleNamespace; name: string; node: ConfigNode }>;
  auth: Map<string, AuthModuleConfig>;
  storage: Map<string, StorageModuleConfig>;
}

type Built = { namespace: 'auth'; config: AuthModuleConfig } | { namespace: 'storage'; config: StorageModuleConfig };

interface ModuleKind {
  namespace: ModuleNamespace;
  /**
   * Builds the instance `name`. `inlineArgs` are the words after the module name in an inline
   * definition (`auth pass_table lmdb creds` → `lmdb creds`); top-level definitions have none.
   * `node`'s children are the module's block.
   */
  build(name: string, inlineArgs: string[], node: ConfigNode, ctx: LoadContext): Built;
}

/** Default helper of auth.pam: pwauth speaks the same stdin protocol and is widely packaged. */
export const DEFAULT_PAM_HELPER = '/usr/sbin/pwauth';

const DEFAULT_MAILBOXES = ['Sent', 'Drafts', 'Trash', 'Junk', 'Archive'];
const DEFAULT_APPEND_LIMIT = 32 * 1024 * 1024;
/**
 * Default expunge tombstone retention (`tombstone_retention`, `tombstone_limit`). A tombstone
 * lets a client that reconnects with CONDSTORE/QRESYNC learn exactly which of its messages
 * went (RFC 7162 §3.2.5.1); without it the client is sent every UID it may know that is gone,
 * which is correct but larger. 30 days covers a laptop left closed over a holiday; 100,000 per
 * mailbox bounds the space (about 40 bytes each) for mailboxes that churn.
 */
export const DEFAULT_TOMBSTONE_RETENTION: Readonly<TombstoneRetention> = { maxAge: 30 * 24 * 3_600_000, maxCount: 100_000 };

// LMDB table names become database keys or file names under state_dir; keep them plain.
const TABLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function noInlineArgs(moduleName: string, inlineArgs: string[], node: ConfigNode): void {
  if (inlineArgs.length > 0) {
    fail(node, `${moduleName} takes no arguments after its name; configure it in a block`);
  }
}

/** `table lmdb NAME`, `table file PATH`, `table file { file PATH }` (maddy-tables(5)). */
export function parseTable(args: string[], block: ConfigNode, ctx: LoadContext): TableConfig {
  const [rawKind, ...rest] = args;
  if (rawKind === undefined) fail(block, 'table needs a table module, like "table lmdb credentials"');
  if (rawKind.startsWith('&')) {
    fail(block, 'table references are not supported by Gannet; write the table inline: "table lmdb NAME" or "table file PATH"');
  }
  const kind = rawKind.startsWith('table.') ? rawKind.slice('table.'.length) : rawKind;
  if (kind === 'lmdb') {
    noBlock(block);
    if (rest.length !== 1) fail(block, 'the lmdb table takes one argument: its name');
    const name = rest[0] as string;
    if (!TABLE_NAME.test(name)) fail(block, `invalid lmdb table name ${JSON.stringify(name)}: use letters, digits, '.', '-', '_'`);
    return { kind: 'lmdb', name };
  }
  if (kind === 'file') {
    // The file table's own block holds `file PATH` when the path is not an argument.
    let file: string | undefined;
    let from = block;
    if (rest.length === 1) {
      noBlock(block);
      file = rest[0];
    } else if (rest.length === 0) {
      processBlock(block, 'file table block', {
        file: (n) => {
          file = singleArg(n);
          from = n;
        },
      });
    } else {
      fail(block, 'the file table takes one argument: the file path');
    }
    if (file === undefined) fail(block, 'the file table needs a path: "table file PATH"');
    return { kind: 'file', path: resolveAgainst(dirOf(from, ctx.cwd), file) };
  }
  return fail(block, `table module ${JSON.stringify(rawKind)} is not supported by Gannet; use "table lmdb NAME" or "table file PATH"`);
}

/** Supported module kinds by full name. Adding a module is one entry here. */
export const MODULES: Record<string, ModuleKind> = {
  'auth.pass_table': {
    namespace: 'auth',
    build(name, inlineArgs, node, ctx) {
      let table: TableConfig | undefined;
      if (inlineArgs.length > 0) {
        // Short form `pass_table TABLE ARGS… { table config }`: the block belongs to the table.
        table = parseTable(inlineArgs, node, ctx);
      } else {
        processBlock(node, 'auth.pass_table block', {
          table: (n) => {
            table = parseTable(n.args, n, ctx);
          },
        });
      }
      if (table === undefined) fail(node, 'auth.pass_table needs a table, like "table lmdb credentials"');
      return { namespace: 'auth', config: { kind: 'pass_table', name, table, source: posOf(node) } };
    },
  },
  'auth.external': {
    namespace: 'auth',
    build(name, inlineArgs, node, ctx) {
      noInlineArgs('auth.external', inlineArgs, node);
      let helper: string | undefined;
      let perDomain = false;
      let domains: string[] = [];
      processBlock(node, 'auth.external block', {
        helper: (n) => {
          helper = resolveAgainst(dirOf(n, ctx.cwd), singleArg(n));
        },
        perdomain: (n) => {
          perDomain = boolArg(n);
        },
        domains: (n) => {
          domains = argList(n);
        },
      });
      if (helper === undefined) fail(node, 'auth.external needs a helper: "helper /path/to/program"');
      // maddy-auth(5): "If 'perdomain' is set, then domains must be also set".
      if (perDomain && domains.length === 0) fail(node, 'auth.external with "perdomain yes" needs "domains"');
      return {
        namespace: 'auth',
        config: { kind: 'external', name, helper, perDomain, domains, source: posOf(node) },
      };
    },
  },
  'auth.pam': {
    namespace: 'auth',
    build(name, inlineArgs, node, ctx) {
      noInlineArgs('auth.pam', inlineArgs, node);
      let helper = DEFAULT_PAM_HELPER;
      let debug = false;
      processBlock(node, 'auth.pam block', {
        debug: (n) => {
          debug = boolArg(n);
        },
        // Gannet never links libpam; it always runs a helper, so this maddy switch only
        // has to be well-formed.
        use_helper: (n) => {
          boolArg(n);
        },
        // Gannet-specific: the helper program (username and password lines on stdin).
        helper: (n) => {
          helper = resolveAgainst(dirOf(n, ctx.cwd), singleArg(n));
        },
      });
      return { namespace: 'auth', config: { kind: 'pam', name, helper, debug, source: posOf(node) } };
    },
  },
  'storage.lmdb': {
    namespace: 'storage',
    build(name, inlineArgs, node, ctx) {
      noInlineArgs('storage.lmdb', inlineArgs, node);
      let dir = 'mail';
      let appendLimit = DEFAULT_APPEND_LIMIT;
      const tombstoneRetention: TombstoneRetention = { ...DEFAULT_TOMBSTONE_RETENTION };
      let junkMailbox = 'Junk';
      let defaultMailboxes = DEFAULT_MAILBOXES;
      let searchIndex = true;
      // Delivery directives (maddy-storage(5)); kept off the config unless given.
      let deliveryMap: DeliveryMapConfig | undefined;
      let deliveryNormalize: DeliveryNormalize | undefined;
      let imapFilters: ImapFilterConfig[] | undefined;
      processBlock(node, 'storage.lmdb block', {
        path: (n) => {
          dir = singleArg(n);
          if (dir === '') fail(n, 'path must not be empty');
        },
        appendlimit: (n) => {
          appendLimit = sizeArg(n);
          if (appendLimit === 0) fail(n, 'appendlimit must be above zero');
        },
        // Gannet-specific: how long expunges are remembered for CONDSTORE/QRESYNC clients.
        tombstone_retention: (n) => {
          tombstoneRetention.maxAge = durationArg(n);
          if (tombstoneRetention.maxAge <= 0) fail(n, 'tombstone_retention must be above zero');
        },
        tombstone_limit: (n) => {
          const count = Number(singleArg(n));
          if (!Number.isInteger(count) || count < 1) fail(n, 'tombstone_limit must be a whole number above zero');
          tombstoneRetention.maxCount = count;
        },
        junk_mailbox: (n) => {
          junkMailbox = singleArg(n);
        },
        // Gannet-specific: keep the SEARCH text index (default yes). Off, SEARCH reads every
        // message a text key applies to: the same answers, at the cost of a scan.
        search_index: (n) => {
          searchIndex = boolArg(n);
        },
        default_mailboxes: (n) => {
          defaultMailboxes = argList(n);
        },
        delivery_map: (n) => {
          deliveryMap = parseDeliveryMap(n, ctx);
        },
        delivery_normalize: (n) => {
          deliveryNormalize = parseDeliveryNormalize(n);
        },
        imap_filter: (n) => {
          imapFilters = parseImapFilters(n, ctx);
        },
      });
      return {
        namespace: 'storage',
        config: {
          kind: 'lmdb',
          name,
          // Mail is data Gannet writes, so it lives under state_dir like everything it writes.
          path: path.resolve(ctx.stateDir, dir),
          appendLimit,
          tombstoneRetention,
          searchIndex,
          junkMailbox,
          defaultMailboxes: [...defaultMailboxes],
          ...(deliveryMap === undefined ? {} : { deliveryMap }),
          ...(deliveryNormalize === undefined ? {} : { deliveryNormalize }),
          ...(imapFilters === undefined ? {} : { imapFilters }),
          source: posOf(node),
        },
      };
    },
  },
};

const SUPPORTED_LIST: Record<ModuleNamespace, string> = {
  auth: Object.keys(MODULES)
    .filter((k) => k.startsWith('auth.'))
    .join(', '),
  storage: Object.keys(MODULES)
    .filter((k) => k.startsWith('storage.'))
    .join(', '),
};

/** maddy namespaces whose modules Gannet does not have (beyond those in MODULES). */
const MADDY_NAMESPACES = ['auth', 'storage', 'table', 'target', 'check', 'modify', 'tls', 'blob'];

/** Whether `name` looks like a maddy module Gannet lacks, e.g. `storage.imapsql`, `check.spf`. */
export function isMaddyModuleName(name: string): boolean {
  const dot = name.indexOf('.');
  return dot > 0 && MADDY_NAMESPACES.includes(name.slice(0, dot)) && !Object.hasOwn(MODULES, name);
}

/** The error text for a maddy module Gannet does not implement. */
export function unsupportedModuleText(name: string): string {
  if (name === 'storage.imapsql') return 'module storage.imapsql is not supported by Gannet; use storage.lmdb';
  const ns = name.slice(0, name.indexOf('.'));
  if (ns === 'auth' || ns === 'storage') {
    return `module ${name} is not supported by Gannet (supported: ${SUPPORTED_LIST[ns]})`;
  }
  return `module ${name} is not supported by Gannet`;
}

function register(ctx: LoadContext, names: string[], built: Built, node: ConfigNode): void {
  for (const n of names) {
    const earlier = ctx.instances.get(n);
    if (earlier !== undefined) {
      fail(node, `module name ${JSON.stringify(n)} is already used at ${earlier.node.file}:${earlier.node.line}`);
    }
  }
  const primary = names[0] as string;
  for (const n of names) ctx.instances.set(n, { namespace: built.namespace, name: primary, node });
  if (built.namespace === 'auth') ctx.auth.set(primary, built.config);
  else ctx.storage.set(primary, built.config);
}

/**
 * A top-level definition: `namespace.module NAME [ALIAS…] { … }`. Without a name the instance is
 * named after the module, and further names are aliases (maddy's "Modules introduction").
 */
export function defineModule(node: ConfigNode, ctx: LoadContext): void {
  const kind = MODULES[node.name] as ModuleKind;
  const names = node.args.length > 0 ? node.args : [node.name];
  for (const n of names) {
    if (n === '' || n.startsWith('&')) fail(node, `invalid module name ${JSON.stringify(n)}`);
  }
  const built = kind.build(names[0] as string, [], node, ctx);
  register(ctx, names, built, node);
}

function inlineName(moduleName: string, node: ConfigNode, ctx: LoadContext): string {
  // Readable in logs, and unique even when a snippet repeats the same file:line.
  const base = `${moduleName}@${path.basename(node.file)}:${node.line}`;
  let name = base;
  for (let i = 2; ctx.instances.has(name); i++) name = `${base}~${i}`;
  return name;
}

function kindOf(namespace: ModuleNamespace): string {
  return namespace === 'auth' ? 'an auth module' : 'a storage module';
}

/**
 * Resolves a module-valued directive inside an endpoint (`auth &name`, `auth pam`,
 * `storage lmdb { … }`) to the name of an instance in `ctx.auth` / `ctx.storage`, defining an
 * inline instance on the way when needed.
 */
export function resolveModuleRef(node: ConfigNode, namespace: ModuleNamespace, ctx: LoadContext): string {
  const first = node.args[0];
  if (first === undefined) {
    fail(node, `${node.name} needs a module: a reference like &name or a module name like ${namespace === 'auth' ? 'pam' : 'lmdb'}`);
  }
  if (first.startsWith('&')) {
    if (node.args.length !== 1) fail(node, `a module reference takes nothing after it: ${node.name} ${first}`);
    noBlock(node);
    const target = ctx.instances.get(first.slice(1));
    if (target === undefined) fail(node, `unknown module reference ${JSON.stringify(first)}`);
    if (target.namespace !== namespace) {
      fail(node, `${first} is ${kindOf(target.namespace)}, not ${kindOf(namespace)}`);
    }
    return target.name;
  }
  // `auth pam` means auth.pam; a full name (`auth auth.pam`) is accepted too.
  const moduleName = first.includes('.') ? first : `${namespace}.${first}`;
  const kind = Object.hasOwn(MODULES, moduleName) ? MODULES[moduleName] : undefined;
  if (kind === undefined) {
    if (isMaddyModuleName(moduleName)) fail(node, unsupportedModuleText(moduleName));
    fail(node, `unknown ${namespace} module ${JSON.stringify(first)}`);
  }
  if (kind.namespace !== namespace) fail(node, `${moduleName} is ${kindOf(kind.namespace)}, not ${kindOf(namespace)}`);
  const name = inlineName(moduleName, node, ctx);
  const built = kind.build(name, node.args.slice(1), node, ctx);
  register(ctx, [name], built, node);
  return name;
}
