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
import { freshStore } from '../storage/fixture.js';

const raw = readFileSync(new URL('../fixtures/mime/forward-rfc822.eml', import.meta.url));

t.test('parseMime and searchText run in worker threads', async (t) => {
  const pool = createPool({ threads: 1 });
  t.teardown(() => pool.close());
  const parsed = await pool.parseMime(raw);
  t.same(parsed.index, parseMessage(raw), 'same index as the direct call');
  t.same(parsed.summary, summarize(parsed.index), 'same summary as the direct call');
  t.equal(parsed.sha256, createHash('sha256').update(raw).digest('hex'), 'the content address is the sha256 of the bytes');
  // The search task reads the message from the store in its own thread.
  const { store } = freshStore(t);
  const account = await store.createAccount('u', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  await store.append(inbox.id, [
    { body: raw, flags: [] },
    { body: raw, flags: [] },
  ]);
  const on = (uids: number[]) => ({ storePath: store.path, mailboxId: inbox.id, uids: Uint32Array.from(uids) });
  const uids = await pool.searchText({ key: { type: 'SUBJECT', value: 'fwd: ORIGINAL' }, ...on([1, 2, 3]) });
  t.same([...uids], [1, 2], 'both messages match; a UID without a message is left out');
  const none = await pool.searchText({ key: { type: 'BODY', value: 'not in there' }, ...on([1, 2]) });
  t.same([...none], []);

  const ac = new AbortController();
  ac.abort();
  await t.rejects(
    pool.searchText({ key: { type: 'TEXT', value: 'x' }, ...on([1]) }, ac.signal),
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
