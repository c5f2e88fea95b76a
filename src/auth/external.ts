// auth.external: passwords checked by an external helper executable (maddy
// docs/reference/auth/external.md). Exit 0 = accepted, 1 = refused, anything else = error.

import type { Logger } from 'pino';
import { AuthBackendError, type AuthResult, type Authenticator } from './authenticator.js';
import { runHelper } from './helper-process.js';
import { normalizeUsername } from './normalize.js';

/**
 * How long a helper may take before it is killed and the login answered `NO [UNAVAILABLE]`.
 * PAM delays failures by about 2 s and LDAP-backed helpers need a network round trip or two,
 * so 10 s leaves room for a slow but working back-end, while staying well below the 30-60 s
 * after which IMAP clients give up on a LOGIN, and it bounds how long a hung helper holds a
 * process slot.
 */
export const HELPER_TIMEOUT_MS = 10_000;

export interface ExternalAuthConfig {
  helper: string;
  perDomain: boolean;
  domains: readonly string[];
}

export interface ExternalAuthOptions {
  /** Override {@link HELPER_TIMEOUT_MS} (tests). */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * maddy's `perdomain`/`domains` rules (internal/auth CheckDomainAuth), applied to the
 * normalised name. Returns the account name given to the helper, or undefined when the name
 * is not acceptable:
 *  - `perdomain no`: `user` is accepted as is; `user@domain` only when `domains` lists the
 *    domain, and the domain is removed before the check.
 *  - `perdomain yes`: the name must be `user@domain` with a listed domain, and is given to the
 *    helper whole, so user@a and user@b are different accounts.
 * Unlike maddy, names with more than one `@` or an empty part are refused instead of being cut
 * at the first `@`, so `alice@evil@example.org` cannot log in as `alice`.
 */
export function accountForDomainRules(username: string, perDomain: boolean, domains: readonly string[]): string | undefined {
  const parts = username.split('@');
  if (parts.length > 2) return undefined;
  const [local = '', domain] = parts;
  if (local === '') return undefined;
  if (domain === undefined) return perDomain ? undefined : local;
  if (domain === '') return undefined;
  // Names are lower-cased by normalisation; compare with lower-cased config domains.
  if (!domains.some((d) => d.toLowerCase() === domain)) return undefined;
  return perDomain ? username : local;
}

export class ExternalAuthenticator implements Authenticator {
  readonly #timeoutMs: number;
  readonly #logger: Logger | undefined;

  constructor(
    private readonly cfg: ExternalAuthConfig,
    options: ExternalAuthOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? HELPER_TIMEOUT_MS;
    this.#logger = options.logger;
  }

  async authenticate(username: string, password: string): Promise<AuthResult> {
    const name = normalizeUsername(username);
    if (!name.ok) return { ok: false, reason: 'unknown-user' };
    const account = accountForDomainRules(name.username, this.cfg.perDomain, this.cfg.domains);
    if (account === undefined) return { ok: false, reason: 'unknown-user' };
    // The protocol is line-based: a password with a newline cannot be passed on, and cutting
    // it would check a different password.
    if (password.includes('\n')) return { ok: false, reason: 'bad-credentials' };

    const run = await runHelper(this.cfg.helper, account, password, { timeoutMs: this.#timeoutMs }).catch((err: unknown) => {
      throw new AuthBackendError(`cannot start auth helper ${this.cfg.helper}`, { cause: err });
    });
    if (run.timedOut) {
      throw new AuthBackendError(`auth helper ${this.cfg.helper} did not finish within ${this.#timeoutMs} ms`);
    }
    if (run.code === 0) return { ok: true, username: account };
    if (run.code === 1) {
      this.#logger?.debug({ user: account, stderr: run.stderr || undefined }, 'auth helper refused the credentials');
      return { ok: false, reason: 'bad-credentials' };
    }
    const how = run.code === null ? `was killed by ${run.signal ?? 'a signal'}` : `exited with status ${run.code}`;
    throw new AuthBackendError(`auth helper ${this.cfg.helper} ${how}${run.stderr ? `: ${run.stderr.trim()}` : ''}`);
  }

  async close(): Promise<void> {
    // Helpers are started per login; nothing stays open.
  }
}
