// Properties of the protocol layer: what the encoder writes, the parser reads back unchanged
// (astrings, mailbox names, sequence sets, flag lists); sequence-set resolution agrees with a
// naive expansion; and parseCommand throws nothing but ParseError on arbitrary input.

import t from 'tap';
import fc from 'fast-check';
import { parseCommand } from '../../src/protocol/parse/index.js';
import { ParseError } from '../../src/protocol/parse/errors.js';
import { ResponseBuilder } from '../../src/protocol/encode/writer.js';
import {
  contains,
  countRanges,
  formatSequenceSet,
  iterateRanges,
  normalizeRanges,
  parseSequenceSet,
  resolveSequenceSet,
  type SeqRange,
} from '../../src/protocol/sequence-set.js';
import type { ParsedCommand } from '../../src/protocol/args.js';
import { frame } from './frame.js';

const numRuns = Number(process.env['GANNET_FUZZ_RUNS'] ?? '') || 200;

/** Builds a command with the builder (so string forms are the encoder's choice) and parses it. */
function roundTrip(build: (b: ResponseBuilder) => void, utf8 = false): ParsedCommand {
  const b = new ResponseBuilder(utf8);
  build(b);
  return parseCommand(frame(b.toBuffer()), { utf8 });
}

const noNul = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0'));

t.test('property: astrings round trip through atom, quoted and literal forms', async () => {
  fc.assert(
    fc.property(noNul, noNul, (user, pass) => {
      const c = roundTrip((b) => b.raw('a1 LOGIN ').astring(user).sp().astring(pass));
      return c.name === 'LOGIN' && c.username === user && c.password === pass;
    }),
    { numRuns },
  );
});

t.test('property: mailbox names round trip through modified UTF-7 and UTF-8', async () => {
  const expected = (s: string): string => (s.toUpperCase() === 'INBOX' ? 'INBOX' : s);
  const name = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('INBOX', 'inbox', 'Inbox/x', 'a&b', '&-'));
  fc.assert(
    fc.property(name, name, (from, to) => {
      const c = roundTrip((b) => b.raw('a1 RENAME ').mailbox(from).sp().mailbox(to));
      return c.name === 'RENAME' && c.from === expected(from) && c.to === expected(to);
    }),
    { numRuns },
  );
  fc.assert(
    fc.property(noNul, (s) => {
      const c = roundTrip((b) => b.raw('a1 SELECT ').mailbox(s), true);
      return c.name === 'SELECT' && c.mailbox === expected(s);
    }),
    { numRuns },
  );
});

const bound = fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 1, max: 20 }), fc.constant('*' as const));
const seqRange = fc
  .tuple(bound, bound, fc.boolean())
  .map(([start, end, single]): SeqRange => (single ? { start, end: start } : { start, end }));
const seqSet = fc.array(seqRange, { minLength: 1, maxLength: 8 });

t.test('property: sequence sets round trip through format and parse', async (t) => {
  fc.assert(
    fc.property(seqSet, (set) => {
      t.strictSame(parseSequenceSet(formatSequenceSet(set)), set);
      const c = parseCommand(frame(`a1 UID FETCH ${formatSequenceSet(set)} UID`));
      t.strictSame(c.name === 'FETCH' && c.sequence, set);
    }),
    { numRuns },
  );
});

t.test('property: resolved ranges agree with a naive expansion', async () => {
  const small = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant('*' as const));
  const smallSet = fc.array(fc.record({ start: small, end: small }), { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(smallSet, fc.integer({ min: 0, max: 30 }), (set, max) => {
      const naive = new Set<number>();
      for (const { start, end } of set) {
        const a = start === '*' ? max : start;
        const b = end === '*' ? max : end;
        for (let n = Math.min(a, b); n <= Math.max(a, b); n++) if (n >= 1) naive.add(n);
      }
      const ranges = resolveSequenceSet(set, max);
      const listed = [...iterateRanges(ranges)];
      const sorted = [...naive].sort((x, y) => x - y);
      if (JSON.stringify(listed) !== JSON.stringify(sorted)) return false;
      if (countRanges(ranges) !== naive.size) return false;
      for (let n = 0; n <= 45; n++) if (contains(ranges, n) !== naive.has(n)) return false;
      // Normalised: sorted, disjoint, non-adjacent; normalising again changes nothing.
      for (let i = 1; i < ranges.length; i++) if (ranges[i]!.start <= ranges[i - 1]!.end + 1) return false;
      return JSON.stringify(normalizeRanges(ranges)) === JSON.stringify(ranges);
    }),
    { numRuns },
  );
});

