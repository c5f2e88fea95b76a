// What the store keeps for CONDSTORE, QRESYNC and SAVEDATE: STORE UNCHANGEDSINCE decided in
// the write's transaction (RFC 7162 §3.1.3), expunge tombstones with their retention and the
// floor below which they may be gone (§3.2.5.1, §3.2.5.2), and save dates (RFC 8514).

import t from 'tap';
import { checkCounters, freshStore, message } from './fixture.js';

async function setup(t: Parameters<typeof freshStore>[0], overrides: Parameters<typeof freshStore>[1] = {}) {
  const { store } = freshStore(t, overrides);
  const account = await store.createAccount('alice@example.org', [{ name: 'Archive', specialUse: '\\Archive' }]);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const archive = store.getMailbox(account.id, 'Archive')!;
  return { store, inbox, archive };
}

t.test('STORE UNCHANGEDSINCE leaves messages changed since alone and names them', async (t) => {
  const { store, inbox } = await setup(t);
  await store.append(
    inbox.id,
    [1, 2, 3].map((n) => ({ body: message(String(n)), flags: [] })),
  );
  const base = store.getMailboxById(inbox.id)!.highestModseq;
  await store.setFlags(inbox.id, [2], 'add', ['\\Flagged']);
  const result = await store.setFlags(inbox.id, [1, 2, 3], 'add', ['\\Seen'], { unchangedSince: base });
  t.same(
    result.changes.map((c) => c.uid),
    [1, 3],
  );
  t.same(result.modified, [2], 'message 2 changed after the given modseq');
  t.same(store.getMessage(inbox.id, 2)!.flags, ['\\Flagged'], 'and was not touched');
  const zero = await store.setFlags(inbox.id, [1], 'add', ['\\Draft'], { unchangedSince: 0 });
  t.same([zero.changes, zero.modified], [[], [1]], 'UNCHANGEDSINCE 0 always fails (RFC 7162 §3.1.3)');
  const noop = await store.setFlags(inbox.id, [1], 'add', ['\\Seen'], { unchangedSince: Number.MAX_SAFE_INTEGER });
  t.same([noop.changes, noop.modified], [[], []], 'a STORE that passes but changes nothing is neither');
});

t.test('two conditional STOREs racing from the same modseq: exactly one wins each message', async (t) => {
  const { store, inbox } = await setup(t);
  await store.append(
    inbox.id,
    [1, 2, 3, 4].map((n) => ({ body: message(String(n)), flags: [] })),
  );
  const base = store.getMailboxById(inbox.id)!.highestModseq;
  const [a, b] = await Promise.all([
    store.setFlags(inbox.id, [1, 2, 3, 4], 'add', ['A'], { unchangedSince: base }),
    store.setFlags(inbox.id, [1, 2, 3, 4], 'add', ['B'], { unchangedSince: base }),
  ]);
  t.same(
    a.changes.map((c) => c.uid),
    [1, 2, 3, 4],
    'the first committed applies everywhere',
  );
  t.same(b.modified, [1, 2, 3, 4], 'the second sees every message modified');
  for (const uid of [1, 2, 3, 4]) t.same(store.getMessage(inbox.id, uid)!.flags, ['A']);
});

t.test('tombstones beyond the count limit are pruned oldest first and raise the floor', async (t) => {
  const { store, inbox } = await setup(t, { tombstoneRetention: { maxAge: 3_600_000, maxCount: 3 } });
  await store.append(
    inbox.id,
    [1, 2, 3, 4, 5, 6].map((n) => ({ body: message(String(n)), flags: [] })),
  );
  const base = store.getMailboxById(inbox.id)!.highestModseq;
  t.equal(store.changesSince(inbox.id, base).tombstoneFloor, 0, 'nothing pruned yet');
  for (const uid of [1, 2, 3, 4, 5]) await store.expunge(inbox.id, [uid]);
  const changes = store.changesSince(inbox.id, base);
  t.same(changes.expunged, [3, 4, 5], 'the three newest tombstones are kept');
  t.equal(changes.tombstoneFloor, base + 2, 'the floor is the modseq of the last pruned expunge');
  t.same(store.changesSince(inbox.id, base + 2).expunged, [3, 4, 5], 'above the floor the list is complete');
  t.equal((store.getMailboxById(inbox.id) as { tombstones?: number }).tombstones, 3);
});

t.test('tombstones older than the age limit are pruned by the next expunge', async (t) => {
  const { store, inbox } = await setup(t, { tombstoneRetention: { maxAge: 50, maxCount: 1000 } });
  await store.append(
    inbox.id,
    [1, 2, 3].map((n) => ({ body: message(String(n)), flags: [] })),
  );
  const base = store.getMailboxById(inbox.id)!.highestModseq;
  await store.expunge(inbox.id, [1]);
  await new Promise((resolve) => setTimeout(resolve, 80));
  await store.expunge(inbox.id, [2]);
  const changes = store.changesSince(inbox.id, base);
  t.same(changes.expunged, [2], 'the old tombstone went, the new one stays');
  t.equal(changes.tombstoneFloor, base + 1);
});

