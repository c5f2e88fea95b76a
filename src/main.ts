// The composition root: config → logger → authenticators → TLS → listeners → one connection
// actor per socket. The only module in src/ that imports actors/; everything it wires is a
// plain module that knows nothing of the others.

import type { Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { GannetConfig, ImapEndpointConfig } from './config/schema.js';
import { createLogger, endpointLogger, SessionLogger, type Logger } from './log.js';
import { createAuthenticator, type Authenticator } from './auth/index.js';
import { TlsProvider } from './server/tls.js';
import { Listener } from './server/listener.js';
import { DeadlineSweeper } from './server/deadlines.js';
import { RequestScheduler } from './server/request-scheduler.js';
import { capabilities } from './server/capabilities.js';
import {
  AUTH_FAILURE_DELAY_MS,
  AUTOLOGOUT_TIMEOUT_MS,
  HIBERNATE_AFTER_MS,
  HIBERNATE_SWEEP_MS,
  PREAUTH_TIMEOUT_MS,
  SHUTDOWN_GRACE_MS,
} from './server/limits.js';
import { Connection } from '../actors/connection/connection.js';
import { MailboxRegistry } from '../actors/mailbox/registry.js';
import { TextIndexer } from './indexing/text-indexer.js';
import type { MailServices } from '../actors/connection/deps.js';
import { openMailStore } from './storage/index.js';
import { createPool, type WorkerPool } from './pool.js';
import { TransitionTracer } from '../actors/connection/trace.js';
import { ConnectionSystem } from '../actors/connection/connection-system.js';
import { DeliveryAgent } from './delivery/agent.js';
import { LmtpEndpoint } from './delivery/lmtp-server.js';
import { storedForm } from './protocol/encode/mime-summary.js';
import type { DestinationStream } from 'pino';
import { ConfigError } from './config/errors.js';

export interface StartOptions {
  /** Use this logger instead of one built from the config (tests). */
  logger?: Logger;
  /** Log records go to this stream (tests collect them). */
  logStream?: DestinationStream;
  /** Overrides AUTH_FAILURE_DELAY_MS (tests keep it short). */
  authFailureDelayMs?: number;
  /** How often TLS files are polled for changes (ms). */
  tlsPollMs?: number;
  /** Override PREAUTH_TIMEOUT_MS / AUTOLOGOUT_TIMEOUT_MS (tests). */
  timeouts?: { preauthMs?: number; autologoutMs?: number };
  /** Override TIMEOUT_SWEEP_INTERVAL_MS (tests). */
  sweepIntervalMs?: number;
  /** Overrides ACCEPT_HANDLES (1: no child process to copy listening sockets, as in most tests). */
  acceptHandles?: number;
  /** Override HIBERNATE_AFTER_MS: 0 hibernates resting connections at once, null never. */
  hibernateAfterMs?: number | null;
  /**
   * false: no text indexing, so every SEARCH takes the path of messages not indexed yet (tests
   * check that both paths give the same answers).
   */
  textIndexer?: boolean;
}

export interface RunningEndpoint {
  config: ImapEndpointConfig;
  listeners: Listener[];
  tls: TlsProvider | null;
}

export interface GannetServer {
  logger: Logger;
  endpoints: RunningEndpoint[];
  /** LMTP endpoints (RFC 2033), in configuration order. */
  lmtp: LmtpEndpoint[];
  /** Live connections. */
  readonly connectionCount: number;
  /** Connections currently hibernating (holding a persisted snapshot instead of an actor). */
  readonly hibernatingCount: number;
  /** The persisted snapshots the hibernating connections keep (observability, tests). */
  hibernatedSnapshots(): unknown[];
  /** Re-reads every TLS certificate (SIGHUP). */
  reloadTls(): void;
  /** Resolves once every store's text index has caught up with its messages (tests, benchmarks). */
  textIndexIdle(): Promise<void>;
  /** Graceful stop: stop accepting, BYE to every session, wait for them, release resources. */
  close(): Promise<void>;
}

let nextCid = 0;

/** Connection ids: short, unique within the process, sortable by arrival. */
function newCid(): string {
  nextCid += 1;
  return `${process.pid.toString(36)}-${nextCid.toString(36)}`;
}

/**
 * Opens each endpoint's trace_transitions file for appending. One that cannot be opened is a
 * configuration error that names it (the files opened before it are closed again); a write that
 * fails later (a full disk) is logged once, at warn: a fault of the system, not a server bug
 * (error is kept for those), and the server goes on.
 */
function openTracers(endpoints: ImapEndpointConfig[], logger: Logger): Map<ImapEndpointConfig, TransitionTracer> {
  const tracers = new Map<ImapEndpointConfig, TransitionTracer>();
  for (const ep of endpoints) {
    const path = ep.traceTransitions;
    if (path === null) continue;
    try {
      const onError = (err: Error) => logger.warn({ err, path }, 'trace_transitions: writing failed; transitions are no longer traced');
      tracers.set(ep, TransitionTracer.toFile(path, onError));
    } catch (err) {
      for (const t of tracers.values()) void t.close();
      // Node's message names the call and the file: "ENOENT: no such file or directory, open '…'".
      throw new ConfigError(`trace_transitions: ${(err as Error).message}`, ep.source, { cause: err });
    }
  }
  return tracers;
}

export async function startGannet(config: GannetConfig, opts: StartOptions = {}): Promise<GannetServer> {
  const logger =
    opts.logger ?? createLogger({ target: config.log, debug: config.debug, ...(opts.logStream ? { stream: opts.logStream } : {}) });
  mkdirSync(config.stateDir, { recursive: true });
  // Before anything else starts (and after state_dir, where relative trace paths lead), so a
  // trace file that cannot be opened stops the start-up with nothing to undo.
  const tracers = openTracers(config.imap, logger);

  const authenticators = new Map<string, Authenticator>();
  const authFor = (name: string): Authenticator => {
    let a = authenticators.get(name);
    if (!a) {
      const cfg = config.auth.get(name);
      if (!cfg) throw new Error(`auth module ${name} is not defined`);
      a = createAuthenticator(cfg, { stateDir: config.stateDir, logger: logger.child({ module: name }) });
      authenticators.set(name, a);
    }
    return a;
  };

  // One worker pool for the process (STYLE §12): MIME parsing and text SEARCH.
  let pool: WorkerPool | null = null;
  const poolFor = (): WorkerPool => (pool ??= createPool(config.workerThreads === null ? {} : { threads: config.workerThreads }));
  const mailServices = new Map<string, MailServices>();
  const mailFor = (name: string): MailServices => {
    let m = mailServices.get(name);
    if (!m) {
      const cfg = config.storage.get(name);
      if (!cfg) throw new Error(`storage module ${name} is not defined`);
      const store = openMailStore(cfg, { logger: logger.child({ module: name }) });
      const moduleLogger = logger.child({ module: name });
      const indexer = new TextIndexer(store, poolFor(), moduleLogger);
      if (cfg.searchIndex && opts.textIndexer !== false) indexer.start();
      m = { store, registry: new MailboxRegistry(store, moduleLogger), config: cfg, pool: poolFor(), indexer };
      mailServices.set(name, m);
    }
    return m;
  };

  const sweeper = new DeadlineSweeper(opts.sweepIntervalMs);
  // One queue for the requests of every connection, so the busiest sessions cannot crowd out
  // the rest and logins wait behind sessions in progress (request-scheduler.ts).
  const scheduler = new RequestScheduler();
  const timeouts = {
    preauthMs: opts.timeouts?.preauthMs ?? PREAUTH_TIMEOUT_MS,
    autologoutMs: opts.timeouts?.autologoutMs ?? AUTOLOGOUT_TIMEOUT_MS,
  };
  const connections = new Set<Connection>();
  const system = new ConnectionSystem(config.imap.some((ep) => ep.traceTransitions !== null));
  const configured = config.hibernateAfterMs === undefined ? HIBERNATE_AFTER_MS : config.hibernateAfterMs;
  const hibernateAfterMs = opts.hibernateAfterMs === undefined ? configured : opts.hibernateAfterMs;
  // One sweep for all connections (no timer per connection): hibernate the long-resting.
  const hibernation =
    hibernateAfterMs !== null && hibernateAfterMs > 0
      ? setInterval(
          () => {
            const limit = Date.now() - hibernateAfterMs;
            let n = 0;
            for (const c of connections) if (c.restingSince !== 0 && c.restingSince <= limit && c.hibernate()) n++;
            if (n > 0) logger.debug({ hibernated: n, connections: connections.size }, 'hibernation sweep');
          },
          Math.min(HIBERNATE_SWEEP_MS, hibernateAfterMs),
        )
      : null;
  hibernation?.unref();
  const endpoints: RunningEndpoint[] = [];

  const startEndpoint = async (ep: ImapEndpointConfig): Promise<RunningEndpoint> => {
    const tls = ep.tls ? new TlsProvider(ep.tls, logger) : null;
    tls?.watch(opts.tlsPollMs);
    const authenticator = authFor(ep.auth);
    const mail = mailFor(ep.storage);
    const tracer = tracers.get(ep) ?? null;
    const epLogger = endpointLogger(logger, { debug: ep.debug, globalDebug: config.debug });

    const onSocket = (socket: Socket, secure: boolean) => {
      const cid = newCid();
      const connLogger = new SessionLogger(epLogger, { cid, remote: socket.remoteAddress ?? 'local' });
      connLogger.info({ secure }, 'connection opened');
      const conn = new Connection({
        socket,
        cid,
        secure,
        endpoint: ep,
        authenticator,
        mail,
        tls,
        logger: connLogger,
        sweeper,
        scheduler,
        authFailureDelayMs: opts.authFailureDelayMs ?? AUTH_FAILURE_DELAY_MS,
        timeouts,
        tracer,
        system,
        hibernateAfterMs,
        onFinished: (c) => {
          connections.delete(c);
          connLogger.info('connection closed');
        },
      });
      connections.add(conn);
      const caps = capabilities({
        authenticated: false,
        secure,
        tlsAvailable: tls !== null,
        insecureAuth: ep.insecureAuth,
        saslLogin: ep.saslLogin,
      });
      // RFC 9051 §7.1.1: the greeting may carry CAPABILITY, saving clients a round trip.
      conn.start(`* OK [CAPABILITY ${caps.join(' ')}] ${config.hostname} Gannet ready\r\n`);
    };

    const listeners = ep.addresses.map((address) => new Listener({ address, tls, logger, onSocket, acceptHandles: opts.acceptHandles }));
    for (const l of listeners) {
      await l.listen();
      logger.info({ address: l.address.original, port: l.port }, 'listening');
    }
    return { config: ep, listeners, tls };
  };

  // Delivery into a storage module shares its store, writers and pool with the IMAP sessions:
  // appends go through the mailbox's single writer, so IDLE sessions hear of them as usual.
  const deliveryAgents = new Map<string, DeliveryAgent>();
  const deliveryFor = (name: string): DeliveryAgent => {
    let agent = deliveryAgents.get(name);
    if (!agent) {
      const mail = mailFor(name);
      agent = new DeliveryAgent({
        store: mail.store,
        config: mail.config,
        stateDir: config.stateDir,
        append: (mailboxId, items) => mail.registry.write(mailboxId, { kind: 'append', items }),
        parseMime: async (raw) => storedForm(await mail.pool.parseMime(raw)),
        runFilter: (input) => mail.pool.runFilter(input),
        logger: logger.child({ module: 'delivery', storage: name }),
      });
      deliveryAgents.set(name, agent);
    }
    return agent;
  };
  const lmtp: LmtpEndpoint[] = [];

  try {
    for (const ep of config.imap) endpoints.push(await startEndpoint(ep));
    for (const ep of config.lmtp ?? []) {
      const endpoint = new LmtpEndpoint({ config: ep, agent: deliveryFor(ep.storage), logger });
      lmtp.push(endpoint);
      await endpoint.listen();
    }
  } catch (err) {
    for (const ep of endpoints) for (const l of ep.listeners) await l.close();
    await Promise.all(lmtp.map((e) => e.close()));
    await Promise.all([...tracers.values()].map((t) => t.close()));
    throw err;
  }

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    for (const ep of endpoints) {
      ep.tls?.close();
    }
    // Stop accepting first; the listeners' close completes once their connections are gone.
    const listenersClosed = Promise.all(endpoints.flatMap((ep) => ep.listeners.map((l) => l.close())));
    // LMTP transactions in flight finish (and are stored) before the stores close.
    const lmtpClosed = Promise.all(lmtp.map((e) => e.close()));
    for (const c of connections) c.shutdown();
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (connections.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const c of connections) c.io.destroy();
    await listenersClosed;
    await lmtpClosed;
    await Promise.all([...deliveryAgents.values()].map((a) => a.close()));
    sweeper.stop();
    await Promise.all([...authenticators.values()].map((a) => a.close()));
    for (const m of mailServices.values()) {
      m.registry.close();
      await m.indexer.close();
      await m.store.close();
    }
    await pool?.close();
    await Promise.all([...tracers.values()].map((t) => t.close()));
    system.stop();
    if (hibernation) clearInterval(hibernation);
    logger.info('stopped');
    logger.flush?.();
  };

  return {
    logger,
    endpoints,
    lmtp,
    get connectionCount() {
      return connections.size;
    },
    get hibernatingCount() {
      let n = 0;
      for (const c of connections) if (c.hibernating) n++;
      return n;
    },
    hibernatedSnapshots() {
      const out: unknown[] = [];
      for (const c of connections) if (c.hibernatedSnapshot !== null) out.push(c.hibernatedSnapshot);
      return out;
    },
    reloadTls() {
      for (const ep of endpoints) ep.tls?.reload();
    },
    async textIndexIdle() {
      await Promise.all([...mailServices.values()].map((m) => m.indexer.idle()));
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}

export { statechartDot, statechartMermaid } from '../actors/connection/statechart.js';
