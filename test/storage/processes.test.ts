// Several processes on one store: change notification from another process, and no loss of
// acknowledged writes when a writer is killed with SIGKILL mid-stream.

import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openMailStore } from '../../src/storage/index.js';
import { checkCounters, storageConfig } from './fixture.js';

const child = fileURLToPath(new URL('./child-writer.ts', import.meta.url));

function startChild(args: string[]): { proc: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  proc.stdout.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.on('close', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { proc, lines, exited };
}

t.test('a change made by another process reaches onChange listeners', async (t) => {
  const path = join(t.testdir(), 'mail');
  const store = openMailStore(storageConfig(path));
  t.teardown(() => store.close());
  const account = await store.createAccount('alice@example.org', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const heard = new Promise<readonly number[]>((resolve) => store.onChange(resolve));
  const started = Date.now();
  const { lines, exited } = startChild(['once', path, String(inbox.id)]);
  t.same(await heard, [inbox.id]);
  t.equal(await exited, 0);
  t.same(lines, ['1']);
  t.equal(store.getMailboxById(inbox.id)!.messages, 1, 'the change is visible when the listener runs');
  t.ok(Date.now() - started < 10_000);
});

t.test('SIGKILL at a random moment loses no acknowledged append', async (t) => {
  const path = join(t.testdir(), 'mail');
  const setup = openMailStore(storageConfig(path));
  const account = await setup.createAccount('alice@example.org', []);
  const inbox = setup.getMailbox(account.id, 'INBOX')!;
  await setup.close();

  for (let round = 0; round < 2; round++) {
    const { proc, lines, exited } = startChild(['loop', path, String(inbox.id)]);
    // Wait for the child to get going (tsx start-up), then kill it after a random delay.
    const deadline = Date.now() + 20_000;
    while (lines.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 400)));
    proc.kill('SIGKILL');
    await exited;
    const acknowledged = lines.filter((l) => l !== '').map(Number);
    t.ok(acknowledged.length >= 5, `round ${round}: ${acknowledged.length} appends acknowledged before the kill`);

    const store = openMailStore(storageConfig(path));
    const present = new Set(store.uids(inbox.id));
    const missing = acknowledged.filter((uid) => !present.has(uid));
    t.same(missing, [], `round ${round}: every acknowledged UID is present`);
    t.same(checkCounters(store, inbox.id), [], `round ${round}: counters match the messages`);
    const mailbox = store.getMailboxById(inbox.id)!;
    t.ok(mailbox.uidNext > Math.max(...acknowledged), 'UIDNEXT is above every acknowledged UID');
    t.equal(new Set(acknowledged).size, acknowledged.length, 'no UID acknowledged twice');
    await store.close();
  }
});

t.test('old change-log entries are pruned', async (t) => {
  const { openEnv } = await import('../../src/storage/lmdb/env.js');
  const { appendChangelog, readChangelog } = await import('../../src/storage/lmdb/changes.js');
  const { CHANGELOG_RETENTION_MS } = await import('../../src/storage/limits.js');
  const dbs = openEnv(join(t.testdir(), 'mail'));
  t.teardown(() => dbs.root.close());
  const now = Date.now();
  const write = (at: number) => dbs.root.childTransaction(() => appendChangelog({ dbs, now: at, changed: new Set() }, 'test', [1]));
  for (let i = 0; i < 10; i++) await write(now - CHANGELOG_RETENTION_MS - 60_000);
  for (let i = 0; i < 10; i++) await write(now - 1000);
  t.equal(readChangelog(dbs, 0).length, 20);
  // Pruning runs every 64th entry.
  for (let i = 0; i < 44; i++) await write(now);
  const left = readChangelog(dbs, 0);
  t.equal(left.length, 54, 'the 10 entries past the retention are gone');
  t.equal(left[0]!.seq, 11);
});

t.test('notifications survive the signal file being removed', async (t) => {
  const { rmSync } = await import('node:fs');
  const { SIGNAL_FILE } = await import('../../src/storage/lmdb/notify.js');
  const path = join(t.testdir(), 'mail');
  const store = openMailStore(storageConfig(path));
  t.teardown(() => store.close());
  const account = await store.createAccount('alice@example.org', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const heard = new Promise<readonly number[]>((resolve) => store.onChange(resolve));
  // The store's poll timer does not keep a process alive (a server has its sockets for that).
  const keepAlive = setTimeout(() => {}, 30_000);
  t.teardown(() => clearTimeout(keepAlive));
  rmSync(join(path, SIGNAL_FILE));
  await new Promise((r) => setTimeout(r, 200));
  const { exited } = startChild(['once', path, String(inbox.id)]);
  t.same(await heard, [inbox.id], 'heard through the new file or the poll');
  t.equal(await exited, 0);
});