t.test('MOVE leaves tombstones in the source; DELETE drops them with the mailbox', async (t) => {
  const { store, inbox, archive } = await setup(t);
  await store.append(
    inbox.id,
    [1, 2].map((n) => ({ body: message(String(n)), flags: [] })),
  );
  const base = store.getMailboxById(inbox.id)!.highestModseq;
  await store.move(inbox.id, [1], archive.id);
  t.same(store.changesSince(inbox.id, base).expunged, [1]);
  t.same(store.changesSince(archive.id, 1).changed, [1], 'the destination has it as new');
});

t.test('save dates: set when stored, new on COPY and MOVE, INTERNALDATE kept', async (t) => {
  const { store, inbox, archive } = await setup(t);
  const before = Date.now();
  await store.append(inbox.id, [{ body: message('1'), flags: [], internalDate: Date.UTC(2001, 0, 1) }]);
  const saved = store.getMessage(inbox.id, 1)!;
  t.ok(saved.savedAt !== null && saved.savedAt >= before && saved.savedAt <= Date.now(), 'saved now');
  t.equal(saved.internalDate, Date.UTC(2001, 0, 1));
  await new Promise((resolve) => setTimeout(resolve, 5));
  await store.copy(inbox.id, [1], archive.id);
  const copied = store.getMessage(archive.id, 1)!;
  t.ok(copied.savedAt! > saved.savedAt!, 'a copy is saved in its mailbox when copied');
  t.equal(copied.internalDate, saved.internalDate);
});

t.test('the UID list of a large mailbox stays exact across appends, expunges, moves and a pruned floor', async (t) => {
  const { store, inbox, archive } = await setup(t, { tombstoneRetention: { maxAge: 3_600_000, maxCount: 50 } });
  const bodies = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ body: message(`m${from + i}`), flags: [] }));
  await store.append(inbox.id, bodies(2500, 0));
  const expect = (label: string) => {
    const listed = [...store.uids(inbox.id)];
    const truth: number[] = [];
    for (let uid = 1; uid < store.getMailboxById(inbox.id)!.uidNext; uid++) if (store.getMessage(inbox.id, uid)) truth.push(uid);
    t.same(listed, truth, label);
  };
  expect('first read');
  const copy = store.uids(inbox.id);
  copy[0] = 999_999;
  expect('callers get their own array');
  await store.expunge(inbox.id, [1, 2, 500, 2500]);
  await store.append(inbox.id, bodies(3, 2500));
  await store.setFlags(inbox.id, [3, 4], 'add', ['\\Seen']);
  expect('after expunges, appends and flag changes');
  await store.move(inbox.id, [10, 11, 12], archive.id);
  expect('after a MOVE out');
  // More expunges than the tombstone limit: the cached list is older than the floor.
  await store.expunge(
    inbox.id,
    Array.from({ length: 120 }, (_, i) => 100 + i),
  );
  expect('after tombstones were pruned past the cached list');
  t.same(checkCounters(store, inbox.id), []);
});

t.test('the first unseen message comes from the unseen index', async (t) => {
  const { store, inbox } = await setup(t);
  await store.append(inbox.id, [
    { body: message('1'), flags: ['\\Seen'] },
    { body: message('2'), flags: [] },
    { body: message('3'), flags: [] },
  ]);
  t.equal(store.firstUnseen(inbox.id), 2);
  await store.setFlags(inbox.id, [2], 'add', ['\\Seen']);
  t.equal(store.firstUnseen(inbox.id), 3);
  await store.setFlags(inbox.id, [1], 'remove', ['\\Seen']);
  t.equal(store.firstUnseen(inbox.id), 1);
  await store.expunge(inbox.id, [1]);
  t.equal(store.firstUnseen(inbox.id), 3);
  await store.setFlags(inbox.id, [3], 'set', ['\\Seen']);
  t.equal(store.firstUnseen(inbox.id), null);
  t.same(checkCounters(store, inbox.id), []);
});

t.test('getMessages reads dense, sparse and unordered sets the same as one by one', async (t) => {
  const { store, inbox } = await setup(t);
  await store.append(
    inbox.id,
    Array.from({ length: 40 }, (_, i) => ({ body: message(`r${i}`), flags: i % 2 ? ['\\Seen'] : [] })),
  );
  await store.expunge(inbox.id, [5, 6, 20]);
  const one = (uids: number[]) => uids.map((uid) => store.getMessage(inbox.id, uid));
  for (const uids of [Array.from({ length: 40 }, (_, i) => i + 1), [1, 2, 3, 4, 5, 6, 7], [2, 39], [7, 3, 9], [], [41, 42]]) {
    t.same(store.getMessages(inbox.id, uids), one(uids), uids.join(',') || 'none');
  }
});
