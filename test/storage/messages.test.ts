// Message storage: UID and modseq allocation, counters, flags (RFC 3501 §2.3.2), expunge,
// COPY/MOVE (RFC 3501 §6.4.7, RFC 4315, RFC 6851), blob sharing, changesSince (RFC 7162)
// and \Recent claims.

import t from 'tap';
import { MAX_KEYWORDS_PER_MAILBOX } from '../../src/storage/limits.js';
import { openMailStore } from '../../src/storage/index.js';
import { checkCounters, freshStore, message } from './fixture.js';

async function setup(t: Parameters<typeof freshStore>[0]) {
  const { store, cfg } = freshStore(t);
  const account = await store.createAccount('alice@example.org', [{ name: 'Archive', specialUse: '\\Archive' }]);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const archive = store.getMailbox(account.id, 'Archive')!;
  return { store, cfg, account, inbox, archive };
}

function kind(kind: string) {
  return { name: 'StorageError', kind };
}

t.test('append allocates increasing UIDs and modseqs and keeps counters', async (t) => {
  const { store, inbox } = await setup(t);
  t.equal(inbox.uidNext, 1);
  t.equal(inbox.highestModseq, 1);
  const r1 = await store.append(inbox.id, [
    { body: message('one'), flags: ['\\seen', 'Work'] },
    { body: message('two'), flags: [], internalDate: Date.UTC(2020, 0, 2) },
  ]);
  t.same(r1, { uidValidity: inbox.uidValidity, uids: [1, 2] });
  const after = store.getMailboxById(inbox.id)!;
  t.equal(after.uidNext, 3);
  t.equal(after.messages, 2);
  t.equal(after.unseen, 1);
  t.equal(after.size, message('one').length + message('two').length);
  t.equal(after.highestModseq, 3, 'each appended message gets its own modseq');
  const m1 = store.getMessage(inbox.id, 1)!;
  t.same(m1.flags, ['\\Seen', 'Work'], 'system flag spelled canonically');
  t.equal(m1.size, message('one').length);
  t.same(store.readBody(m1), message('one'));
  t.same(
    store.withBody(m1, (bytes) => Buffer.from(bytes)),
    message('one'),
    'withBody lends the same bytes',
  );
  t.equal(store.getMessage(inbox.id, 2)!.internalDate, Date.UTC(2020, 0, 2));
  t.same([...store.uids(inbox.id)], [1, 2]);
  t.same(checkCounters(store, inbox.id), []);
});

t.test('UIDs are never reused after expunge or reopen', async (t) => {
  const { store, cfg, inbox } = await setup(t);
  await store.append(inbox.id, [
    { body: message('a'), flags: [] },
    { body: message('b'), flags: [] },
  ]);
  t.same(await store.expunge(inbox.id, [2]), [2]);
  t.same((await store.append(inbox.id, [{ body: message('c'), flags: [] }])).uids, [3]);
  await store.expunge(inbox.id, [1, 3]);
  await store.close();
  const { openMailStore } = await import('../../src/storage/index.js');
  const again = openMailStore(cfg);
  t.teardown(() => again.close());
  t.same((await again.append(inbox.id, [{ body: message('d'), flags: [] }])).uids, [4]);
  const mb = again.getMailboxById(inbox.id)!;
  t.equal(mb.uidValidity, inbox.uidValidity);
  t.equal(mb.messages, 1);
});

t.test('20 concurrent appends get unique, increasing UIDs in call order', async (t) => {
  const { store, inbox } = await setup(t);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => store.append(inbox.id, [{ body: message(`m${i}`), flags: i % 2 ? ['\\Seen'] : [] }])),
  );
  const uids = results.map((r) => r.uids[0]);
  t.same(
    uids,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const mb = store.getMailboxById(inbox.id)!;
  t.equal(mb.messages, 20);
  t.equal(mb.unseen, 10);
  t.equal(mb.highestModseq, 21);
  t.same(checkCounters(store, inbox.id), []);
});

