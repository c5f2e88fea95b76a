// The `lmtp` endpoint: RFC 2033 delivery from an MTA, on smtp-server's LMTP mode. Recipients
// are checked at RCPT (550 5.1.1 for an unknown one); after DATA each accepted recipient gets
// its own reply (RFC 2033 §4.2), 250 only once its copy is durably stored, 4xx when the
// store cannot take it (the MTA keeps the message and retries). A trusted MTA's XCLIENT and
// XFORWARD (Postfix's XCLIENT_README / XFORWARD_README) name the original client for the
// Received field and the filters' placeholders.

import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { EndpointAddress, LmtpEndpointConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { DeliveryTemporaryError, type DeliveryAgent, type Recipient, type RecipientOutcome } from './agent.js';
import { hasFieldValue, headerFields, toCrlf, type TraceInfo } from './headers.js';

/**
 * Idle time before a connection is dropped. RFC 5321 §4.5.3.2.7 asks a server to wait at
 * least 5 minutes for the next command; an MTA keeps idle LMTP connections for reuse
 * (Postfix: lmtp_connection_cache_time_limit, 2 s), so 5 minutes is never the constraint.
 */
const SOCKET_TIMEOUT_MS = 5 * 60 * 1000;

/** On shutdown, how long a connection in the middle of a transaction may take to finish it. */
const CLOSE_TIMEOUT_MS = 10 * 1000;

export interface LmtpEndpointOptions {
  config: LmtpEndpointConfig;
  agent: DeliveryAgent;
  logger: Logger;
}

/** An error whose `responseCode` smtp-server sends; the enhanced code (RFC 3463) follows from it. */
function replyError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/** XCLIENT/XFORWARD values are strings, or false for [UNAVAILABLE]/[TEMPUNAVAIL]. */
function attr(map: Map<string, string | number | false> | undefined, key: string): string {
  const v = map?.get(key);
  return typeof v === 'string' ? v : '';
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is shown as `127.0.0.1`. */
function plainIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** RFC 3461 §4.2 ORCPT: `rfc822;user@example.org`, xtext-encoded (`+XX` is a hex byte). */
export function orcptAddress(orcpt: string | undefined): string | null {
  if (orcpt === undefined) return null;
  const semi = orcpt.indexOf(';');
  if (semi < 0 || orcpt.slice(0, semi).toLowerCase() !== 'rfc822') return null;
  const decoded = orcpt.slice(semi + 1).replace(/\+([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return decoded === '' ? null : decoded;
}

export class LmtpEndpoint {
  readonly #opts: LmtpEndpointOptions;
  readonly #servers: Array<{ address: EndpointAddress; server: SMTPServer }> = [];
  /**
   * Accepted recipients of each connection's current transaction, in RCPT order, repeats
   * included. RFC 2033 §4.2 wants one reply after DATA for every RCPT that got 250, and
   * smtp-server's envelope folds a repeated address into one entry.
   */
  readonly #accepted = new Map<string, Recipient[]>();

  constructor(opts: LmtpEndpointOptions) {
    this.#opts = opts;
    for (const address of opts.config.addresses) this.#servers.push({ address, server: this.#server(address) });
  }

  get config(): LmtpEndpointConfig {
    return this.#opts.config;
  }

  /** Bound TCP port of each address (null for unix sockets), in address order. */
  get ports(): Array<number | null> {
    return this.#servers.map(({ server }) => {
      const info = server.server.address();
      return info && typeof info === 'object' ? info.port : null;
    });
  }

  async listen(): Promise<void> {
    for (const { address, server } of this.#servers) {
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        const done = (): void => {
          server.server.off('error', reject);
          resolve();
        };
        if (address.scheme === 'unix') {
          mkdirSync(dirname(address.path), { recursive: true });
          rmSync(address.path, { force: true }); // a stale socket from an unclean stop
          server.listen(address.path, done);
        } else {
          server.listen(address.port, address.host === '' ? undefined : address.host, done);
        }
      });
      server.on('error', (err) => this.#opts.logger.error({ err, address: address.original }, 'lmtp listener error'));
      this.#opts.logger.info(
        { address: address.original, port: this.ports[this.#servers.findIndex((s) => s.server === server)] },
        'lmtp listening',
      );
    }
  }

  /** Stops accepting; open transactions get CLOSE_TIMEOUT_MS to finish. */
  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            if (!server.server.listening) return resolve();
            server.close(() => resolve());
          }),
      ),
    );
  }

  #server(address: EndpointAddress): SMTPServer {
    const { config, logger } = this.#opts;
    // A unix socket's file permissions already decide who may connect: its peers are trusted.
    const trust: boolean | string[] =
      address.scheme === 'unix' ? true : config.trustedForwarders.length > 0 ? config.trustedForwarders : false;
    const options: SMTPServerOptions = {
      lmtp: true,
      name: config.hostname,
      banner: 'Gannet LMTP ready',
      size: config.maxMessageSize,
      rejectOversized: true,
      // RFC 2034 enhanced codes: an MTA turns them into the status of its DSNs.
      hideENHANCEDSTATUSCODES: false,
      // The DSN extension (RFC 3461) only so that the MTA sends ORCPT ({original_rcpt_to});
      // the MTA, not this endpoint, reports delivery status.
      hideDSN: false,
      // LMTP peers are local MTAs: no AUTH (RFC 2033 §4) or STARTTLS, and no limit on the
      // commands of an unauthenticated client, which every MTA here is.
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      maxAllowedUnauthenticatedCommands: false,
      // The MTA passes the client's name in XCLIENT/XFORWARD; a lookup of our peer is waste.
      disableReverseLookup: true,
      useXClient: trust,
      useXForward: trust,
      socketTimeout: SOCKET_TIMEOUT_MS,
      closeTimeout: CLOSE_TIMEOUT_MS,
      logger: config.debug ? logger.child({ endpoint: 'lmtp' }) : false,
      // Only XCLIENT LOGIN reaches here (AUTH is disabled): the MTA tells who the client was.
      onAuth: (auth, _session, callback) => {
        if (auth.method === 'XCLIENT' && auth.username) return callback(null, { user: auth.username });
        callback(replyError(535, 'Authentication not available'));
      },
      onMailFrom: (_from, session, callback) => {
        this.#accepted.set(session.id, []);
        callback();
      },
      onRcptTo: (rcpt, session, callback) => {
        this.#opts.agent.resolve(rcpt.address).then(
          (account) => {
            if (account === null) return callback(replyError(550, 'User unknown'));
            const list = this.#accepted.get(session.id);
            const recipient = { address: rcpt.address, original: orcptAddress(rcpt.dsn?.orcpt) ?? rcpt.address };
            if (list) list.push(recipient);
            else this.#accepted.set(session.id, [recipient]);
            callback();
          },
          (err: unknown) =>
            callback(
              err instanceof DeliveryTemporaryError
                ? replyError(451, 'Recipient lookup failed, try again later')
                : replyError(451, 'Internal error, try again later'),
            ),
        );
      },
      onClose: (session) => {
        this.#accepted.delete(session.id);
      },
      onData: (stream, session, callback) => {
        this.#receive(stream, session).then(
          (replies) => callback(null, replies),
          (err: unknown) => {
            logger.error({ err }, 'lmtp delivery failed');
            callback(replyError(451, 'Internal error, try again later'));
          },
        );
      },
    };
    return new SMTPServer(options);
  }

  /** Reads the message and delivers it; one reply per accepted recipient, in RCPT order. */
  async #receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<Array<string | Error>> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // Past max_message_size smtp-server answers 552 itself (rejectOversized); keep nothing.
      if (!stream.sizeExceeded) chunks.push(chunk);
    }
    const recipients = this.#accepted.get(session.id) ?? [];
    this.#accepted.delete(session.id);
    if (stream.sizeExceeded) return recipients.map(() => replyError(552, 'Message too big'));
    const raw = toCrlf(Buffer.concat(chunks));
    const { config, agent } = this.#opts;
    const q = config.quarantineHeader;
    const trace: TraceInfo = {
      hostname: config.hostname,
      sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      heloName: attr(session.xClient, 'HELO') || session.hostNameAppearsAs || '',
      sourceIp: plainIp(session.remoteAddress),
      sourceRdns: attr(session.xClient, 'NAME') || attr(session.xForward, 'NAME'),
      protocol: session.transmissionType || 'LMTP',
      id: randomBytes(8).toString('hex'),
      date: new Date(),
    };
    const outcomes = await agent.deliver({
      raw,
      trace,
      authUser: typeof session.user === 'string' ? session.user : '',
      quarantine: q !== null && hasFieldValue(headerFields(raw), q.name, q.value),
      returnPath: true,
      recipients,
    });
    return outcomes.map((o) => reply(o, trace.id));
  }
}

function reply(o: RecipientOutcome, id: string): string | Error {
  switch (o.status) {
    case 'delivered':
      return `Delivered (id ${id})`;
    case 'unknown':
      return replyError(550, o.text);
    case 'temporary':
    case 'permanent':
      return replyError(o.code, o.text);
  }
}
