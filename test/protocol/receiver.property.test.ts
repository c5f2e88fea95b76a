// Properties of the incremental framer: (a) how input is cut into chunks never changes what
// is framed; (b) arbitrary bytes in arbitrary chunks never make it throw, and never make it
// hold more than one line's worth plus the chunk just pushed; (c) a line of exactly
// maxLineBytes passes and one byte more fails, wherever the chunk boundaries fall.
// GANNET_FUZZ_RUNS raises the number of runs; fast-check prints the seed of a failure.

import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { Receiver, type ReceiverLimits, type ReceiverOutput } from '../../src/protocol/receiver.js';
import { feedChunks, results, type LiteralPolicy, type PlainOutput } from '../helpers/receiver-driver.js';

const numRuns = Number(process.env['GANNET_FUZZ_RUNS'] ?? '') || 200;

// ---- generators -------------------------------------------------------------------------

/** Line text: no CR or LF, and no braces, so a line ends in a literal marker only on purpose. */
const text = (maxLength: number) => fc.string({ unit: fc.constantFrom(...'abcXYZ019 ()"\\*+%-.:é'.split('')), maxLength });

interface GenLiteral {
  data: Uint8Array;
  plus: boolean;
  after: string;
}
interface GenRequest {
  first: string;
  literals: GenLiteral[];
  bareLf: boolean;
}

const literal: fc.Arbitrary<GenLiteral> = fc.record({
  data: fc.uint8Array({ maxLength: 40 }),
  plus: fc.boolean(),
  after: text(12),
});

const request: fc.Arbitrary<GenRequest> = fc.record({
  first: text(20).map((s) => `t ${s}`),
  literals: fc.array(literal, { maxLength: 3 }),
  bareLf: fc.boolean(),
});

/** Wire bytes of a request and what the receiver should frame from them. */
function serialise(r: GenRequest): { wire: Buffer; expected: PlainOutput } {
  const eol = r.bareLf ? '\n' : '\r\n';
  const parts: Buffer[] = [];
  const lines: string[] = [];
  let line = r.first;
  for (const lit of r.literals) {
    line += `{${lit.data.length}${lit.plus ? '+' : ''}}`;
    lines.push(line);
    parts.push(Buffer.from(line + eol, 'utf8'), Buffer.from(lit.data));
    line = lit.after;
  }
  lines.push(line);
  parts.push(Buffer.from(line + eol, 'utf8'));
  const literals = r.literals.map((l) => Buffer.from(l.data).toString('latin1'));
  return { wire: Buffer.concat(parts), expected: { kind: 'request', lines, literals } };
}

const BIG: ReceiverLimits = { maxLineBytes: 1000, maxRequestBytes: 100_000, maxLiterals: 10 };

// ---- (a) chunking does not matter ----------------------------------------------------------

t.test('property: chunking never changes the framed requests', async (t) => {
  const scenario = fc.array(request, { minLength: 1, maxLength: 6 }).chain((reqs) => {
    const total = reqs.reduce((n, r) => n + serialise(r).wire.length, 0);
    return fc.tuple(fc.constant(reqs), fc.array(fc.integer({ min: 0, max: total }), { maxLength: 30 }));
  });
  fc.assert(
    fc.property(scenario, ([reqs, cuts]) => {
      const serialised = reqs.map(serialise);
      const wire = Buffer.concat(serialised.map((s) => s.wire));
      const whole = new Receiver(BIG);
      const wholeOut = feedChunks(whole, wire, []);
      const chunked = new Receiver(BIG);
      const chunkedOut = feedChunks(chunked, wire, cuts);
      return (
        isDeepStrictEqual(chunkedOut, wholeOut) &&
        isDeepStrictEqual(
          results(wholeOut),
          serialised.map((s) => s.expected),
        ) &&
        chunked.buffered === 0
      );
    }),
    { numRuns },
  );
  t.pass('no counterexample');
});

t.test('property: one byte at a time gives the same result as the whole', async (t) => {
  fc.assert(
    fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), (reqs) => {
      const serialised = reqs.map(serialise);
      const wire = Buffer.concat(serialised.map((s) => s.wire));
      const cuts = Array.from({ length: wire.length }, (_, i) => i);
      const out = results(feedChunks(new Receiver(BIG), wire, cuts));
      return isDeepStrictEqual(
        out,
        serialised.map((s) => s.expected),
      );
    }),
    { numRuns: Math.max(20, Math.floor(numRuns / 4)) },
  );
  t.pass('no counterexample');
});

// ---- (b) robustness on arbitrary bytes --------------------------------------------------

const REASONS = new Set(['line-too-long', 'request-too-large', 'too-many-literals', 'literal-rejected']);

/** Bytes biased toward what the framer looks at. */
const interestingByte = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...Buffer.from('{}+\r\n0123456789 a')) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

