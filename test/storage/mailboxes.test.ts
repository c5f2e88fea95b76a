// Accounts, the mailbox hierarchy (RFC 3501 §6.3.3 CREATE, §6.3.4 DELETE, §6.3.5 RENAME),
// subscriptions (§6.3.6), UIDVALIDITY (§2.3.1.1) and the schema version check.

import t from 'tap';
import { join } from 'node:path';
import { open } from 'lmdb';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { openMailStore } from '../../src/storage/index.js';
import { SCHEMA_VERSION } from '../../src/storage/lmdb/env.js';
import { checkCounters, freshStore, message, storageConfig } from './fixture.js';

const kind = (kind: string) => ({ name: 'StorageError', kind });
const names = (store: ReturnType<typeof freshStore>['store'], accountId: number) =>
  store.listMailboxes(accountId).map((m) => `${m.name}${m.noSelect ? ' (noselect)' : ''}`);

t.test('accounts', async (t) => {
  const { store } = freshStore(t);
  const a = await store.createAccount('alice@example.org', [
    { name: 'Sent', specialUse: '\\Sent' },
    { name: 'inbox', specialUse: null },
    { name: 'Lists/Work', specialUse: null },
  ]);
  t.equal(a.appendLimit, null);
  t.same(store.getAccount('alice@example.org'), a);
  t.same(names(store, a.id), ['INBOX', 'Lists', 'Lists/Work', 'Sent']);
  t.equal(store.getMailbox(a.id, 'Sent')!.specialUse, '\\Sent');
  await t.rejects(store.createAccount('alice@example.org', []), kind('alreadyexists'));
  await t.rejects(store.createAccount('bad@example.org', [{ name: 'a//b', specialUse: null }]), kind('cannot'));
  t.equal(store.getAccount('bad@example.org'), null, 'a refused account leaves nothing behind');
  const b = await store.createAccount('bob@example.org', []);
  t.same(
    store.listAccounts().map((x) => x.name),
    ['alice@example.org', 'bob@example.org'],
  );
  t.not(a.id, b.id);
  await store.setAccountAppendLimit('bob@example.org', 4096);
  t.equal(store.getAccount('bob@example.org')!.appendLimit, 4096);
  await t.rejects(store.setAccountAppendLimit('nobody', 1), kind('nonexistent'));
  await t.rejects(store.setAccountAppendLimit('bob@example.org', -1), kind('cannot'));
  await store.deleteAccount('alice@example.org');
  t.equal(store.getAccount('alice@example.org'), null);
  t.same(store.listMailboxes(a.id), []);
  await t.rejects(store.deleteAccount('alice@example.org'), kind('nonexistent'));
  await t.rejects(store.createMailbox(a.id, 'X'), kind('nonexistent'));
});

t.test('mailbox names', async (t) => {
  const { store } = freshStore(t);
  const a = await store.createAccount('alice@example.org', []);
  for (const bad of ['', '/a', 'a/', 'a//b', 'a*', 'b%c', 'x\u0001y']) {
    await t.rejects(store.createMailbox(a.id, bad), kind('cannot'), JSON.stringify(bad));
  }
  await t.rejects(store.createMailbox(a.id, 'x'.repeat(600)), kind('limit'));
  await t.rejects(store.createMailbox(a.id, Array(40).fill('a').join('/')), kind('limit'));
  await t.rejects(store.createMailbox(a.id, 'inbox'), kind('alreadyexists'), 'INBOX is case-insensitive');
  const child = await store.createMailbox(a.id, 'Inbox/Sub');
  t.equal(child.name, 'INBOX/Sub');
  t.equal(store.getMailbox(a.id, 'inBox')!.name, 'INBOX');
  const huge = 'y'.repeat(3000);
  t.equal(store.getMailbox(a.id, huge), null, 'an over-long name is simply not found');
  await store.setSubscribed(a.id, huge, false);
  await t.rejects(store.deleteMailbox(a.id, huge), kind('nonexistent'));
  t.equal(store.getAccount(huge), null);
  await t.rejects(store.createAccount(huge, []), kind('limit'));
  const uni = await store.createMailbox(a.id, 'Entwürfe/日本');
  t.equal(store.getMailbox(a.id, 'Entwürfe/日本')!.id, uni.id);
});

