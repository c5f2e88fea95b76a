// The typed configuration that the loader produces from maddy-syntax files (see load.ts).
// Every other part of Gannet reads only these types, never the raw directive tree.

/** Where a directive came from, for error messages: `gannet.conf:12`. */
export interface SourcePos {
  file: string;
  line: number;
}

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** `tls CERT KEY`, `tls file CERT KEY`, or the block form; `tls off` is represented by `null`. */
export interface TlsConfig {
  cert: string; // absolute path
  key: string; // absolute path
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** OpenSSL cipher list (TLS 1.2 and below), joined with ':'. */
  ciphers?: string;
  /** ECDH curve names, joined with ':' (node's `ecdhCurve`). */
  curves?: string;
  source: SourcePos;
}

export type LogTarget = { kind: 'stderr' } | { kind: 'off' } | { kind: 'file'; path: string };

export type EndpointAddress =
  { scheme: 'tcp' | 'tls'; host: string; port: number; original: string } | { scheme: 'unix'; path: string; original: string };

/** A credential table: `table lmdb NAME` (mutable, under state_dir) or `table file PATH` (read-only, maddy's format). */
export type TableConfig = { kind: 'lmdb'; name: string } | { kind: 'file'; path: string };

export type AuthModuleConfig =
  | { kind: 'pass_table'; name: string; table: TableConfig; source: SourcePos }
  | {
      kind: 'external';
      name: string;
      helper: string;
      perDomain: boolean;
      domains: string[];
      source: SourcePos;
    }
  | {
      kind: 'pam';
      name: string;
      /** Executable speaking the helper protocol (username\npassword\n on stdin; exit 0 = ok, 1 = bad credentials). */
      helper: string;
      debug: boolean;
      source: SourcePos;
    };

/** How long expunge tombstones are kept per mailbox, for CONDSTORE/QRESYNC resynchronisation. */
export interface TombstoneRetention {
  /** ms; tombstones older than this are pruned. */
  maxAge: number;
  /** Most tombstones a mailbox keeps; the oldest go first. */
  maxCount: number;
}

export interface StorageModuleConfig {
  kind: 'lmdb';
  name: string;
  /** Absolute path of the LMDB environment directory. */
  path: string;
  /** Bytes; APPENDLIMIT (RFC 7889). */
  appendLimit: number;
  /** `tombstone_retention` and `tombstone_limit`: how long expunges are remembered for QRESYNC (RFC 7162 §3.2.5.1). */
  tombstoneRetention: TombstoneRetention;
  /** `search_index` (default yes): keep the text index of SEARCH (src/indexing/text-indexer.ts). */
  searchIndex: boolean;
  junkMailbox: string;
  defaultMailboxes: string[];
  /** `delivery_map` (maddy-storage): recipient address → account name; absent means identity. */
  deliveryMap?: DeliveryMapConfig;
  /** `delivery_normalize`: applied to recipient addresses before the map; absent means precis_casefold_email. */
  deliveryNormalize?: DeliveryNormalize;
  /** `imap_filter { … }`: run in order on every delivered message; absent means none. */
  imapFilters?: ImapFilterConfig[];
  source: SourcePos;
}

/** maddy's normalization function names (maddy-storage `auth_normalize`). */
export type DeliveryNormalize = 'precis_casefold_email' | 'precis_casefold' | 'precis_email' | 'precis' | 'casefold' | 'noop';

/**
 * `delivery_map TABLE`: maddy-tables(5) modules that make sense for recipient → account:
 * `identity`, `email_localpart[_optional]`, `static { entry KEY VALUE }`, `file PATH`, `lmdb NAME`.
 */
export type DeliveryMapConfig =
  | { kind: 'identity' }
  | { kind: 'email_localpart'; optional: boolean }
  | { kind: 'static'; entries: Array<[string, string]> }
  | { kind: 'table'; table: TableConfig };

/** `command EXECUTABLE ARGS… [{ timeout D }]` in `imap_filter` (maddy's imap.filter.command). */
export interface ImapFilterConfig {
  kind: 'command';
  /** Absolute path, or a name looked up on PATH; never expanded. */
  executable: string;
  /** Argument templates; `{placeholder}`s are expanded at delivery time. */
  args: string[];
  timeoutMs: number;
  source: SourcePos;
}

/** An `lmtp ADDR… { … }` block (RFC 2033 delivery from an MTA). */
export interface LmtpEndpointConfig {
  addresses: EndpointAddress[];
  /** Name in the greeting, LHLO reply and Received fields. */
  hostname: string;
  /** Bytes; larger messages get 552 for every recipient. */
  maxMessageSize: number;
  /** Name of the storage module instance in GannetConfig.storage (`deliver_to`). */
  storage: string;
  /** `quarantine_header NAME VALUE`: mail scanned upstream and so marked goes to Junk. */
  quarantineHeader: { name: string; value: string } | null;
  /** TCP peers whose XCLIENT/XFORWARD are believed; unix socket peers always are. */
  trustedForwarders: string[];
  debug: boolean;
  source: SourcePos;
}

export interface ImapEndpointConfig {
  addresses: EndpointAddress[];
  /** null when TLS is off for this endpoint (no STARTTLS, tls:// is an error). */
  tls: TlsConfig | null;
  ioDebug: boolean;
  ioErrors: boolean;
  debug: boolean;
  insecureAuth: boolean;
  /** Name of the auth module instance (named or inline) in GannetConfig.auth. */
  auth: string;
  /** Name of the storage module instance in GannetConfig.storage. */
  storage: string;
  /** `sasl_login yes`: offer the non-standard SASL LOGIN mechanism. */
  saslLogin: boolean;
  /** `trace_transitions PATH`: JSON lines of every connection state transition; null when off. */
  traceTransitions: string | null;
  source: SourcePos;
}

export interface GannetConfig {
  stateDir: string;
  runtimeDir: string;
  hostname: string;
  debug: boolean;
  log: LogTarget;
  /** The global `tls` directive: the default for endpoints that do not set their own. */
  tls: TlsConfig | null;
  auth: Map<string, AuthModuleConfig>;
  storage: Map<string, StorageModuleConfig>;
  imap: ImapEndpointConfig[];
  /** LMTP endpoints; the loader always sets it (optional only for configs built by hand). */
  lmtp?: LmtpEndpointConfig[];
  /** Files the configuration was read from (the main file and every import), for messages. */
  files: string[];
  /** `worker_threads`: threads of the worker pool (MIME parsing, SEARCH); null = one per core. */
  workerThreads: number | null;
  /** `hibernate_after`: rest before a connection hibernates; null = never; absent = the default. */
  hibernateAfterMs?: number | null;
}
