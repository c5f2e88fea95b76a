// The syntax CONDSTORE and QRESYNC (RFC 7162 §7), OBJECTID (RFC 8474 §7) and SAVEDATE (RFC 8514
// §6) add, parsed into exact typed values, and the malformed forms answered BAD with a reason.

import t from 'tap';
import { parseCommand } from '../../src/protocol/parse/index.js';
import { ParseError } from '../../src/protocol/parse/errors.js';
import type { ParsedCommand, SearchKey } from '../../src/protocol/args.js';
import { frame } from './frame.js';

const p = (wire: string): ParsedCommand => parseCommand(frame(wire));

function bad(wire: string): string {
  try {
    parseCommand(frame(wire));
  } catch (e) {
    if (e instanceof ParseError) return e.text;
    throw e;
  }
  throw new Error(`parsed without error: ${wire}`);
}

function criteria(wire: string): SearchKey {
  const c = p(`s SEARCH ${wire}`);
  if (c.name !== 'SEARCH') throw new Error('not SEARCH');
  return c.criteria;
}

t.test('SELECT and EXAMINE parameters (RFC 7162 §3.1.8, §3.2.5)', async (t) => {
  t.strictSame(p('A142 SELECT INBOX (CONDSTORE)'), { tag: 'A142', name: 'SELECT', mailbox: 'INBOX', condstore: true, qresync: null });
  t.strictSame(p('A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))'), {
    tag: 'A02',
    name: 'SELECT',
    mailbox: 'INBOX',
    condstore: false,
    qresync: {
      uidValidity: 67890007,
      modseq: 20050715194045000,
      knownUids: [
        { start: 41, end: 41 },
        { start: 43, end: 211 },
        { start: 214, end: 541 },
      ],
      seqMatch: null,
    },
  });
  const withMatch = p(
    'B04 EXAMINE INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))',
  );
  t.equal(withMatch.name, 'EXAMINE');
  if (withMatch.name !== 'EXAMINE') return;
  t.strictSame(withMatch.qresync?.seqMatch?.seqs, [
    { start: 5000, end: 5000 },
    { start: 7500, end: 7500 },
    { start: 9000, end: 9000 },
    { start: 9990, end: 9999 },
  ]);
  t.equal(withMatch.qresync?.seqMatch?.uids.length, 13);
  t.strictSame(p('x SELECT INBOX (QRESYNC (5 9) CONDSTORE)'), {
    tag: 'x',
    name: 'SELECT',
    mailbox: 'INBOX',
    condstore: true,
    qresync: { uidValidity: 5, modseq: 9, knownUids: null, seqMatch: null },
  });
  t.equal(bad('x SELECT INBOX (QRESYNC (0 9))'), 'Expected uidvalidity', 'UIDVALIDITY is nz-number');
  t.equal(bad('x SELECT INBOX (QRESYNC (5 0))'), 'Expected mod-sequence', 'the modseq is mod-sequence-value, not 0');
  t.equal(bad('x SELECT INBOX (QRESYNC (5 9223372036854775808))'), 'Mod-sequence out of range', 'at most 2^63-1');
  t.equal(bad('x SELECT INBOX (CONDSTORE CONDSTORE)'), 'Unknown or repeated select parameter');
  t.equal(bad('x SELECT INBOX (FOO)'), 'Unknown or repeated select parameter');
  t.equal(bad('x SELECT INBOX ()'), 'Unknown or repeated select parameter');
});