t.test('CREATE makes parents; UIDVALIDITY never repeats for a name', async (t) => {
  const { store } = freshStore(t);
  const a = await store.createAccount('alice@example.org', []);
  const leaf = await store.createMailbox(a.id, 'a/b/c', { specialUse: '\\Archive' });
  t.same(names(store, a.id), ['INBOX', 'a', 'a/b', 'a/b/c']);
  t.equal(leaf.specialUse, '\\Archive');
  t.equal(store.getMailbox(a.id, 'a')!.specialUse, null);
  await t.rejects(store.createMailbox(a.id, 'a/b'), kind('alreadyexists'));
  const validities = new Set(store.listMailboxes(a.id).map((m) => m.uidValidity));
  t.equal(validities.size, 4);
  const before = leaf.uidValidity;
  await store.deleteMailbox(a.id, 'a/b/c');
  const again = await store.createMailbox(a.id, 'a/b/c');
  t.ok(again.uidValidity > before, 'recreated name has a larger UIDVALIDITY');
  t.not(again.id, leaf.id);
});

t.test('DELETE with and without inferiors (RFC 3501 §6.3.4)', async (t) => {
  const { store } = freshStore(t);
  const a = await store.createAccount('alice@example.org', []);
  await store.createMailbox(a.id, 'foo/bar');
  const foo = store.getMailbox(a.id, 'foo')!;
  await store.append(foo.id, [{ body: message('in foo'), flags: [] }]);
  const blob = store.getMessage(foo.id, 1)!.blob;
  await store.setSubscribed(a.id, 'foo', true);
  await t.rejects(store.deleteMailbox(a.id, 'INBOX'), kind('cannot'));
  await t.rejects(store.deleteMailbox(a.id, 'nope'), kind('nonexistent'));

  await store.deleteMailbox(a.id, 'foo');
  const noselect = store.getMailbox(a.id, 'foo')!;
  t.equal(noselect.noSelect, true);
  t.equal(noselect.messages, 0);
  t.same([...store.uids(foo.id)], []);
  t.equal(store.blobReferences(blob), 0, 'messages and their blobs are gone');
  await t.rejects(store.deleteMailbox(a.id, 'foo'), kind('haschildren'));

  await store.deleteMailbox(a.id, 'foo/bar');
  t.same(names(store, a.id), ['INBOX', 'foo (noselect)'], 'the childless \\Noselect parent is kept');
  await store.deleteMailbox(a.id, 'foo');
  t.same(names(store, a.id), ['INBOX']);
  t.same(store.listSubscriptions(a.id), ['foo'], 'subscriptions outlive mailboxes');

  // CREATE over a \Noselect name makes it selectable again, with a new UIDVALIDITY.
  await store.createMailbox(a.id, 'p/q');
  const p = store.getMailbox(a.id, 'p')!;
  await store.deleteMailbox(a.id, 'p');
  const revived = await store.createMailbox(a.id, 'p');
  t.equal(revived.noSelect, false);
  t.ok(revived.uidValidity > p.uidValidity);
  t.same((await store.append(revived.id, [{ body: message('x'), flags: [] }])).uids.length, 1);
});

t.test('RENAME moves inferiors and subscriptions (RFC 3501 §6.3.5)', async (t) => {
  const { store } = freshStore(t);
  const a = await store.createAccount('alice@example.org', []);
  await store.createMailbox(a.id, 'Work/2023/Q1');
  await store.createMailbox(a.id, 'Workshop');
  const work = store.getMailbox(a.id, 'Work')!;
  await store.append(work.id, [{ body: message('w'), flags: ['\\Seen'] }]);
  await store.setSubscribed(a.id, 'Work/2023', true);
  await store.setSubscribed(a.id, 'Workshop', true);

  await store.renameMailbox(a.id, 'Work', 'Old/Work');
  t.same(names(store, a.id), ['INBOX', 'Old', 'Old/Work', 'Old/Work/2023', 'Old/Work/2023/Q1', 'Workshop']);
  const moved = store.getMailbox(a.id, 'Old/Work')!;
  t.equal(moved.id, work.id);
  t.equal(moved.uidValidity, work.uidValidity, 'a renamed mailbox keeps its UIDs and UIDVALIDITY');
  t.equal(moved.messages, 1);
  t.same(store.listSubscriptions(a.id), ['Old/Work/2023', 'Workshop']);
  t.equal(store.getMailbox(a.id, 'Old/Work/2023')!.subscribed, true);

  await t.rejects(store.renameMailbox(a.id, 'Old', 'Workshop'), kind('alreadyexists'));
  await t.rejects(store.renameMailbox(a.id, 'Old', 'INBOX'), kind('alreadyexists'));
  await t.rejects(store.renameMailbox(a.id, 'Missing', 'X'), kind('nonexistent'));
  await t.rejects(store.renameMailbox(a.id, 'Old', 'Old/Inner'), kind('cannot'));
  await t.rejects(store.renameMailbox(a.id, 'Old', 'bad/'), kind('cannot'));
});

