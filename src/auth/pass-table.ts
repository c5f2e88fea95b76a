// auth.pass_table: passwords checked against hashes kept in a credential table, keyed by the
// normalised account name (maddy internal/auth/pass_table).

import { AuthBackendError, type AuthResult, type Authenticator } from './authenticator.js';
import { MalformedHashError, verifyDummy, verifyPassword } from './hash.js';
import { normalizeUsername } from './normalize.js';
import type { ReadableTable } from './tables/table.js';

export class PassTableAuthenticator implements Authenticator {
  constructor(readonly table: ReadableTable) {}

  async authenticate(username: string, password: string): Promise<AuthResult> {
    const name = normalizeUsername(username);
    if (!name.ok) {
      // Same cost as a real check: a refused name must not be faster than an unknown one.
      await verifyDummy(password);
      return { ok: false, reason: 'unknown-user' };
    }

    let stored: string | undefined;
    try {
      stored = await this.table.get(name.username);
    } catch (err) {
      throw new AuthBackendError(`cannot read ${this.table.description}`, { cause: err });
    }
    if (stored === undefined) {
      await verifyDummy(password);
      return { ok: false, reason: 'unknown-user' };
    }

    let matches: boolean;
    try {
      matches = await verifyPassword(stored, password);
    } catch (err) {
      if (err instanceof MalformedHashError) {
        // Name the entry (never its value) so the operator can fix the table.
        throw new AuthBackendError(`malformed password hash for ${name.username} in ${this.table.description}`, {
          cause: err,
        });
      }
      throw err;
    }
    return matches ? { ok: true, username: name.username } : { ok: false, reason: 'bad-credentials' };
  }

  async close(): Promise<void> {
    await this.table.close();
  }
}
