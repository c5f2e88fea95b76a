// The mailbox actor is the single writer of its mailbox: writes go to the store in arrival
// order, everything queued while a batch is in flight goes as the next batch (one batch at a
// time), each write gets its own answer, and the registry drops an actor once it has neither
// writes nor sessions.

import t from 'tap';
import { MailboxActor } from '../../actors/mailbox/mailbox-actor.js';
import { MailboxRegistry } from '../../actors/mailbox/registry.js';
import type { MailStore } from '../../src/storage/types.js';

/** A store stand-in whose writes stay pending until the test settles them. */
function fakeStore() {
  const calls: Array<{ what: string; settle(ok: boolean, value?: unknown): void }> = [];
  const listeners = new Set<(ids: readonly number[]) => void>();
  const pending = (what: string) =>
    new Promise((resolve, reject) => calls.push({ what, settle: (ok, value) => (ok ? resolve(value) : reject(new Error(what))) }));
  const store = {
    setFlags: (_id: number, uids: readonly number[], mode: string) => pending(`setFlags ${mode} ${uids.join(',')}`),
    expunge: (_id: number, uids: readonly number[] | null, opts?: { onlyDeleted?: boolean }) =>
      pending(`expunge ${uids === null ? 'deleted' : uids.join(',')} onlyDeleted=${opts?.onlyDeleted}`),
    claimRecent: (_id: number, upTo: number) => pending(`claimRecent ${upTo}`),
    getMailboxById: () => ({ recentUid: 4 }),
    onChange: (l: (ids: readonly number[]) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { calls, listeners, store: store as unknown as MailStore };
}

const turn = () => new Promise((r) => setImmediate(r));

t.test('one batch in flight at a time, in arrival order, each write answered on its own', async (t) => {
  const { calls, store } = fakeStore();
  let idle = 0;
  const actor = new MailboxActor(store, 1, () => idle++);
  const answers: string[] = [];
  const first = actor.write({ kind: 'setFlags', uids: [1], mode: 'add', flags: ['\\Seen'] }).then(() => answers.push('first'));
  const second = actor.write({ kind: 'expunge', uids: [2] }).catch(() => answers.push('second failed'));
  const third = actor.write({ kind: 'setFlags', uids: [3], mode: 'remove', flags: ['\\Seen'] }).then(() => answers.push('third'));
  t.same(
    calls.map((c) => c.what),
    ['setFlags add 1'],
    'the first write goes at once; the others queue behind its batch',
  );
  calls[0]!.settle(true, []);
  await turn();
  t.same(
    calls.map((c) => c.what),
    ['setFlags add 1', 'expunge 2 onlyDeleted=true', 'setFlags remove 3'],
    'what queued meanwhile goes as one batch, in order; a UID EXPUNGE keeps only what is \\Deleted at commit',
  );
  calls[2]!.settle(true, []);
  calls[1]!.settle(false);
  await Promise.all([first, second, third]);
  t.same(answers, ['first', 'third', 'second failed'], 'each write has its own answer; a failure fails that write alone');
  await turn();
  t.equal(idle, 1, 'idle once nothing is queued or in flight');
  t.ok(actor.idle);
});

t.test('a claim already sent covers later sessions at once; a failed claim is read again from the store', async (t) => {
  const { calls, store } = fakeStore();
  const actor = new MailboxActor(store, 1, () => {});
  t.same(actor.claimRecent(4), { from: 5, to: 4 }, 'the store already gave out UID 4: nothing to claim, no write');
  const claim = actor.claimRecent(6);
  t.ok(claim instanceof Promise);
  t.same(actor.claimRecent(6), { from: 7, to: 6 }, 'a second session learning of the same messages neither writes nor waits');
  t.equal(actor.recentFloor(), 7);
  calls[0]!.settle(false);
  t.same(await claim, { from: 7, to: 6 }, 'not stored: shown as recent nowhere');
  t.equal(actor.recentFloor(), 5, 'the next claimer reads the store again');
});

t.test('the registry fans changes out to subscribers and drops an actor with nothing left', async (t) => {
  const { calls, listeners, store } = fakeStore();
  const registry = new MailboxRegistry(store);
  const heard: string[] = [];
  const off = registry.subscribe(1, () => heard.push('a'));
  registry.subscribe(2, () => heard.push('b'));
  for (const l of listeners) l([1]);
  t.same(heard, ['a']);
  const write = registry.write(1, { kind: 'setFlags', uids: [1], mode: 'add', flags: ['x'] });
  off();
  await turn();
  t.equal(calls.length, 1);
  calls[0]!.settle(true, []);
  await write;
  await turn();
  // A new actor for mailbox 1: its claim state starts from the store again.
  t.same(registry.claimRecent(1, 4), { from: 5, to: 4 });
  registry.close();
});
