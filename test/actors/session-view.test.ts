// The session view's seq ⇄ UID bookkeeping (RFC 3501 §7.4.1): expunges are announced with the
// number valid at that moment and only when allowed, new messages as EXISTS, flag changes
// as FETCH, and the client's numbering never changes behind its back.

import t from 'tap';
import { SessionView } from '../../actors/connection/session-view.js';
import type { ChangeSet, MailStore, MessageRecord } from '../../src/storage/types.js';

/** A store stand-in with just what the view reads: messages by UID and a change log. */
class FakeStore {
  modseq = 10;
  messages = new Map<number, MessageRecord>();
  log: Array<{ modseq: number; uid: number; expunged: boolean }> = [];

  add(uid: number, flags: string[] = []): void {
    this.modseq++;
    this.messages.set(uid, { uid, blob: 'x', size: 1, internalDate: 0, flags, modseq: this.modseq, savedAt: 0 });
    this.log.push({ modseq: this.modseq, uid, expunged: false });
  }
  flag(uid: number, flags: string[]): void {
    this.modseq++;
    this.messages.get(uid)!.flags = flags;
    this.messages.get(uid)!.modseq = this.modseq;
    this.log.push({ modseq: this.modseq, uid, expunged: false });
  }
  expunge(uid: number): void {
    this.modseq++;
    this.messages.delete(uid);
    this.log.push({ modseq: this.modseq, uid, expunged: true });
  }
  changesSince(_id: number, modseq: number): ChangeSet {
    const later = this.log.filter((e) => e.modseq > modseq);
    const expunged = [...new Set(later.filter((e) => e.expunged).map((e) => e.uid))].sort((a, b) => a - b);
    const changed = [...new Set(later.filter((e) => !e.expunged && this.messages.has(e.uid)).map((e) => e.uid))].sort((a, b) => a - b);
    const firstExpungeModseq = later.find((e) => e.expunged)?.modseq ?? 0;
    return { highestModseq: this.modseq, uidNext: 0, expunged, changed, tombstoneFloor: this.floor, firstExpungeModseq };
  }
  /** Tombstones up to this modseq are forgotten (pruned). */
  floor = 0;
  prune(upTo: number): void {
    this.log = this.log.filter((e) => !e.expunged || e.modseq > upTo);
    this.floor = upTo;
  }
  uids(): Uint32Array {
    return Uint32Array.from([...this.messages.keys()].sort((a, b) => a - b));
  }
  getMessage(_id: number, uid: number): MessageRecord | null {
    return this.messages.get(uid) ?? null;
  }
}

function setup(uids: number[]) {
  const fake = new FakeStore();
  for (const u of uids) fake.add(u);
  const view = new SessionView({ mailboxId: 1, readOnly: false, uidValidity: 7, uids: Uint32Array.from(uids), modseq: fake.modseq });
  return { fake, view, store: fake as unknown as MailStore };
}

t.test('seq ⇄ uid lookups', async (t) => {
  const { view } = setup([3, 7, 8, 12]);
  t.equal(view.exists, 4);
  t.equal(view.uidAt(1), 3);
  t.equal(view.uidAt(4), 12);
  t.equal(view.uidAt(5), 0);
  t.equal(view.seqOf(8), 3);
  t.equal(view.seqOf(9), 0);
  t.equal(view.lastUid, 12);
});

t.test('expunges wait while not allowed, then go out highest number first', async (t) => {
  const { fake, view, store } = setup([3, 7, 8, 12]);
  fake.expunge(7);
  fake.expunge(12);
  view.pull(store);
  t.equal(view.flush(store, false, null), '', 'nothing during FETCH/STORE/SEARCH');
  t.equal(view.exists, 4, 'the client numbering is unchanged');
  t.equal(view.uidAt(2), 7);
  t.equal(view.flush(store, true, null), '* 4 EXPUNGE\r\n* 2 EXPUNGE\r\n');
  t.same([...view.knownUids()], [3, 8]);
});

t.test('new messages become EXISTS with RECENT; flag changes become FETCH', async (t) => {
  const { fake, view, store } = setup([1, 2]);
  fake.add(3);
  fake.add(4);
  fake.flag(1, ['\\Seen']);
  view.pull(store);
  t.equal(view.flush(store, true, { from: 3, to: 4 }), '* 4 EXISTS\r\n* 2 RECENT\r\n* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n');
  t.equal(view.flush(store, true, null), '', 'nothing twice');
});

