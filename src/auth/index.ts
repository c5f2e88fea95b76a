// Builds the authenticator an `auth` module block of the configuration describes.

import type { Logger } from 'pino';
import type { AuthModuleConfig } from '../config/schema.js';
import type { Authenticator } from './authenticator.js';
import { ExternalAuthenticator } from './external.js';
import { PamAuthenticator } from './pam.js';
import { PassTableAuthenticator } from './pass-table.js';
import { openTable } from './tables/table.js';
import { CachingAuthenticator } from './cache.js';

export type { AuthFailureReason, AuthResult, Authenticator } from './authenticator.js';
export { AuthBackendError } from './authenticator.js';
export { normalizeUsername } from './normalize.js';

export interface AuthContext {
  /** `state_dir`: lmdb credential tables live in `<stateDir>/tables`. */
  stateDir: string;
  logger?: Logger;
}

/** Opens the back-end for one auth module, behind the credential cache; call `close()` on shutdown. */
export function createAuthenticator(cfg: AuthModuleConfig, ctx: AuthContext): Authenticator {
  return new CachingAuthenticator(createBackend(cfg, ctx));
}

function createBackend(cfg: AuthModuleConfig, ctx: AuthContext): Authenticator {
  const logger = ctx.logger?.child({ module: `auth.${cfg.kind}`, instance: cfg.name });
  switch (cfg.kind) {
    case 'pass_table':
      return new PassTableAuthenticator(openTable(cfg.table, ctx.stateDir));
    case 'external':
      return new ExternalAuthenticator(
        { helper: cfg.helper, perDomain: cfg.perDomain, domains: cfg.domains },
        logger === undefined ? {} : { logger },
      );
    case 'pam':
      return new PamAuthenticator({ helper: cfg.helper, debug: cfg.debug }, logger === undefined ? {} : { logger });
  }
}
