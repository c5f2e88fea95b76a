// Smoke test through the real piscina pool (src/pool.ts): the worker files load in threads,
// results survive structured cloning, an aborted SEARCH rejects, and a full queue rejects with
// the error that callers answer NO [UNAVAILABLE].

import { readFileSync } from 'node:fs';
import t from 'tap';
import { PoolBusyError, TaskAbortedError, createPool } from '../../src/pool.js';
import { storageToImap } from '../../src/errors.js';
import { createHash } from 'node:crypto';
import { parseMessage } from '../../src/mime/index.js';
import { summarize } from '../../src/protocol/encode/mime-summary.js';

const raw = readFileSync(new URL('../fixtures/mime/forward-rfc822.eml', import.meta.url));

t.test('parseMime and searchText run in worker threads', async (t) => {
  const pool = createPool({ threads: 1 });
  t.teardown(() => pool.close());
  const parsed = await pool.parseMime(raw);
  const index = parsed.index;
  t.same(index, parseMessage(raw), 'same index as the direct call');
  t.same(parsed.summary, summarize(index), 'same summary as the direct call');
  t.equal(parsed.sha256, createHash('sha256').update(raw).digest('hex'), 'the content address is the sha256 of the bytes');
  const uids = await pool.searchText({ type: 'SUBJECT', value: 'fwd: ORIGINAL' }, [{ uid: 42, raw, index }]);
  t.same(uids, [42]);
  const none = await pool.searchText({ type: 'BODY', value: 'not in there' }, [{ uid: 42, raw, index }]);
  t.same(none, []);

  const ac = new AbortController();
  ac.abort();
  await t.rejects(
    pool.searchText({ type: 'TEXT', value: 'x' }, [{ uid: 1, raw, index }], ac.signal),
    TaskAbortedError,
    'an aborted SEARCH rejects',
  );
});

t.test('a full queue rejects with PoolBusyError → NO [UNAVAILABLE]', async (t) => {
  const pool = createPool({ threads: 1, maxQueue: 1 });
  t.teardown(() => pool.close());
  const big = Buffer.concat(Array.from({ length: 200 }, () => raw));
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => pool.parseMime(big)));
  const busy = results.filter((r) => r.status === 'rejected');
  t.ok(busy.length > 0, `${busy.length} of 20 refused`);
  for (const r of busy) {
    const err = r.reason as unknown;
    t.type(err, PoolBusyError);
    t.match(storageToImap(err), { status: 'NO', code: { code: 'UNAVAILABLE' } });
  }
  t.ok(
    results.some((r) => r.status === 'fulfilled'),
    'queued tasks still complete',
  );
});