t.test('a message that arrives and goes before the client hears of it is never announced', async (t) => {
  const { fake, view, store } = setup([1]);
  fake.add(2);
  view.pull(store);
  fake.expunge(2);
  view.pull(store);
  t.equal(view.flush(store, true, null), '');
  t.equal(view.exists, 1);
});

t.test('own STORE changes are not reported twice', async (t) => {
  const { fake, view, store } = setup([1, 2]);
  fake.flag(2, ['\\Flagged']);
  view.noteOwnChange(2, fake.modseq);
  view.pull(store);
  t.equal(view.flush(store, true, null), '');
});

t.test('expunges whose tombstones were pruned before the view read them are still found', async (t) => {
  const { fake, view, store } = setup([1, 2, 3, 4]);
  fake.expunge(2);
  fake.expunge(3);
  fake.add(5);
  fake.prune(fake.modseq);
  view.pull(store);
  t.equal(view.flush(store, true, null), '* 3 EXPUNGE\r\n* 2 EXPUNGE\r\n* 3 EXISTS\r\n* 0 RECENT\r\n');
  t.same([...view.knownUids()], [1, 4, 5]);
});

t.test('under QRESYNC expunges go out as one VANISHED, and flag changes carry MODSEQ under CONDSTORE', async (t) => {
  const { fake, view, store } = setup([1, 2, 3, 4]);
  view.condstore = true;
  view.qresync = true;
  fake.expunge(2);
  fake.expunge(3);
  fake.flag(4, ['\\Seen']);
  view.pull(store);
  t.equal(view.flush(store, true, null), `* VANISHED 2:3\r\n* 2 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (${fake.modseq}))\r\n`);
});

t.test('while expunges are held back, the view names a modseq just below the first of them', async (t) => {
  const { fake, view, store } = setup([1, 2, 3]);
  t.equal(view.modseqBeforeHeldExpunges, null);
  fake.expunge(1);
  const first = fake.modseq;
  fake.flag(2, ['\\Seen']);
  fake.expunge(3);
  view.pull(store);
  view.flush(store, false, null);
  t.equal(view.modseqBeforeHeldExpunges, first - 1, 'below the earliest held expunge');
  view.flush(store, true, null);
  t.equal(view.modseqBeforeHeldExpunges, null, 'none once they are sent');
});

t.test('a million messages fit in a compact view', async (t) => {
  const uids = new Uint32Array(1_000_000).map((_, i) => i + 1);
  const view = new SessionView({ mailboxId: 1, readOnly: true, uidValidity: 1, uids, modseq: 1 });
  t.equal(view.exists, 1_000_000);
  t.equal(view.seqOf(999_999), 999_999);
  t.equal(view.knownUids().byteLength, 4_000_000, '4 bytes per message');
});

t.test('\\Recent ranges: others’ claims in between stay unrecent; ranges with nothing known between them merge', async (t) => {
  const { fake, view, store } = setup([1, 2]);
  view.addRecent({ from: 1, to: 1 }); // UID 2 went to another session
  for (const uid of [3, 4, 5]) fake.add(uid);
  view.pull(store);
  view.flush(store, true, { from: 3, to: 3 }); // 4 and 5 went to others
  for (const uid of [6, 7]) fake.add(uid);
  view.pull(store);
  view.flush(store, true, { from: 6, to: 6 }); // 7 went to another
  t.same(
    [1, 2, 3, 4, 5, 6, 7].map((u) => view.isRecent(u)),
    [true, false, true, false, false, true, false],
  );
  t.equal(view.recentCount(), 3);
  t.equal(view.recentRanges, 3);
  // Once the others' messages between this session's claims are gone, the ranges merge: what is
  // known to the client is recent exactly as before, and the view keeps one range, not three.
  const expungeAndFlush = (...uids: number[]) => {
    for (const uid of uids) fake.expunge(uid);
    view.pull(store);
    view.flush(store, true, null);
  };
  expungeAndFlush(2, 4, 5);
  t.same([...view.knownUids()], [1, 3, 6, 7]);
  t.same(
    [1, 3, 6, 7].map((u) => view.isRecent(u)),
    [true, true, true, false],
  );
  t.equal(view.recentCount(), 3);
  t.equal(view.recentRanges, 1);
  // Ranges below every UID the client knows are dropped.
  expungeAndFlush(1, 3, 6);
  t.equal(view.recentCount(), 0);
  t.equal(view.recentRanges, 0);
});