const ATOM_CHARS = [...Array(0x7f - 0x21).keys()].map((i) => String.fromCharCode(0x21 + i)).filter((c) => !'(){%*"\\]'.includes(c));
const keyword = fc.string({ unit: fc.constantFrom(...ATOM_CHARS), minLength: 1, maxLength: 12 });
const flag = fc.oneof(fc.constantFrom('\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\X-Ext'), keyword);

t.test('property: flag lists round trip through STORE and APPEND', async () => {
  fc.assert(
    fc.property(fc.array(flag, { maxLength: 8 }), fc.constantFrom('', '+', '-'), (flags, sign) => {
      const c = roundTrip((b) => b.raw(`a1 STORE 1:* ${sign}FLAGS `).flags(flags));
      const a = roundTrip((b) => b.raw('a2 APPEND INBOX ').flags(flags).raw(' {1}\r\nx'));
      return (
        c.name === 'STORE' &&
        JSON.stringify(c.flags) === JSON.stringify(flags) &&
        a.name === 'APPEND' &&
        JSON.stringify(a.flags) === JSON.stringify(flags)
      );
    }),
    { numRuns },
  );
});

t.test('property: system flags are normalised in any case', async () => {
  const sys = fc.constantFrom('\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft');
  fc.assert(
    fc.property(sys, fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), (f, ups) => {
      const mixed = [...f].map((c, i) => (ups[i] ? c.toUpperCase() : c.toLowerCase())).join('');
      const c = parseCommand(frame(`a1 STORE 1 FLAGS ${mixed}`));
      return c.name === 'STORE' && c.flags[0] === f;
    }),
    { numRuns },
  );
});

/** Runs parseCommand and fails the property if it throws anything but ParseError. */
function onlyParseErrors(raw: { lines: string[]; literals: Buffer[] }): boolean {
  try {
    parseCommand(raw);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return e.tag === null || typeof e.tag === 'string';
  }
  return true;
}

t.test('property: arbitrary requests only ever throw ParseError', async () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 3 }),
      (lines, lits) => onlyParseErrors({ lines, literals: lits.map((u) => Buffer.from(u)) }),
    ),
    { numRuns },
  );
});

t.test('property: grammar-shaped noise only ever throws ParseError', async () => {
  const names = [
    'LOGIN',
    'AUTHENTICATE',
    'ID',
    'ENABLE',
    'SELECT',
    'LIST',
    'STATUS',
    'APPEND',
    'SEARCH',
    'FETCH',
    'STORE',
    'COPY',
    'UID FETCH',
    'UID SEARCH',
    'UID STORE',
    'UID EXPUNGE',
    'RENAME',
    'NOOP',
    'FOO',
  ];
  const unit = fc.constantFrom(
    ...'()[]<>{}" \\*%:,.0123456789+-~&=ABCDEFHILNOPRSTUXYZ$'.split(''),
    'NIL',
    'BODY',
    'PEEK',
    'HEADER.FIELDS',
    'MIME',
    'TEXT',
    'NOT',
    'OR',
    'UID',
    'FLAGS',
    'RETURN',
    'CHARSET',
    'é',
  );
  const tail = fc.option(fc.uint8Array({ maxLength: 6 }), { nil: undefined });
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.string({ unit, maxLength: 30 }), tail, (name, args, lit) => {
      const line = `a1 ${name} ${args}`;
      if (lit === undefined) return onlyParseErrors({ lines: [line], literals: [] });
      return onlyParseErrors({ lines: [`${line}{${lit.length}}`, ''], literals: [Buffer.from(lit)] });
    }),
    { numRuns: numRuns * 5 },
  );
});