t.test('a failing write rolls back alone; writes batched with it still apply', async (t) => {
  const { store, inbox, archive } = await setup(t);
  await store.setAccountAppendLimit('alice@example.org', 100);
  const ok1 = store.append(inbox.id, [{ body: message('small'), flags: [] }]);
  const tooBig = store.append(inbox.id, [
    { body: message('x'), flags: [] },
    { body: Buffer.alloc(101, 'x'), flags: [] },
  ]);
  const ok2 = store.append(archive.id, [{ body: message('small2'), flags: [] }]);
  t.same((await ok1).uids, [1]);
  await t.rejects(tooBig, kind('toobig'));
  t.same((await ok2).uids, [1]);
  t.equal(store.getMailboxById(inbox.id)!.uidNext, 2, 'the rejected append consumed no UID');
  t.same(checkCounters(store, inbox.id), []);
  await store.setAccountAppendLimit('alice@example.org', null);
  t.same((await store.append(inbox.id, [{ body: Buffer.alloc(101, 'x'), flags: [] }])).uids, [2]);
});

t.test('flags: set/add/remove, keywords case-insensitive, \\Recent never stored, modseq per change', async (t) => {
  const { store, inbox } = await setup(t);
  await store.append(inbox.id, [
    { body: message('1'), flags: ['$Label1'] },
    { body: message('2'), flags: ['\\Recent', '\\Flagged'] },
    { body: message('3'), flags: [] },
  ]);
  t.same(store.getMessage(inbox.id, 2)!.flags, ['\\Flagged'], '\\Recent dropped');
  const start = store.getMailboxById(inbox.id)!.highestModseq;

  const { changes: added } = await store.setFlags(inbox.id, [1, 2, 3, 99], 'add', ['\\Seen', '$label1']);
  t.same(
    added.map((c) => [c.uid, c.flags, c.modseq]),
    [
      [1, ['\\Seen', '$Label1'], start + 1],
      [2, ['\\Seen', '\\Flagged', '$Label1'], start + 2],
      [3, ['\\Seen', '$Label1'], start + 3],
    ],
    'first spelling kept; unknown UID ignored',
  );
  t.equal(store.getMailboxById(inbox.id)!.unseen, 0);
  t.same((await store.setFlags(inbox.id, [1, 2, 3], 'add', ['\\Seen'])).changes, [], 'no-op changes nothing');
  t.equal(store.getMailboxById(inbox.id)!.highestModseq, start + 3, 'no-op keeps modseq');

  const { changes: removed } = await store.setFlags(inbox.id, [2], 'remove', ['\\SEEN', 'NotThere']);
  t.same(
    removed.map((c) => c.flags),
    [['\\Flagged', '$Label1']],
  );
  t.equal(store.getMailboxById(inbox.id)!.unseen, 1);
  const { changes: set } = await store.setFlags(inbox.id, [1], 'set', ['\\Answered', 'Other']);
  t.same(
    set.map((c) => c.flags),
    [['\\Answered', 'Other']],
  );
  t.same(store.keywords(inbox.id), ['$Label1', 'Other']);
  t.same(checkCounters(store, inbox.id), []);

  await t.rejects(store.setFlags(inbox.id, [1], 'add', ['\\Bogus']), kind('cannot'));
  await t.rejects(store.setFlags(inbox.id, [1], 'add', ['bad(keyword']), kind('cannot'));
  await t.rejects(store.setFlags(inbox.id, [1], 'add', ['k'.repeat(200)]), kind('limit'));
});

t.test('keyword limit per mailbox', async (t) => {
  const { store, inbox } = await setup(t);
  await store.append(inbox.id, [{ body: message('1'), flags: [] }]);
  for (let i = 0; i < MAX_KEYWORDS_PER_MAILBOX; i += 50) {
    const batch = Array.from({ length: Math.min(50, MAX_KEYWORDS_PER_MAILBOX - i) }, (_, j) => `kw${i + j}`);
    await store.setFlags(inbox.id, [1], 'set', batch);
  }
  t.equal(store.keywords(inbox.id).length, MAX_KEYWORDS_PER_MAILBOX);
  await t.rejects(store.setFlags(inbox.id, [1], 'set', ['one-too-many']), kind('limit'));
  await store.setFlags(inbox.id, [1], 'set', ['KW0']);
  t.same(store.getMessage(inbox.id, 1)!.flags, ['kw0'], 'known keyword is fine at the limit');
  await t.rejects(
    store.setFlags(
      inbox.id,
      [1],
      'set',
      Array.from({ length: 65 }, (_, i) => `kw${i}`),
    ),
    kind('limit'),
  );
});