t.test('RENAME INBOX moves its messages to a new mailbox and leaves INBOX empty', async (t) => {
  const { store } = freshStore(t);
  const a = await store.createAccount('alice@example.org', []);
  await store.createMailbox(a.id, 'INBOX/Child');
  const inbox = store.getMailbox(a.id, 'INBOX')!;
  await store.append(inbox.id, [
    { body: message('1'), flags: ['\\Seen'], internalDate: 5000 },
    { body: message('2'), flags: ['Tag'] },
  ]);
  await store.expunge(inbox.id, [1]);
  await store.append(inbox.id, [{ body: message('3'), flags: [] }]);
  const seen: number[][] = [];
  store.onChange((ids) => seen.push([...ids]));

  await store.renameMailbox(a.id, 'inbox', 'Old Mail/2024');
  const target = store.getMailbox(a.id, 'Old Mail/2024')!;
  t.ok(target.uidValidity > inbox.uidValidity, 'a new mailbox with a new UIDVALIDITY');
  t.same([...store.uids(target.id)], [1, 2]);
  t.same(store.getMessage(target.id, 1)!.flags, ['Tag']);
  t.same(checkCounters(store, target.id), []);
  const after = store.getMailbox(a.id, 'INBOX')!;
  t.equal(after.id, inbox.id);
  t.equal(after.messages, 0);
  t.equal(after.uidValidity, inbox.uidValidity);
  t.equal(after.uidNext, 4, 'INBOX UIDs keep counting');
  t.same(names(store, a.id), ['INBOX', 'INBOX/Child', 'Old Mail', 'Old Mail/2024'], 'INBOX inferiors stay');
  t.same(seen, [[inbox.id, target.id]]);
  t.same(store.changesSince(inbox.id, inbox.highestModseq).expunged, [1, 2, 3], 'tombstones for every message it ever had');
});

t.test('subscriptions', async (t) => {
  const { store } = freshStore(t);
  const a = await store.createAccount('alice@example.org', []);
  await store.setSubscribed(a.id, 'Does/Not/Exist', true);
  await store.setSubscribed(a.id, 'inbox', true);
  t.same(store.listSubscriptions(a.id), ['Does/Not/Exist', 'INBOX']);
  t.equal(store.getMailbox(a.id, 'INBOX')!.subscribed, true);
  await store.setSubscribed(a.id, 'Does/Not/Exist', false);
  await store.setSubscribed(a.id, 'never', false);
  t.same(store.listSubscriptions(a.id), ['INBOX']);
  await t.rejects(store.setSubscribed(a.id, 'a*', true), kind('cannot'));
  await store.setSpecialUse(a.id, 'INBOX', '\\Junk');
  t.equal(store.getMailbox(a.id, 'INBOX')!.specialUse, '\\Junk');
  await t.rejects(store.setSpecialUse(a.id, 'none', null), kind('nonexistent'));
});