t.test('property: chunking does not change errors either (arbitrary bytes)', async (t) => {
  const limits: ReceiverLimits = { maxLineBytes: 24, maxRequestBytes: 80, maxLiterals: 3 };
  // A decision that depends only on the announcement, as the connection's does.
  const policy: LiteralPolicy = (a) => (a.size <= 12 && a.size % 3 !== 0 ? 'accept' : 'reject');
  const scenario = fc
    .array(interestingByte, { maxLength: 300 })
    .chain((bytes) => fc.tuple(fc.constant(bytes), fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 })));
  fc.assert(
    fc.property(scenario, ([bytes, cuts]) => {
      const wire = Buffer.from(bytes);
      const whole = feedChunks(new Receiver(limits), wire, [], policy);
      const chunked = feedChunks(new Receiver(limits), wire, cuts, policy);
      return isDeepStrictEqual(chunked, whole);
    }),
    { numRuns },
  );
  t.pass('no counterexample');
});

t.test('property: arbitrary bytes never throw and never overfill the buffer', async (t) => {
  const limits: ReceiverLimits = { maxLineBytes: 24, maxRequestBytes: 80, maxLiterals: 3 };
  const scenario = fc.record({
    chunks: fc.array(fc.array(interestingByte, { minLength: 1, maxLength: 60 }), { maxLength: 25 }),
    decisions: fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
    lineMode: fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
  });
  fc.assert(
    fc.property(scenario, ({ chunks, decisions, lineMode }) => {
      const r = new Receiver(limits);
      let d = 0;
      let m = 0;
      // Line mode is only allowed between requests: at the start and after a request, a
      // line or an error.
      let betweenRequests = true;
      const check = (out: ReceiverOutput): boolean => {
        switch (out.kind) {
          case 'error':
            return REASONS.has(out.reason) && typeof out.firstLine === 'string';
          case 'literal':
            return Number.isFinite(out.size) && out.size >= 0 && out.index >= 0 && out.index < limits.maxLiterals;
          case 'request':
            return (
              out.request.lines.length === out.request.literals.length + 1 &&
              out.request.lines.every((l) => Buffer.byteLength(l) <= limits.maxLineBytes * 3)
            );
          case 'line':
            return !out.line.includes('\n');
        }
      };
      let largest = 0;
      for (const bytes of chunks) {
        const chunk = Buffer.from(bytes);
        largest = Math.max(largest, chunk.length);
        r.push(chunk);
        if (r.buffered > limits.maxLineBytes + 1 + largest) return false;
        for (;;) {
          const useLine: boolean = betweenRequests && lineMode[m++ % lineMode.length]!;
          const out: ReceiverOutput | null = useLine ? r.nextLine() : r.next();
          if (out === null) break;
          if (!check(out)) return false;
          betweenRequests = out.kind !== 'literal';
          if (out.kind === 'literal') {
            // Accept small literals only, as the connection does.
            if (out.size <= 100 && decisions[d++ % decisions.length]!) {
              r.acceptLiteral();
            } else {
              const immediate = r.rejectLiteral();
              if (immediate) {
                if (immediate.reason !== 'literal-rejected' || !out.sync) return false;
                betweenRequests = true;
              } else if (out.sync) {
                return false; // a refused sync literal must be reported at once
              }
            }
          }
        }
        if (r.buffered > limits.maxLineBytes + 1) return false;
      }
      return true;
    }),
    { numRuns },
  );
  t.pass('no counterexample');
});

// ---- (c) the line limit is exact across chunk boundaries ------------------------------------

t.test('property: a line of exactly maxLineBytes passes, one byte more fails', async (t) => {
  const scenario = fc
    .record({
      max: fc.integer({ min: 1, max: 80 }),
      over: fc.boolean(),
      bareLf: fc.boolean(),
      byte: fc.constantFrom(...Buffer.from('ax {}+9')),
    })
    .chain((s) => fc.tuple(fc.constant(s), fc.array(fc.integer({ min: 0, max: s.max + 20 }), { maxLength: 8 })));
  fc.assert(
    fc.property(scenario, ([{ max, over, bareLf, byte }, cuts]) => {
      const body = Buffer.alloc(max + (over ? 1 : 0), byte);
      // A body ending in `}` may form a literal marker, which is fine for the limit but
      // changes what follows; keep the last byte plain.
      body[body.length - 1] = 0x61;
      const wire = Buffer.concat([body, Buffer.from(bareLf ? '\n' : '\r\n'), Buffer.from('z NOOP\r\n')]);
      const r = new Receiver({ maxLineBytes: max, maxRequestBytes: 10 * max + 100, maxLiterals: 4 });
      const out = results(feedChunks(r, wire, cuts));
      const expectedFirst: PlainOutput = over
        ? { kind: 'error', firstLine: body.subarray(0, Math.min(max, 200)).toString('utf8'), reason: 'line-too-long' }
        : { kind: 'request', lines: [body.toString('utf8')], literals: [] };
      const noop: PlainOutput =
        max >= 6
          ? { kind: 'request', lines: ['z NOOP'], literals: [] }
          : { kind: 'error', firstLine: 'z NOOP'.slice(0, max), reason: 'line-too-long' };
      return isDeepStrictEqual(out, [expectedFirst, noop]);
    }),
    { numRuns },
  );
  t.pass('no counterexample');
});
