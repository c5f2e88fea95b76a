// The text index gives exactly the answers of a scan (RFC 3501 §6.4.4 substring matching after
// i;unicode-casemap folding): a property test over random messages in several scripts, cases,
// transfer encodings and encoded words, searched for random substrings of their own text. Also
// the segment format itself, merges that drop expunged messages, and the indexer's coverage.

import t from 'tap';
import fc from 'fast-check';
import { createPool } from '../../src/pool.js';
import { TextIndexer } from '../../src/indexing/text-indexer.js';
import { narrowByIndex } from '../../src/search/text-plan.js';
import { foldCase } from '../../src/search/text-match.js';
import { buildSegment, mergeSegments, SegmentReader } from '../../src/storage/lmdb/text-segment.js';
import type { SearchKey } from '../../src/protocol/search-key.js';
import searchTextTask from '../../workers/search-text.js';
import { freshStore } from './fixture.js';

t.test('a segment keeps each gram’s UIDs; a merge concatenates them and drops the dead', async (t) => {
  const a = buildSegment({ firstUid: 1, lastUid: 4 }, [
    { uid: 1, grams: Uint32Array.from([7, 3]) },
    { uid: 2, grams: Uint32Array.from([3]) },
    { uid: 4, grams: null },
  ]);
  const b = buildSegment({ firstUid: 5, lastUid: 300 }, [
    { uid: 5, grams: Uint32Array.from([3, 9]) },
    { uid: 300, grams: Uint32Array.from([7, 0xffffffff]) },
  ]);
  const ra = new SegmentReader(a);
  t.same(ra.header, { firstUid: 1, lastUid: 4, docCount: 2, skippedCount: 1, gramCount: 2 });
  t.same([...ra.posting(ra.find(3))], [1, 2]);
  t.same([...ra.posting(ra.find(7))], [1]);
  t.equal(ra.find(9), -1);
  t.same([...ra.skipped()], [4], 'a message with too much text is kept as a candidate of every search');
  t.same([...ra.docs()], [1, 2]);
  const merged = new SegmentReader(mergeSegments([ra, new SegmentReader(b)], Uint32Array.from([2, 4, 5, 300])));
  t.same(merged.header, { firstUid: 1, lastUid: 300, docCount: 3, skippedCount: 1, gramCount: 4 });
  t.same([...merged.posting(merged.find(3))], [2, 5], 'expunged UID 1 is gone from the posting');
  t.same([...merged.posting(merged.find(7))], [300]);
  t.same([...merged.posting(merged.find(0xffffffff))], [300]);
  t.same([...merged.docs()], [2, 5, 300]);
});

// ---- random messages

const WORDS = [
  'Invoice',
  'meeting',
  'straße',
  'STRASSE',
  'café',
  'ΟΔΟΣ',
  'οδός',
  'Привет',
  'встреча',
  '会議の件',
  '東京都',
  '한국어',
  'ﬁnance',
  'ＡＢＣ',
  'naïve',
  'x@example.org',
  'zanzibarite',
];

const word = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.string({ minLength: 1, maxLength: 8 }).map((s) => s.replace(/[\r\n=?]/g, 'q')),
);
const text = fc.array(word, { minLength: 1, maxLength: 12 }).map((w) => w.join(' '));
const encoding = fc.constantFrom('8bit', 'quoted-printable', 'base64');
const subjectForm = fc.constantFrom('raw', 'B', 'Q');

interface Spec {
  subject: string;
  subjectForm: string;
  body: string;
  encoding: string;
  from: string;
}

function qp(s: string): string {
  // Every byte encoded, with a soft break every 20 characters: words split across lines.
  const hex = [...Buffer.from(s, 'utf8')].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return hex.replace(/(.{60})/g, '$1=\r\n');
}