t.test('a newer schema is refused with a clear error', async (t) => {
  const path = join(t.testdir(), 'mail');
  const store = openMailStore(storageConfig(path));
  await store.close();
  const root = open({ path, noSubdir: false, maxDbs: 32 });
  const meta = root.openDB<number, string>({ name: 'meta' });
  await meta.put('schema', SCHEMA_VERSION + 1);
  await root.close();
  t.throws(() => openMailStore(storageConfig(path)), {
    name: 'StorageError',
    kind: 'unavailable',
    message: new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this server supports \\(${SCHEMA_VERSION}\\)`),
  });
});

/**
 * Rewrites a store made by this code into what an older schema stored: no
 * save dates, unseen index and tombstone index (schemas 1 to 3),
 * each message record as an object (schemas 1 and 2), and no \\Deleted index (schema 1).
 */
async function downgrade(path: string, version: 1 | 2 | 3): Promise<void> {
  const root = open({ path, noSubdir: false, maxDbs: 32 });
  const messages = root.openDB<unknown, [number, number]>({ name: 'messages' });
  for (const { key, value } of [...messages.getRange()]) {
    const [blob, size, internalDate, flags, modseq] = value as [string, number, number, string[], number];
    await messages.put(key, version < 3 ? { blob, size, internalDate, flags, modseq } : [blob, size, internalDate, flags, modseq]);
  }
  const modseqs = root.openDB<unknown, [number, number]>({ name: 'modseqs' });
  const tombstones = root.openDB<[number, number], [number, number]>({ name: 'tombstones' });
  for (const { key, value } of [...tombstones.getRange()]) await modseqs.put(key, { uid: value[0], expunged: true });
  await tombstones.clearAsync();
  const mailboxes = root.openDB<Record<string, unknown>, number>({ name: 'mailboxes' });
  for (const { key, value } of [...mailboxes.getRange()]) {
    const { tombstones: _count, tombstoneFloor: _floor, ...older } = value;
    await mailboxes.put(key, older);
  }
  await root.openDB({ name: 'unseen' }).clearAsync();
  if (version === 1) await root.openDB({ name: 'deleted' }).clearAsync();
  await root.openDB<number, string>({ name: 'meta' }).put('schema', version);
  await root.close();
}

for (const version of [1, 2, 3] as const) {
  t.test(`a schema ${version} store is upgraded on open`, async (t) => {
    const path = join(t.testdir(), 'mail');
    const store = openMailStore(storageConfig(path));
    const account = await store.createAccount('alice', []);
    const inbox = store.getMailbox(account.id, 'INBOX')!;
    const { uids } = await store.append(inbox.id, [
      { body: Buffer.from('Subject: 1\r\n\r\none\r\n'), flags: ['\\Deleted'], internalDate: 1_000_000 },
      { body: Buffer.from('Subject: 2\r\n\r\ntwo\r\n'), flags: ['\\Seen', '$Label'], internalDate: 2_000_000 },
      { body: Buffer.from('Subject: 3\r\n\r\nthree\r\n'), flags: ['\\Deleted', '\\Seen'], internalDate: 3_000_000 },
      { body: Buffer.from('Subject: 4\r\n\r\nfour\r\n'), flags: [], internalDate: 4_000_000 },
    ]);
    const afterAppend = store.getMailboxById(inbox.id)!.highestModseq;
    await store.expunge(inbox.id, [uids[3]!]);
    // Schemas before 4 kept no save date: the upgraded records have none.
    const before = uids.slice(0, 3).map((uid) => ({ ...store.getMessage(inbox.id, uid)!, savedAt: null }));
    await store.close();
    await downgrade(path, version);

    const upgraded = openMailStore(storageConfig(path));
    t.teardown(() => upgraded.close());
    t.same(
      uids.slice(0, 3).map((uid) => upgraded.getMessage(inbox.id, uid)),
      before,
      'every record reads as before: blob, size, INTERNALDATE, flags, modseq; no save date',
    );
    t.same(
      upgraded.changesSince(inbox.id, afterAppend),
      {
        highestModseq: afterAppend + 1,
        uidNext: 5,
        expunged: [uids[3]],
        changed: [],
        tombstoneFloor: 0,
        firstExpungeModseq: afterAppend + 1,
      },
      'the expunge tombstone moved to its own index and still answers "expunged since"',
    );
    t.same(upgraded.deletedIndex(inbox.id), [uids[0], uids[2]], 'the \\Deleted index matches the stored flags');
    t.equal(upgraded.firstUnseen(inbox.id), uids[0], 'the unseen index is built from the stored flags');
    t.same(await upgraded.expunge(inbox.id, null), [uids[0], uids[2]], 'EXPUNGE finds them through it');
    t.same([...upgraded.uids(inbox.id)], [uids[1]]);
    t.same(upgraded.changesSince(inbox.id, afterAppend).expunged, [uids[0], uids[2], uids[3]], 'old and new tombstones together');
    t.same(upgraded.readBody(upgraded.getMessage(inbox.id, uids[1]!)!).toString(), 'Subject: 2\r\n\r\ntwo\r\n');
    t.same(checkCounters(upgraded, inbox.id), []);
    const raw = open({ path, noSubdir: false, maxDbs: 32, readOnly: true });
    t.equal(raw.openDB<number, string>({ name: 'meta' }).get('schema'), SCHEMA_VERSION, 'stamped with the current version');
    t.ok(Array.isArray(raw.openDB({ name: 'messages' }).get([inbox.id, uids[1]!])), 'records stored as tuples');
    t.equal(
      [...raw.openDB<{ expunged?: true }, [number, number]>({ name: 'modseqs' }).getRange()].filter((e) => e.value.expunged).length,
      0,
      'no tombstone left in the modseq index',
    );
    t.equal(raw.openDB<{ tombstones?: number }, number>({ name: 'mailboxes' }).get(inbox.id)!.tombstones, 3, 'tombstones counted');
    await raw.close();
  });
}

t.test('an older store open in another process is not upgraded until that process is gone', async (t) => {
  const path = join(t.testdir(), 'mail');
  const store = openMailStore(storageConfig(path));
  const account = await store.createAccount('alice', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const { uids } = await store.append(inbox.id, [{ body: Buffer.from('Subject: 1\r\n\r\none\r\n'), flags: ['\\Seen'] }]);
  await store.close();
  await downgrade(path, 2);
  // Another process with the store open, as an older server still running would have it.
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const { open } = require('lmdb'); const root = open({ path: ${JSON.stringify(path)}, noSubdir: false, maxDbs: 32 }); root.openDB({ name: 'meta' }).get('schema'); console.log('open'); setInterval(() => {}, 1000);`,
    ],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.teardown(() => holder.kill('SIGKILL'));
  await once(holder.stdout, 'data');
  t.throws(() => openMailStore(storageConfig(path)), {
    name: 'StorageError',
    kind: 'unavailable',
    message: new RegExp(`schema version 2 and is open in another process \\(pid ${holder.pid}\\); stop every process using it`),
  });
  const untouched = open({ path, noSubdir: false, maxDbs: 32, readOnly: true });
  t.equal(untouched.openDB<number, string>({ name: 'meta' }).get('schema'), 2, 'left at its version');
  t.notOk(Array.isArray(untouched.openDB({ name: 'messages' }).get([inbox.id, uids[0]!])), 'records as they were');
  await untouched.close();
  holder.kill('SIGKILL');
  await once(holder, 'exit');
  const upgraded = openMailStore(storageConfig(path));
  t.teardown(() => upgraded.close());
  t.same(upgraded.getMessage(inbox.id, uids[0]!)!.flags, ['\\Seen'], 'upgraded once the other process is gone');
});

t.test('a record still in the object layout (written by an older process) reads the same', async (t) => {
  const path = join(t.testdir(), 'mail');
  const store = openMailStore(storageConfig(path));
  t.teardown(() => store.close());
  const account = await store.createAccount('alice', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const { uids } = await store.append(inbox.id, [{ body: Buffer.from('Subject: 1\r\n\r\none\r\n'), flags: ['\\Seen'] }]);
  const before = store.getMessage(inbox.id, uids[0]!)!;
  const raw = open({ path, noSubdir: false, maxDbs: 32 });
  const { uid: _uid, savedAt: _savedAt, ...legacy } = before;
  await raw.openDB({ name: 'messages' }).put([inbox.id, uids[0]!], legacy);
  await raw.close();
  t.same(store.getMessage(inbox.id, uids[0]!), { ...before, savedAt: null }, 'the object layout had no save date');
  const {
    changes: [change],
  } = await store.setFlags(inbox.id, [uids[0]!], 'add', ['\\Flagged']);
  t.same(change!.flags, ['\\Seen', '\\Flagged'], 'and is written back as a tuple by the next change');
  t.same(store.getMessage(inbox.id, uids[0]!)!.flags, ['\\Seen', '\\Flagged']);
});

t.test('the upgrade rewrites more records than one chunk of its scan', async (t) => {
  const path = join(t.testdir(), 'mail');
  const store = openMailStore(storageConfig(path));
  const account = await store.createAccount('alice', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const n = 10_005;
  const items = Array.from({ length: n }, (_, i) => ({
    body: Buffer.from(`Subject: ${i}\r\n\r\n${i}\r\n`),
    flags: i % 2 ? ['\\Seen'] : [],
  }));
  for (let i = 0; i < n; i += 1000) await store.append(inbox.id, items.slice(i, i + 1000));
  await store.close();
  await downgrade(path, 2);
  const upgraded = openMailStore(storageConfig(path));
  t.teardown(() => upgraded.close());
  const uids = [...upgraded.uids(inbox.id)];
  t.equal(uids.length, n);
  t.ok(
    uids.every((uid, i) => upgraded.getMessage(inbox.id, uid)!.size === Buffer.byteLength(`Subject: ${i}\r\n\r\n${i}\r\n`)),
    'each record read back',
  );
  t.same(checkCounters(upgraded, inbox.id), []);
});
