// The writer thread shared by every store of a process: each store hears back its own writes
// and its own changes, a large APPEND does not hold back another mailbox's flag change, and a
// store closing leaves the others (and stores opened later) writing.

import t, { type Test } from 'tap';
import { join } from 'node:path';
import { openMailStore, StorageError } from '../../src/storage/index.js';
import { HEAVY_APPEND_BYTES } from '../../src/storage/lmdb/write-schedule.js';
import { message, storageConfig } from './fixture.js';

async function open(t: Test, name: string) {
  const store = openMailStore(storageConfig(join(t.testdir(), name), { appendLimit: 64 * 1024 * 1024 }));
  const account = await store.createAccount('alice@example.org', [{ name: 'Archive', specialUse: '\\Archive' }]);
  return { store, inbox: store.getMailbox(account.id, 'INBOX')!, archive: store.getMailbox(account.id, 'Archive')! };
}

t.test('two stores in one process: each gets its own answers and its own change notices', async (t) => {
  const a = await open(t, 'a');
  const b = await open(t, 'b');
  t.teardown(() => Promise.all([a.store.close(), b.store.close()]));
  const heardA: number[][] = [];
  const heardB: number[][] = [];
  a.store.onChange((ids) => heardA.push([...ids]));
  b.store.onChange((ids) => heardB.push([...ids]));
  // Issued in one turn, so the thread has both stores' writes queued at once.
  const [ra, rb, rb2] = await Promise.all([
    a.store.append(a.inbox.id, [{ body: message('for a'), flags: [] }]),
    b.store.append(b.inbox.id, [{ body: message('for b'), flags: [] }]),
    b.store.append(b.inbox.id, [{ body: message('for b again'), flags: ['\\Seen'] }]),
  ]);
  t.same(ra.uids, [1]);
  t.same(rb.uids, [1]);
  t.same(rb2.uids, [2]);
  t.equal(a.store.getMailboxById(a.inbox.id)!.messages, 1, 'store a holds only its message');
  t.equal(b.store.getMailboxById(b.inbox.id)!.messages, 2);
  t.match(a.store.readBody(a.store.getMessage(a.inbox.id, 1)!).toString(), /for a/);
  t.same(heardA.flat(), [a.inbox.id]);
  t.same(
    heardB.flat().filter((id) => id !== b.inbox.id),
    [],
    'b hears only of its own mailbox',
  );
  t.ok(heardB.length >= 1);
});

t.test('a change is visible to reads and listeners by the time its write resolves', async (t) => {
  const { store, inbox } = await open(t, 'visible');
  t.teardown(() => store.close());
  let seenInListener = -1;
  store.onChange(() => (seenInListener = store.getMailboxById(inbox.id)!.messages));
  await store.append(inbox.id, [{ body: message('one'), flags: [] }]);
  t.equal(seenInListener, 1, 'the listener reads the new state');
  const { changes } = await store.setFlags(inbox.id, [1], 'add', ['\\Flagged']);
  t.same(
    changes.map((c) => c.flags),
    [['\\Flagged']],
  );
  t.same(store.getMessage(inbox.id, 1)!.flags, ['\\Flagged'], 'read right after the write sees it');
});

t.test("a flag change to one mailbox commits ahead of another mailbox's large APPENDs", async (t) => {
  const { store, inbox, archive } = await open(t, 'heavy');
  t.teardown(() => store.close());
  await store.append(archive.id, [{ body: message('target'), flags: [] }]);
  const order: string[] = [];
  const big = (i: number, bytes: number) =>
    store
      .append(inbox.id, [{ body: Buffer.concat([message(`big ${i}`), Buffer.alloc(bytes, 'a')]), flags: [] }])
      .then(() => order.push(`append ${i}`));
  // A 16 MB APPEND keeps the thread busy while six more large ones and then a STORE to
  // another mailbox queue up behind it.
  const first = big(0, 16 * 1024 * 1024);
  const rest = Array.from({ length: 6 }, (_, i) => big(i + 1, HEAVY_APPEND_BYTES + 40 * 1024));
  const flag = store.setFlags(archive.id, [1], 'add', ['\\Seen']).then(() => order.push('store'));
  await Promise.all([first, ...rest, flag]);
  // In arrival order the STORE would be answered last; it goes with the first commit after the
  // one in progress, ahead of the share of APPENDs that commit takes.
  t.ok(order.indexOf('store') < order.indexOf('append 4'), `the STORE overtakes queued APPENDs (${order.join(', ')})`);
  t.same(
    order.filter((o) => o !== 'store'),
    Array.from({ length: 7 }, (_, i) => `append ${i}`),
    'the APPENDs keep their order',
  );
  t.same(store.uids(inbox.id), Uint32Array.from([1, 2, 3, 4, 5, 6, 7]));
});

t.test('closing one store leaves the others writing; a store opened later writes too', async (t) => {
  const a = await open(t, 'first');
  const b = await open(t, 'second');
  t.teardown(() => b.store.close());
  await a.store.close();
  await t.rejects(a.store.append(a.inbox.id, [{ body: message('late'), flags: [] }]), StorageError, 'a closed store refuses writes');
  t.same((await b.store.append(b.inbox.id, [{ body: message('still'), flags: [] }])).uids, [1]);
  await b.store.close();
  const c = await open(t, 'third');
  t.teardown(() => c.store.close());
  t.same((await c.store.append(c.inbox.id, [{ body: message('new'), flags: [] }])).uids, [1]);
});

t.test('a committed batch whose result cannot be sent answers its writes as uncertain, never as failed', async (t) => {
  const { unsentBatch } = await import('../../src/storage/lmdb/write-batch.js');
  const own = { kind: 'nonexistent' as const, name: 'StorageError', message: 'no such mailbox', stack: undefined };
  const out = unsentBatch(
    {
      outcomes: [
        { id: 1, ok: true, value: { uids: [4] } },
        { id: 2, ok: false, error: own },
      ],
      changed: [7],
      seq: 12,
    },
    { kind: null, name: 'DataCloneError', message: 'could not be cloned', stack: undefined },
  );
  t.same(out.changed, [7], 'the changed mailboxes are still reported');
  t.equal(out.seq, 12);
  t.match(out.outcomes[0], { id: 1, ok: false, error: { kind: 'uncertain' } });
  t.same(out.outcomes[1], { id: 2, ok: false, error: own }, 'a write that failed keeps its own error');
});