function encodedWord(s: string, form: string): string {
  if (form === 'raw') return s;
  if (form === 'B') return `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
  return `=?UTF-8?Q?${[...Buffer.from(s, 'utf8')].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')}?=`;
}

function render(m: Spec): Buffer {
  const body =
    m.encoding === 'base64'
      ? Buffer.from(m.body, 'utf8')
          .toString('base64')
          .replace(/(.{76})/g, '$1\r\n')
      : m.encoding === 'quoted-printable'
        ? qp(m.body)
        : m.body;
  return Buffer.from(
    `From: ${m.from} <sender@example.org>\r\nTo: rcpt@example.net\r\nSubject: ${encodedWord(m.subject, m.subjectForm)}\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${m.encoding}\r\n\r\n${body}\r\n`,
    'utf8',
  );
}

const spec = fc.record({ subject: text, subjectForm, body: text, encoding, from: word });

/** A substring of some message's text (by code point), in a random case. */
const probe = (specs: Spec[]) =>
  fc.record({
    i: fc.nat(specs.length - 1),
    field: fc.constantFrom('body' as const, 'subject' as const, 'from' as const),
    start: fc.nat(),
    len: fc.integer({ min: 1, max: 12 }),
    upper: fc.boolean(),
    key: fc.constantFrom('BODY' as const, 'TEXT' as const, 'SUBJECT' as const, 'FROM' as const),
  });

t.test('property: the index’s answer equals the scan’s for any substring', async (t) => {
  const { store } = freshStore(t, { appendLimit: 16 * 1024 * 1024 });
  const account = await store.createAccount('u', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const pool = createPool({ threads: 1 });
  t.teardown(() => pool.close());
  const specs = fc.sample(spec, { numRuns: 300, seed: 18 });
  await store.append(
    inbox.id,
    specs.map((m) => ({ body: render(m), flags: [] })),
  );
  const indexer = new TextIndexer(store, pool);
  await indexer.indexMailbox(inbox.id);
  const uids = store.uids(inbox.id);
  const segments = store.textSegments(inbox.id);
  t.equal(segments.at(-1)?.lastUid, uids.at(-1), 'the index covers every message');
  // Messages stored after the index: their search takes the unindexed path in the same query.
  const late = fc.sample(spec, { numRuns: 20, seed: 19 });
  await store.append(
    inbox.id,
    late.map((m) => ({ body: render(m), flags: [] })),
  );
  const all = [...specs, ...late];
  const every = store.uids(inbox.id);
  const run = (key: SearchKey, candidates: Uint32Array): number[] => [
    ...searchTextTask({ storePath: store.path, mailboxId: inbox.id, key, uids: candidates }).uids,
  ];
  let narrowed = 0;
  let checks = 0;
  await fc.assert(
    fc.asyncProperty(
      probe(all).chain((p) => fc.constant(p)),
      async (p) => {
        const source = all[p.i]![p.field];
        const chars = [...source];
        const start = p.start % chars.length;
        let needle = chars.slice(start, start + p.len).join('');
        if (p.upper) needle = needle.toUpperCase();
        const key: SearchKey = { type: p.key, value: needle };
        const candidates = narrowByIndex(key, every, (g) => store.textLookup(inbox.id, g));
        const scan = run(key, every);
        const indexed = run(key, candidates);
        checks++;
        if (candidates.length < every.length) narrowed++;
        // Every match is a candidate, and verification leaves exactly the scan's answer.
        if (!scan.every((u) => candidates.includes(u))) return false;
        return JSON.stringify(indexed) === JSON.stringify(scan);
      },
    ),
    { numRuns: 400, seed: 20 },
  );
  t.ok(narrowed > checks / 2, `the index narrowed ${narrowed} of ${checks} searches`);
  // A few by hand: folding as i;unicode-casemap (ß/SS, final sigma, ligatures, full-width).
  for (const [needle, key] of [
    ['STRASSE', 'BODY'],
    ['strasse', 'BODY'],
    ['οδος', 'BODY'],
    ['finance', 'BODY'],
    ['abc', 'BODY'],
    ['会議', 'BODY'],
    ['京', 'SUBJECT'],
    ['SENDER@EXAMPLE', 'FROM'],
    ['rcpt@', 'TEXT'],
  ] as const) {
    const k: SearchKey = { type: key, value: needle };
    const candidates = narrowByIndex(k, every, (g) => store.textLookup(inbox.id, g));
    t.same(run(k, candidates), run(k, every), `${key} ${needle} (${candidates.length} candidates)`);
  }
  t.equal(foldCase('ΟΔΟΣ'), foldCase('ΟΔΟΣ'), 'folding is deterministic');
});

t.test('AND/OR/NOT narrow on candidate sets, never past the scan', async (t) => {
  const { store } = freshStore(t);
  const account = await store.createAccount('u', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const pool = createPool({ threads: 1 });
  t.teardown(() => pool.close());
  const bodies = ['alpha bravo', 'alpha charlie', 'bravo delta', 'echo'];
  await store.append(
    inbox.id,
    bodies.map((b) => ({ body: Buffer.from(`Subject: s\r\n\r\n${b}\r\n`), flags: [] })),
  );
  await new TextIndexer(store, pool).indexMailbox(inbox.id);
  const every = store.uids(inbox.id);
  const body = (value: string): SearchKey => ({ type: 'BODY', value });
  const cases: Array<[SearchKey, number[], number[]]> = [
    [{ type: 'AND', keys: [body('alpha'), body('bravo')] }, [1], [1]],
    [{ type: 'OR', left: body('charlie'), right: body('delta') }, [2, 3], [2, 3]],
    // NOT cannot be narrowed: every message is a candidate, verification decides.
    [{ type: 'NOT', key: body('alpha') }, [1, 2, 3, 4], [3, 4]],
    [{ type: 'AND', keys: [{ type: 'NOT', key: body('alpha') }, body('bravo')] }, [1, 3], [3]],
  ];
  for (const [key, wantCandidates, want] of cases) {
    const candidates = narrowByIndex(key, every, (g) => store.textLookup(inbox.id, g));
    t.same([...candidates], wantCandidates, `${JSON.stringify(key)}: candidates`);
    t.same([...searchTextTask({ storePath: store.path, mailboxId: inbox.id, key, uids: candidates }).uids], want, 'answer');
  }
});

t.test('expunged messages leave the index at the next merge; a wiped mailbox loses its index', async (t) => {
  const { store } = freshStore(t);
  const account = await store.createAccount('u', []);
  const box = await store.createMailbox(account.id, 'Box');
  const pool = createPool({ threads: 1 });
  t.teardown(() => pool.close());
  const indexer = new TextIndexer(store, pool);
  // Ten segments of one message each: the first eight are merged into one.
  for (let i = 1; i <= 10; i++) {
    await store.append(box.id, [{ body: Buffer.from(`Subject: m${i}\r\n\r\nword${i} common\r\n`), flags: [] }]);
    await indexer.indexMailbox(box.id);
  }
  t.same(
    store.textSegments(box.id).map((s) => [s.firstUid, s.lastUid, s.docCount]),
    [
      [1, 8, 8],
      [9, 9, 1],
      [10, 10, 1],
    ],
    'eight one-message segments merged into one',
  );
  await store.expunge(box.id, [1, 2, 3, 4, 5, 6]);
  await indexer.indexMailbox(box.id);
  t.same(
    store.textSegments(box.id).map((s) => [s.firstUid, s.lastUid, s.docCount]),
    [
      [1, 8, 2],
      [9, 9, 1],
      [10, 10, 1],
    ],
    'the mostly expunged segment is rewritten with its two live messages, still covering its range',
  );
  const every = store.uids(box.id);
  const common = narrowByIndex({ type: 'BODY', value: 'common' }, every, (g) => store.textLookup(box.id, g));
  t.same([...common], [7, 8, 9, 10]);
  await store.deleteMailbox(account.id, 'Box');
  t.same(store.textSegments(box.id), [], 'deleting the mailbox drops its index');
});

t.test('background indexing gives way to a stream of writes, at most for the longest wait', async (t) => {
  const { store } = freshStore(t);
  const account = await store.createAccount('u', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const pool = createPool({ threads: 1 });
  t.teardown(() => pool.close());
  const indexer = new TextIndexer(store, pool, undefined, { delayMs: 150, maxWaitMs: 1_500 });
  indexer.start();
  t.teardown(() => indexer.close());
  const covered = (): number => store.textSegments(inbox.id).at(-1)?.lastUid ?? 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // A write every 50 ms for 0.9 s: the indexer keeps waiting for a pause.
  for (let i = 0; i < 18; i++) {
    await store.append(inbox.id, [{ body: Buffer.from(`Subject: ${i}\r\n\r\nstream ${i}\r\n`), flags: [] }]);
    await sleep(50);
  }
  t.equal(covered(), 0, 'nothing indexed while the writes keep coming');
  await sleep(600);
  t.equal(covered(), 18, 'indexed right after the pause');
  // Writes that never pause: indexed anyway once the longest wait has passed.
  const until = Date.now() + 2_500;
  let n = 18;
  let seenDuring = 0;
  while (Date.now() < until) {
    await store.append(inbox.id, [{ body: Buffer.from(`Subject: ${n}\r\n\r\nstream ${n}\r\n`), flags: [] }]);
    n++;
    seenDuring = Math.max(seenDuring, covered());
    await sleep(40);
  }
  t.ok(seenDuring > 18, `indexed up to UID ${seenDuring} while the writes went on`);
  await indexer.idle();
  t.equal(covered(), n, 'idle() indexes everything at once');
});