t.test('expunge by \\Deleted and by UID; changesSince reports tombstones and changes', async (t) => {
  const { store, inbox } = await setup(t);
  await store.append(
    inbox.id,
    Array.from({ length: 5 }, (_, i) => ({ body: message(`m${i}`), flags: [] })),
  );
  const base = store.getMailboxById(inbox.id)!.highestModseq;
  await store.setFlags(inbox.id, [2, 4], 'add', ['\\Deleted']);
  t.same(await store.expunge(inbox.id, null), [2, 4]);
  await store.setFlags(inbox.id, [1], 'add', ['\\Seen']);
  const changes = store.changesSince(inbox.id, base);
  t.same(changes.expunged, [2, 4]);
  t.same(changes.changed, [1]);
  t.equal(changes.uidNext, 6);
  t.equal(changes.highestModseq, base + 5);
  const all = store.changesSince(inbox.id, 0);
  t.same(all.changed, [1, 3, 5]);
  t.same(all.expunged, [2, 4]);
  t.equal(changes.firstExpungeModseq, base + 3, 'the modseq of the first expunge read');
  t.same(store.changesSince(inbox.id, changes.highestModseq), { ...changes, expunged: [], changed: [], firstExpungeModseq: 0 });
  t.same(await store.expunge(inbox.id, [3, 3, 77]), [3], 'UID list: present UIDs only, whatever their flags');
  await store.setFlags(inbox.id, [1, 5], 'add', ['\\Deleted']);
  // UID EXPUNGE (RFC 4315 §2.1): the flag as the transaction finds it, not as the caller saw it.
  const unflag = store.setFlags(inbox.id, [5], 'remove', ['\\Deleted']);
  const expunged = store.expunge(inbox.id, [1, 5], { onlyDeleted: true });
  await unflag;
  t.same(await expunged, [1], 'onlyDeleted: a -FLAGS (\\Deleted) committed first keeps its message');
  t.same([...store.uids(inbox.id)], [5]);
  t.same(checkCounters(store, inbox.id), []);
  t.throws(() => store.changesSince(9999, 0), kind('nonexistent'));
});

t.test('copy and move keep flags and dates, allocate UIDs in source order and share blobs', async (t) => {
  const { store, inbox, archive } = await setup(t);
  await store.append(archive.id, [{ body: message('pre'), flags: [] }]);
  await store.append(inbox.id, [
    { body: message('a'), flags: ['\\Seen', 'Tag'], internalDate: 1_000_000 },
    { body: message('b'), flags: ['\\Flagged'], internalDate: 2_000_000 },
    { body: message('c'), flags: [], internalDate: 3_000_000 },
  ]);
  const a = store.getMessage(inbox.id, 1)!;
  const copied = await store.copy(inbox.id, [3, 1, 42], archive.id);
  t.same(copied, {
    uidValidity: archive.uidValidity,
    pairs: [
      [1, 2],
      [3, 3],
    ],
  });
  const c1 = store.getMessage(archive.id, 2)!;
  t.same(c1.flags, ['\\Seen', 'Tag']);
  t.equal(c1.internalDate, 1_000_000);
  t.equal(c1.blob, a.blob);
  t.equal(store.blobReferences(a.blob), 2);

  const moved = await store.move(inbox.id, [1, 2], archive.id);
  t.same(moved.pairs, [
    [1, 4],
    [2, 5],
  ]);
  t.same([...store.uids(inbox.id)], [3]);
  t.same([...store.uids(archive.id)], [1, 2, 3, 4, 5]);
  t.equal(store.blobReferences(a.blob), 2, 'move keeps the reference count');
  t.same(checkCounters(store, inbox.id), []);
  t.same(checkCounters(store, archive.id), []);

  // Blob freed with its last reference.
  await store.expunge(archive.id, [2]);
  t.equal(store.blobReferences(a.blob), 1);
  await store.expunge(archive.id, [4]);
  t.equal(store.blobReferences(a.blob), 0);
  t.throws(() => store.readBody(a), kind('nonexistent'));
  t.throws(() => store.withBody(a, (bytes) => bytes.length), kind('nonexistent'));

  // Copy into the same mailbox works too.
  const self = await store.copy(archive.id, [1], archive.id);
  t.same(self.pairs, [[1, 6]]);
  t.same(checkCounters(store, archive.id), []);
  await t.rejects(store.copy(inbox.id, [3], 9999), kind('nonexistent'));
});

