// The human summary of a loaded configuration that `gannet verify-config` prints: what will
// listen where, with which TLS, authentication and storage, so a mistake is visible at a glance.

import type {
  AuthModuleConfig,
  DeliveryMapConfig,
  EndpointAddress,
  GannetConfig,
  LogTarget,
  StorageModuleConfig,
  TableConfig,
  TlsConfig,
} from './schema.js';

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

/** `32M`-style, exact: the largest unit that divides the size. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

function describeTls(tls: TlsConfig | null): string[] {
  if (tls === null) return ['tls: off'];
  const lines = [`tls: cert ${tls.cert}`, `     key  ${tls.key}`];
  if (tls.minVersion !== undefined) {
    const versions = tls.minVersion === tls.maxVersion ? tls.minVersion : `${tls.minVersion} to ${tls.maxVersion}`;
    lines.push(`     versions ${versions}`);
  } else {
    lines.push('     versions: node defaults');
  }
  if (tls.ciphers !== undefined) lines.push(`     ciphers ${tls.ciphers}`);
  if (tls.curves !== undefined) lines.push(`     curves ${tls.curves}`);
  return lines;
}

function describeAddress(a: EndpointAddress, tlsOn: boolean): string {
  if (a.scheme === 'unix') return `${a.original} (socket ${a.path})`;
  const note = a.scheme === 'tls' ? 'implicit TLS' : tlsOn ? 'plaintext with STARTTLS' : 'plaintext';
  return `${a.original} (${note})`;
}

function describeTable(t: TableConfig): string {
  return t.kind === 'lmdb' ? `lmdb table ${JSON.stringify(t.name)}` : `file table ${t.path}`;
}

function describeAuth(m: AuthModuleConfig): string {
  switch (m.kind) {
    case 'pass_table':
      return `pass_table over ${describeTable(m.table)}`;
    case 'external': {
      const domains = m.domains.length > 0 ? `, domains ${m.domains.join(' ')}` : '';
      return `external helper ${m.helper}, perdomain ${yesNo(m.perDomain)}${domains}`;
    }
    case 'pam':
      return `pam via helper ${m.helper}${m.debug ? ', debug' : ''}`;
  }
}

function describeStorage(s: StorageModuleConfig): string {
  return `lmdb at ${s.path}, appendlimit ${formatSize(s.appendLimit)}, junk ${JSON.stringify(s.junkMailbox)}, default mailboxes ${s.defaultMailboxes.join(' ')}`;
}

function describeDeliveryMap(m: DeliveryMapConfig): string {
  switch (m.kind) {
    case 'identity':
      return 'identity';
    case 'email_localpart':
      return m.optional ? 'email_localpart_optional' : 'email_localpart';
    case 'static':
      return `static (${m.entries.length} entries)`;
    case 'table':
      return describeTable(m.table);
  }
}

/** Delivery settings of a storage module, shown only when one of them is set. */
function describeDelivery(s: StorageModuleConfig): string[] {
  const lines: string[] = [];
  if (s.deliveryNormalize !== undefined || s.deliveryMap !== undefined) {
    lines.push(
      `delivery: normalize ${s.deliveryNormalize ?? 'precis_casefold_email'}, map ${describeDeliveryMap(s.deliveryMap ?? { kind: 'identity' })}`,
    );
  }
  for (const f of s.imapFilters ?? []) {
    lines.push(`imap_filter: command ${f.executable}${f.args.length > 0 ? ` ${f.args.join(' ')}` : ''} (timeout ${f.timeoutMs / 1000}s)`);
  }
  return lines;
}

function describeLog(log: LogTarget): string {
  return log.kind === 'file' ? log.path : log.kind;
}

/** A multi-line, human-readable summary of `cfg`, ending with a newline. */
export function describeConfig(cfg: GannetConfig): string {
  const out: string[] = [];
  out.push(`configuration: ${cfg.files.length > 0 ? cfg.files.join(', ') : 'built-in default'}`);
  out.push(`state directory: ${cfg.stateDir}`);
  out.push(`runtime directory: ${cfg.runtimeDir}`);
  out.push(`hostname: ${cfg.hostname}`);
  out.push(`log: ${describeLog(cfg.log)}${cfg.debug ? ' (debug)' : ''}`);

  cfg.imap.forEach((ep, i) => {
    out.push('');
    out.push(`imap endpoint ${i + 1} (${ep.source.file}:${ep.source.line}):`);
    for (const a of ep.addresses) out.push(`  listen ${describeAddress(a, ep.tls !== null)}`);
    for (const line of describeTls(ep.tls)) out.push(`  ${line}`);
    out.push(`  insecure_auth: ${yesNo(ep.insecureAuth)}${ep.insecureAuth ? ' (passwords may cross the network unencrypted)' : ''}`);
    const auth = cfg.auth.get(ep.auth);
    out.push(`  auth: ${ep.auth}${auth ? ` (${describeAuth(auth)})` : ''}`);
    const storage = cfg.storage.get(ep.storage);
    out.push(`  storage: ${ep.storage}${storage ? ` (${describeStorage(storage)})` : ''}`);
    if (storage) for (const line of describeDelivery(storage)) out.push(`  ${line}`);
    const flags = [
      ep.saslLogin ? 'sasl_login' : '',
      ep.debug ? 'debug' : '',
      ep.ioDebug ? 'io_debug' : '',
      ep.ioErrors ? 'io_errors' : '',
    ].filter((f) => f !== '');
    if (flags.length > 0) out.push(`  enabled: ${flags.join(' ')}`);
    if (ep.traceTransitions !== null) out.push(`  trace_transitions: ${ep.traceTransitions}`);
  });

  (cfg.lmtp ?? []).forEach((ep, i) => {
    out.push('');
    out.push(`lmtp endpoint ${i + 1} (${ep.source.file}:${ep.source.line}):`);
    for (const a of ep.addresses) out.push(`  listen ${describeAddress(a, false)}`);
    out.push(`  hostname: ${ep.hostname}, max_message_size ${formatSize(ep.maxMessageSize)}`);
    const storage = cfg.storage.get(ep.storage);
    out.push(`  deliver_to: ${ep.storage}${storage ? ` (${describeStorage(storage)})` : ''}`);
    if (storage) for (const line of describeDelivery(storage)) out.push(`  ${line}`);
    if (ep.quarantineHeader !== null) out.push(`  quarantine_header: ${ep.quarantineHeader.name} ${ep.quarantineHeader.value}`);
    if (ep.trustedForwarders.length > 0) out.push(`  trusted_forwarders: ${ep.trustedForwarders.join(' ')}`);
  });

  // Modules no endpoint uses are still listed: they are probably a mistake worth seeing.
  const used = new Set([...cfg.imap.flatMap((ep) => [ep.auth, ep.storage]), ...(cfg.lmtp ?? []).map((ep) => ep.storage)]);
  const unused = [...cfg.auth.keys(), ...cfg.storage.keys()].filter((n) => !used.has(n));
  if (unused.length > 0) {
    out.push('');
    out.push(`defined but unused modules: ${unused.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}
