// The writer thread's choice of what to commit next: light writes never wait behind more than
// a bounded share of large APPENDs, heavy ones progress at every commit, and no write overtakes
// an earlier one to the same mailbox or a write to account and mailbox names.

import t from 'tap';
import type { WriteRequest } from '../../src/storage/lmdb/write-batch.js';
import { DEFAULT_TOMBSTONE_RETENTION } from '../../src/config/modules.js';
import { HEAVY_APPEND_BYTES, HEAVY_COMMIT_BYTES, nextCommit } from '../../src/storage/lmdb/write-schedule.js';

let id = 0;
const append = (mailboxId: number, bytes: number): WriteRequest => ({
  id: ++id,
  op: 'append',
  mailboxId,
  items: [{ body: new Uint8Array(bytes), address: 'x', flags: { system: new Set(), keywords: [] }, internalDate: 0 }],
  moduleLimit: 1 << 30,
});
const store = (mailboxId: number): WriteRequest => ({
  id: ++id,
  op: 'setFlags',
  mailboxId,
  uids: [1],
  mode: 'add',
  flags: { system: new Set(), keywords: ['k'] },
  unchangedSince: null,
});
const expunge = (mailboxId: number): WriteRequest => ({
  id: ++id,
  op: 'expunge',
  mailboxId,
  uids: null,
  onlyDeleted: false,
  retention: { ...DEFAULT_TOMBSTONE_RETENTION },
});
const copy = (from: number, to: number): WriteRequest => ({ id: ++id, op: 'copy', mailboxId: from, uids: [1], destinationId: to });
const createMailbox = (): WriteRequest => ({ id: ++id, op: 'createMailbox', accountId: 1, name: 'New', specialUse: null });
const mime = (): WriteRequest => ({ id: ++id, op: 'setMimeIndex', address: 'addr', mime: { index: {}, summary: {} } });

const ids = (xs: WriteRequest[]) => xs.map((x) => x.id);
const HEAVY = HEAVY_APPEND_BYTES;
const SMALL = 10 * 1024;

t.test('light writes alone are committed together, in arrival order', async (t) => {
  const q = [store(1), append(2, SMALL), expunge(3), createMailbox(), mime()];
  const { commit, rest } = nextCommit(q);
  t.same(ids(commit), ids(q));
  t.same(rest, []);
});

t.test('light writes to other mailboxes go ahead of a heavy APPEND, which goes in the same commit', async (t) => {
  const big = append(1, HEAVY);
  const s2 = store(2);
  const e3 = expunge(3);
  const { commit, rest } = nextCommit([big, s2, e3]);
  t.same(ids(commit), [s2.id, e3.id, big.id], 'light first, then the heavy share');
  t.same(rest, []);
});

t.test('heavy APPENDs share a commit up to the byte budget; the rest wait for the next', async (t) => {
  const per = HEAVY_COMMIT_BYTES / 2;
  const a = append(1, per);
  const b = append(2, per);
  const c = append(3, per);
  const s = store(4);
  const first = nextCommit([a, b, c, s]);
  t.same(ids(first.commit), [s.id, a.id, b.id]);
  t.same(ids(first.rest), [c.id]);
  const second = nextCommit(first.rest);
  t.same(ids(second.commit), [c.id]);
  t.same(second.rest, []);
});

t.test('one APPEND larger than the budget still commits, alone among the heavy ones', async (t) => {
  const huge = append(1, HEAVY_COMMIT_BYTES * 3);
  const next = append(2, HEAVY);
  const { commit, rest } = nextCommit([huge, next]);
  t.same(ids(commit), [huge.id]);
  t.same(ids(rest), [next.id]);
});

t.test('a write never overtakes an earlier one to the same mailbox', async (t) => {
  const big = append(1, HEAVY * 2);
  const sameMailbox = expunge(1);
  const copyInto = copy(5, 1); // reads 5, writes 1: held behind the APPEND to 1
  const laterFrom5 = store(5); // held behind the COPY that reads 5
  const other = store(6);
  const first = nextCommit([big, sameMailbox, copyInto, laterFrom5, other]);
  t.same(ids(first.commit), [other.id, big.id]);
  t.same(ids(first.rest), [sameMailbox.id, copyInto.id, laterFrom5.id], 'held writes keep their order');
  const second = nextCommit(first.rest);
  t.same(ids(second.commit), [sameMailbox.id, copyInto.id, laterFrom5.id]);
});

t.test('writes to mailbox names overtake nothing held and are overtaken by nothing', async (t) => {
  const big = append(1, HEAVY);
  const create = createMailbox();
  const after = store(7);
  const before = store(8);
  const { commit, rest } = nextCommit([before, big, create, after]);
  t.same(ids(commit), [before.id, big.id]);
  t.same(ids(rest), [create.id, after.id]);
  t.same(ids(nextCommit(rest).commit), [create.id, after.id]);
});

t.test('heavy writes progress at every commit however many light writes keep arriving', async (t) => {
  let queue = [append(1, HEAVY), append(2, HEAVY), append(3, HEAVY), append(4, HEAVY), append(5, HEAVY)];
  const heavyIds = new Set(ids(queue));
  let commits = 0;
  while ([...heavyIds].some((h) => queue.some((q) => q.id === h))) {
    queue = [...queue, store(9), store(10)];
    const { commit, rest } = nextCommit(queue);
    t.ok(
      commit.some((w) => heavyIds.has(w.id)),
      `commit ${commits + 1} takes a heavy write`,
    );
    queue = rest;
    commits++;
    if (commits > 10) break;
  }
  t.ok(commits <= Math.ceil((5 * HEAVY) / HEAVY_COMMIT_BYTES) + 1, `all heavy writes committed in ${commits} commits`);
});