t.test('identical bodies share one blob across mailboxes and accounts', async (t) => {
  const { store, inbox } = await setup(t);
  const bob = await store.createAccount('bob@example.org', []);
  const bobInbox = store.getMailbox(bob.id, 'INBOX')!;
  await store.append(inbox.id, [{ body: message('same'), flags: [] }]);
  await store.append(bobInbox.id, [{ body: message('same'), flags: [] }]);
  const m = store.getMessage(inbox.id, 1)!;
  t.equal(store.blobReferences(m.blob), 2);
  await store.deleteAccount('bob@example.org');
  t.equal(store.blobReferences(m.blob), 1);
  t.same(store.readBody(m), message('same'));
});

t.test('claimRecent hands each UID to one claimer only, up to what the claimer will show, and keeps it', async (t) => {
  const { store, inbox, cfg } = await setup(t);
  t.same(await store.claimRecent(inbox.id, 0), { from: 1, to: 0 });
  await store.append(inbox.id, [
    { body: message('1'), flags: [] },
    { body: message('2'), flags: [] },
  ]);
  t.same(await store.claimRecent(inbox.id, 2), { from: 1, to: 2 });
  t.same(await store.claimRecent(inbox.id, 2), { from: 3, to: 2 });
  await store.append(inbox.id, [
    { body: message('3'), flags: [] },
    { body: message('4'), flags: [] },
  ]);
  // A session about to show UID 3 claims 3 alone: 4 is left for whoever is told of it first.
  const [x, y] = await Promise.all([store.claimRecent(inbox.id, 3), store.claimRecent(inbox.id, 3)]);
  t.same(
    [x, y],
    [
      { from: 3, to: 3 },
      { from: 4, to: 3 },
    ],
  );
  t.equal(store.getMailboxById(inbox.id)!.recentUid, 3, 'stored: exactly what was handed out');
  t.same(await store.claimRecent(inbox.id, 99), { from: 4, to: 4 }, 'never beyond the messages there are');
  await store.close();
  const reopened = openMailStore(cfg);
  t.teardown(() => reopened.close());
  t.same(await reopened.claimRecent(inbox.id, 4), { from: 5, to: 4 }, 'a restart hands nothing out again');
});

t.test('onChange reports committed changes in this process', async (t) => {
  const { store, inbox, archive } = await setup(t);
  const seen: number[][] = [];
  const off = store.onChange((ids) => seen.push([...ids]));
  await store.append(inbox.id, [{ body: message('1'), flags: [] }]);
  t.same(seen, [[inbox.id]], 'called before the write resolves');
  await store.setFlags(inbox.id, [1], 'add', ['\\Seen']);
  await store.setFlags(inbox.id, [1], 'add', ['\\Seen']);
  await store.move(inbox.id, [1], archive.id);
  await store.claimRecent(archive.id, 1);
  t.same(seen, [[inbox.id], [inbox.id], [inbox.id, archive.id].sort((a, b) => a - b)], 'no-op and \\Recent claims are silent');
  off();
  await store.append(inbox.id, [{ body: message('2'), flags: [] }]);
  t.equal(seen.length, 3);
});

t.test('writes to missing or \\Noselect mailboxes, and after close', async (t) => {
  const { store, account } = await setup(t);
  await store.createMailbox(account.id, 'Parent/Child');
  await store.deleteMailbox(account.id, 'Parent');
  const parent = store.getMailbox(account.id, 'Parent')!;
  t.equal(parent.noSelect, true);
  await t.rejects(store.append(parent.id, [{ body: message('x'), flags: [] }]), kind('noselect'));
  await t.rejects(store.append(9999, [{ body: message('x'), flags: [] }]), kind('nonexistent'));
  await t.rejects(store.claimRecent(parent.id, 1), kind('noselect'));
  await store.close();
  t.throws(() => store.getAccount('alice@example.org'), kind('unavailable'));
  await t.rejects(store.append(parent.id, [{ body: message('x'), flags: [] }]), kind('unavailable'));
});
