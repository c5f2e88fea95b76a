// auth.pam: system accounts checked through PAM by a helper executable that speaks the
// auth.external protocol. Node has no PAM binding, so like maddy's `use_helper yes` the PAM
// conversation happens in a separate, privileged helper; the default is Debian's pwauth.
//
// Privileges. PAM's pam_unix must read /etc/shadow, which only root can.
//  - Gannet running as root: pwauth runs as root and works as is.
//  - Gannet running as an unprivileged user: the helper itself must be privileged. Debian's
//    pwauth package installs /usr/sbin/pwauth setuid root (mode 4755) and, as checked on
//    Debian 12 (pwauth 2.3.11-5), is built without a SERVER_UIDS list, so any uid may run it;
//    to limit who can guess passwords through it, give it to Gannet's group only:
//      chgrp gannet /usr/sbin/pwauth && chmod 4750 /usr/sbin/pwauth
//    (dpkg-statoverride --update --add root gannet 4750 /usr/sbin/pwauth keeps this across
//    upgrades). A pwauth built with SERVER_UIDS exits 50 for any other caller: add Gannet's uid
//    to that list, or use another setuid helper such as maddy-pam-helper.
//    Without a setuid helper, pam_unix falls back to unix_chkpwd, which lets a process check
//    only its own account's password, so logins of other users fail.

import type { Logger } from 'pino';
import { AuthBackendError, type AuthResult, type Authenticator } from './authenticator.js';
import { HELPER_TIMEOUT_MS } from './external.js';
import { runHelper } from './helper-process.js';
import { normalizeUsername } from './normalize.js';

/** Debian's PAM password checker, package `pwauth`. */
export const DEFAULT_PAM_HELPER = '/usr/sbin/pwauth';

/**
 * pwauth's exit statuses (pwauth(8)). 1-7 are answers about the account: unknown login or wrong
 * password (1, 2), uid below the configured minimum (3), account or password expired (4, 5),
 * /etc/nologin present (6), too many failures (7). All are a refused login. 50 and above are
 * configuration errors of the helper (caller not allowed, no input, internal error, cannot read
 * the password database) and must reach the operator, not look like a wrong password.
 * With maddy's own helper, 1 means refused and 2 means a PAM error; both land on "refused",
 * which fails closed.
 */
const PWAUTH_REFUSED = new Map<number, string>([
  [1, 'unknown login or wrong password'],
  [2, 'wrong password'],
  [3, 'uid below the helper minimum'],
  [4, 'login expired'],
  [5, 'password expired'],
  [6, 'logins disabled (nologin)'],
  [7, 'too many failed logins'],
]);

export interface PamAuthConfig {
  helper: string;
  debug: boolean;
}

export interface PamAuthOptions {
  timeoutMs?: number;
  logger?: Logger;
}

export class PamAuthenticator implements Authenticator {
  readonly #timeoutMs: number;
  readonly #logger: Logger | undefined;

  constructor(
    private readonly cfg: PamAuthConfig,
    options: PamAuthOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? HELPER_TIMEOUT_MS;
    this.#logger = options.logger;
  }

  async authenticate(username: string, password: string): Promise<AuthResult> {
    const name = normalizeUsername(username);
    if (!name.ok) return { ok: false, reason: 'unknown-user' };
    if (password.includes('\n')) return { ok: false, reason: 'bad-credentials' };

    const run = await runHelper(this.cfg.helper, name.username, password, { timeoutMs: this.#timeoutMs }).catch((err: unknown) => {
      throw new AuthBackendError(`cannot start PAM helper ${this.cfg.helper}`, { cause: err });
    });
    if (run.timedOut) {
      throw new AuthBackendError(`PAM helper ${this.cfg.helper} did not finish within ${this.#timeoutMs} ms`);
    }
    const refusal = run.code === null ? undefined : PWAUTH_REFUSED.get(run.code);
    if (this.cfg.debug) {
      // `debug yes` on the module: the helper's verdict in detail, never the password.
      this.#logger?.debug(
        { user: name.username, status: run.code, signal: run.signal, refusal, stderr: run.stderr || undefined },
        'PAM helper finished',
      );
    }
    if (run.code === 0) return { ok: true, username: name.username };
    if (refusal !== undefined) {
      // PAM does not tell unknown users from wrong passwords, and should not.
      return { ok: false, reason: 'bad-credentials' };
    }
    const how = run.code === null ? `was killed by ${run.signal ?? 'a signal'}` : `exited with status ${run.code}`;
    throw new AuthBackendError(`PAM helper ${this.cfg.helper} ${how}${run.stderr ? `: ${run.stderr.trim()}` : ''}`);
  }

  async close(): Promise<void> {
    // One helper process per login; nothing stays open.
  }
}
