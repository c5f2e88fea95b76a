// The credential cache: a verified pair is answered from memory until its TTL, failures are
// never cached, and a different password for a cached user goes to the back-end.

import t from 'tap';
import { CachingAuthenticator } from '../../src/auth/cache.js';
import type { Authenticator, AuthResult } from '../../src/auth/authenticator.js';

function backend(passwords: Record<string, string>): Authenticator & { calls: number } {
  const b = {
    calls: 0,
    async authenticate(user: string, pass: string): Promise<AuthResult> {
      b.calls++;
      if (!(user in passwords)) return { ok: false, reason: 'unknown-user' };
      return passwords[user] === pass ? { ok: true, username: user } : { ok: false, reason: 'bad-credentials' };
    },
    async close() {},
  };
  return b;
}

t.test('hits, misses, failures and expiry', async (t) => {
  let now = 1000;
  const inner = backend({ alice: 'pw' });
  const cache = new CachingAuthenticator(inner, { ttlMs: 100, now: () => now });
  t.same(await cache.authenticate('alice', 'pw'), { ok: true, username: 'alice' });
  t.same(await cache.authenticate('alice', 'pw'), { ok: true, username: 'alice' });
  t.equal(inner.calls, 1, 'second login answered from the cache');
  t.same(await cache.authenticate('alice', 'wrong'), { ok: false, reason: 'bad-credentials' });
  t.same(await cache.authenticate('alice', 'wrong'), { ok: false, reason: 'bad-credentials' });
  t.equal(inner.calls, 3, 'failures always reach the back-end');
  now += 101;
  await cache.authenticate('alice', 'pw');
  t.equal(inner.calls, 4, 'expired entries are verified again');
  t.equal(cache.size, 1);
});
