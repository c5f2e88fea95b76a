// Secure contexts for tls:// listeners and STARTTLS, built from the `tls` directive, and
// re-read on SIGHUP or when the certificate or key file changes, without dropping
// connections: a new handshake simply uses the newest context.

import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsConfig } from '../config/schema.js';
import type { Logger } from '../log.js';

/**
 * How often the certificate files are polled. Polling (rather than inotify) also notices a
 * renewed certificate that was put in place by renaming or by switching a symlink.
 */
export const TLS_FILE_POLL_MS = 5000;

export class TlsProvider {
  #config: TlsConfig;
  #context: SecureContext;
  #logger: Logger;
  #watching = false;

  constructor(config: TlsConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#context = buildContext(config); // a bad certificate at start-up is fatal
  }

  get context(): SecureContext {
    return this.#context;
  }

  /** Re-reads the files; on failure keeps serving the previous certificate. */
  reload(): boolean {
    try {
      this.#context = buildContext(this.#config);
      this.#logger.info({ cert: this.#config.cert }, 'TLS certificate reloaded');
      return true;
    } catch (err) {
      this.#logger.error({ err, cert: this.#config.cert }, 'TLS certificate reload failed; keeping the old one');
      return false;
    }
  }

  /** Starts watching the certificate and key files. */
  watch(intervalMs = TLS_FILE_POLL_MS): void {
    if (this.#watching) return;
    this.#watching = true;
    const onChange = (cur: { mtimeMs: number }, prev: { mtimeMs: number }) => {
      if (cur.mtimeMs !== prev.mtimeMs) this.reload();
    };
    watchFile(this.#config.cert, { interval: intervalMs, persistent: false }, onChange);
    watchFile(this.#config.key, { interval: intervalMs, persistent: false }, onChange);
  }

  close(): void {
    if (!this.#watching) return;
    this.#watching = false;
    unwatchFile(this.#config.cert);
    unwatchFile(this.#config.key);
  }
}

function buildContext(config: TlsConfig): SecureContext {
  return createSecureContext({
    cert: readFileSync(config.cert),
    key: readFileSync(config.key),
    // Node's defaults (TLS 1.2 minimum) apply unless `protocols` narrows them.
    ...(config.minVersion ? { minVersion: config.minVersion } : {}),
    ...(config.maxVersion ? { maxVersion: config.maxVersion } : {}),
    ...(config.ciphers ? { ciphers: config.ciphers } : {}),
    ...(config.curves ? { ecdhCurve: config.curves } : {}),
  });
}