t.test('FETCH modifiers and items (RFC 7162 §3.1.4, §3.2.6; RFC 8474 §5; RFC 8514 §4)', async (t) => {
  t.strictSame(p('s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)'), {
    tag: 's100',
    name: 'FETCH',
    uid: true,
    sequence: [{ start: 1, end: '*' }],
    items: [{ type: 'FLAGS' }],
    changedSince: 12345,
    vanished: true,
  });
  t.strictSame(p('a FETCH 1:3 (MODSEQ EMAILID THREADID SAVEDATE)'), {
    tag: 'a',
    name: 'FETCH',
    uid: false,
    sequence: [{ start: 1, end: 3 }],
    items: [{ type: 'MODSEQ' }, { type: 'EMAILID' }, { type: 'THREADID' }, { type: 'SAVEDATE' }],
    changedSince: null,
    vanished: false,
  });
  const c = p('a FETCH 1 FLAGS (CHANGEDSINCE 0)');
  t.equal(c.name === 'FETCH' && c.changedSince, 0, 'CHANGEDSINCE 0: every change');
  t.equal(bad('a FETCH 1 FLAGS (VANISHED CHANGEDSINCE 5)'), 'VANISHED is only valid in UID FETCH');
  t.equal(bad('a UID FETCH 1 FLAGS (VANISHED)'), 'VANISHED needs CHANGEDSINCE');
  t.equal(bad('a UID FETCH 1 FLAGS (CHANGEDSINCE)'), 'Expected SP');
  t.equal(bad('a UID FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)'), 'Unknown or repeated fetch modifier CHANGEDSINCE');
  t.equal(bad('a UID FETCH 1 FLAGS (FOO)'), 'Unknown or repeated fetch modifier FOO');
});

t.test('STORE UNCHANGEDSINCE (RFC 7162 §3.1.3)', async (t) => {
  t.strictSame(p('a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)'), {
    tag: 'a103',
    name: 'STORE',
    uid: true,
    sequence: [
      { start: 6, end: 6 },
      { start: 4, end: 4 },
      { start: 8, end: 8 },
    ],
    unchangedSince: 12121230045,
    mode: 'add',
    silent: true,
    flags: ['\\Deleted'],
  });
  const zero = p('a STORE 1 (UNCHANGEDSINCE 0) FLAGS (x)');
  t.equal(zero.name === 'STORE' && zero.unchangedSince, 0, 'mod-sequence-valzer allows 0');
  t.equal(bad('a STORE 1 (UNCHANGED 5) FLAGS (x)'), 'Unknown store modifier');
  t.equal(bad('a STORE 1 +FLAGS (x) (UNCHANGEDSINCE 5)'), 'Unexpected extra arguments', 'the modifier goes before the flags');
});

t.test('SEARCH MODSEQ, EMAILID, THREADID and the SAVED keys', async (t) => {
  t.strictSame(criteria('MODSEQ "/flags/\\\\draft" all 620162338'), { type: 'MODSEQ', modseq: 620162338 }, 'the entry is ignored');
  t.strictSame(criteria('MODSEQ 0'), { type: 'MODSEQ', modseq: 0 });
  t.strictSame(criteria('OR NOT MODSEQ 720162338 LARGER 50000'), {
    type: 'OR',
    left: { type: 'NOT', key: { type: 'MODSEQ', modseq: 720162338 } },
    right: { type: 'LARGER', size: 50000 },
  });
  t.strictSame(criteria('EMAILID M6d99ac3275bb4e'), { type: 'EMAILID', objectId: 'M6d99ac3275bb4e' });
  t.strictSame(criteria('THREADID T64b478a75b7ea9'), { type: 'THREADID', objectId: 'T64b478a75b7ea9' });
  t.strictSame(criteria('SAVEDSINCE 1-Feb-2024'), { type: 'SAVEDSINCE', date: { year: 2024, month: 2, day: 1 } });
  t.strictSame(criteria('SAVEDATESUPPORTED'), { type: 'SAVEDATESUPPORTED' });
  t.equal(bad('s SEARCH MODSEQ "/other/x" all 5'), 'Entry name must start with /flags/');
  t.equal(bad('s SEARCH MODSEQ "/flags/x" none 5'), 'Entry type must be priv, shared or all');
  t.equal(bad('s SEARCH EMAILID a.b'), 'Invalid object id');
});

t.test('STATUS HIGHESTMODSEQ and MAILBOXID', async (t) => {
  t.strictSame(p('A042 STATUS blurdybloop (UIDNEXT MESSAGES HIGHESTMODSEQ MAILBOXID)'), {
    tag: 'A042',
    name: 'STATUS',
    mailbox: 'blurdybloop',
    items: ['UIDNEXT', 'MESSAGES', 'HIGHESTMODSEQ', 'MAILBOXID'],
  });
});
