// A bounded cache of recently verified credentials, in front of any authenticator. A
// memory-hard hash (argon2id) costs tens of milliseconds of CPU by design; a client that
// opens many connections, or reconnects often, would otherwise pay it on every login and
// make logins the server's bottleneck. Dovecot solves this the same way (auth_cache).
//
// What is kept: an HMAC of (user, password) under a key made at start-up and never stored,
// so the cache holds nothing that could be turned back into a password or checked offline.
// Only successes are cached: a wrong password always reaches the back-end (and its delay).
// A password changed elsewhere is honoured within POSITIVE_TTL_MS.

import { createHmac, randomBytes } from 'node:crypto';
import type { Authenticator, AuthResult } from './authenticator.js';

/** How long a verified (user, password) pair is trusted without asking the back-end again. */
export const POSITIVE_TTL_MS = 60 * 1000;

/** Most cached pairs; the oldest go first. 100,000 entries are a few MB. */
export const MAX_CACHED = 100_000;

export class CachingAuthenticator implements Authenticator {
  #inner: Authenticator;
  #key = randomBytes(32);
  /** digest → { username, expires }; Map iteration order gives oldest-first eviction. */
  #entries = new Map<string, { username: string; expires: number }>();
  #ttl: number;
  #now: () => number;

  constructor(inner: Authenticator, opts: { ttlMs?: number; now?: () => number } = {}) {
    this.#inner = inner;
    this.#ttl = opts.ttlMs ?? POSITIVE_TTL_MS;
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async authenticate(username: string, password: string): Promise<AuthResult> {
    const digest = createHmac('sha256', this.#key).update(username).update('\0').update(password).digest('base64');
    const hit = this.#entries.get(digest);
    const now = this.#now();
    if (hit && hit.expires > now) return { ok: true, username: hit.username };
    if (hit) this.#entries.delete(digest);
    const result = await this.#inner.authenticate(username, password);
    if (result.ok) {
      if (this.#entries.size >= MAX_CACHED) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      this.#entries.set(digest, { username: result.username, expires: now + this.#ttl });
    }
    return result;
  }

  close(): Promise<void> {
    this.#entries.clear();
    return this.#inner.close();
  }
}
