// The incremental framer (RFC 9051 §2.2.1 lines, §4.3 literals; RFC 7888 LITERAL+): exact
// framing results for lines with CRLF or a bare LF, synchronising and non-synchronising
// literals (accepted, or refused with their bytes thrown away), the size limits (the line
// length, the whole request, the number of literals) with memory kept bounded, line mode,
// and reset.

import t from 'tap';
import { Receiver, type ReceiverLimits, type ReceiverOutput } from '../../src/protocol/receiver.js';
import { drain, plain, rejectAll, results, type LiteralPolicy, type PlainOutput } from '../helpers/receiver-driver.js';

const LIMITS: ReceiverLimits = { maxLineBytes: 32, maxRequestBytes: 100, maxLiterals: 2 };

function receiver(limits: Partial<ReceiverLimits> = {}): Receiver {
  return new Receiver({ ...LIMITS, ...limits });
}

/** Pushes text (latin1, so every char is one byte) and drains. */
function feed(r: Receiver, text: string, policy?: LiteralPolicy): PlainOutput[] {
  r.push(Buffer.from(text, 'latin1'));
  return drain(r, policy);
}

const req = (lines: string[], literals: string[] = []): PlainOutput => ({ kind: 'request', lines, literals });

t.test('RFC 9051 §2.2.1 lines: CRLF, bare LF, partial input, pipelining', async (t) => {
  const r = receiver();
  t.same(feed(r, 'a1 NOOP\r\n'), [req(['a1 NOOP'])], 'CRLF line');
  t.same(feed(r, 'a2 NOOP\n'), [req(['a2 NOOP'])], 'a bare LF ends a line too');
  t.same(feed(r, '\r\n'), [req([''])], 'an empty line is an (empty) request');
  t.same(feed(r, 'a3 X a\rb\r\n'), [req(['a3 X a\rb'])], 'a lone CR inside a line is kept');
  t.same(feed(r, 'a4 NO'), [], 'no line end yet');
  t.equal(r.buffered, 5);
  t.same(feed(r, 'OP\r'), [], 'a CR alone does not end the line');
  t.same(feed(r, '\n'), [req(['a4 NOOP'])]);
  t.equal(r.buffered, 0);

  // Pulled one at a time: pipelined requests wait in the receiver until asked for.
  r.push(Buffer.from('b1 NOOP\r\nb2 CAPABILITY\r\nb3 LOG'));
  t.same(plain(r.next()!), req(['b1 NOOP']));
  t.equal(r.buffered, 'b2 CAPABILITY\r\nb3 LOG'.length, 'the rest stays buffered');
  t.same(plain(r.next()!), req(['b2 CAPABILITY']));
  t.equal(r.next(), null);
  t.same(feed(r, 'OUT\r\n'), [req(['b3 LOGOUT'])]);
});

t.test('UTF-8 lines are decoded; limits count bytes, not characters', async (t) => {
  const r = receiver();
  const sixteen = 'é'.repeat(16); // 32 bytes, the limit
  t.same(feed(r, `${sixteen}\r\n`.replace(/é/g, '\xc3\xa9')), [req([sixteen])]);
  t.same(feed(r, `${sixteen}é\r\n`.replace(/é/g, '\xc3\xa9')), [{ kind: 'error', firstLine: sixteen, reason: 'line-too-long' }]);
  // 34 + 29 + 29 + 26 = 118 bytes > maxRequestBytes (100), though only 66 characters.
  const r2 = receiver({ maxLiterals: 10, maxLineBytes: 64 });
  const wide = 'é'.repeat(13); // 26 bytes
  const line = (s: string) => s.replace(/é/g, '\xc3\xa9');
  const outs = feed(r2, line(`a1 X ${wide}{0}\r\n${wide}{0}\r\n${wide}{0}\r\n${wide}\r\na2 NOOP\r\n`));
  t.same(results(outs), [{ kind: 'error', firstLine: `a1 X ${wide}{0}`, reason: 'request-too-large' }, req(['a2 NOOP'])]);
});

t.test('RFC 9051 §4.3 synchronising literal, accepted', async (t) => {
  const r = receiver();
  t.same(
    feed(r, 'a1 LOGIN {5}\r\n', () => 'accept'),
    [{ kind: 'literal', firstLine: 'a1 LOGIN {5}', index: 0, size: 5, sync: true }],
  );
  t.equal(r.inLiteral, true, 'reading the literal');
  t.same(feed(r, 'ali'), []);
  t.same(feed(r, 'ce {6}\r\n'), [{ kind: 'literal', firstLine: 'a1 LOGIN {5}', index: 1, size: 6, sync: true }]);
  t.same(feed(r, 'secret\r\n'), [req(['a1 LOGIN {5}', ' {6}', ''], ['alice', 'secret'])]);
  t.equal(r.inLiteral, false);
  t.equal(r.buffered, 0);
});

t.test('the owner decides before the literal is read', async (t) => {
  const r = receiver();
  r.push(Buffer.from('a1 LOGIN {5}\r\nalice bob\r\n'));
  t.same(plain(r.next()!), { kind: 'literal', firstLine: 'a1 LOGIN {5}', index: 0, size: 5, sync: true });
  t.equal(r.next(), null, 'nothing more until the literal is accepted or rejected');
  t.equal(r.next(), null);
  t.throws(() => r.nextLine(), /middle of a request/);
  r.acceptLiteral();
  t.same(plain(r.next()!), req(['a1 LOGIN {5}', ' bob'], ['alice']));
  t.throws(() => r.acceptLiteral(), /without a pending literal/);
  t.throws(() => r.rejectLiteral(), /without a pending literal/);
});

t.test('RFC 9051 §2.2.1 example from raw-request.ts: sync and LITERAL+ mixed', async (t) => {
  const r = receiver();
  const outs = feed(r, 'a1 LOGIN {5}\r\nalice {6+}\r\nsecret\r\n');
  t.same(outs, [
    { kind: 'literal', firstLine: 'a1 LOGIN {5}', index: 0, size: 5, sync: true },
    { kind: 'literal', firstLine: 'a1 LOGIN {5}', index: 1, size: 6, sync: false },
    req(['a1 LOGIN {5}', ' {6+}', ''], ['alice', 'secret']),
  ]);
});

t.test('literal bytes are data: CRLF, `{5}` and command text inside one are not framed', async (t) => {
  const r = receiver();
  const data = '{5}\r\nb1 LOGOUT\r\n{3+}\n';
  const outs = feed(r, `a1 APPEND INBOX {${data.length}+}\r\n${data} x\r\na2 NOOP\r\n`);
  t.same(results(outs), [req([`a1 APPEND INBOX {${data.length}+}`, ' x'], [data]), req(['a2 NOOP'])]);
  // A zero-length literal, and a marker that is not at the end of the line.
  t.same(results(feed(r, 'a3 X {0}\r\n {5} y\r\n')), [req(['a3 X {0}', ' {5} y'], [''])]);
  // Binary literal bytes survive untouched.
  const bin = Buffer.from([0, 13, 10, 255, 123, 125]);
  r.push(Buffer.concat([Buffer.from('a4 X {6+}\r\n'), bin, Buffer.from('\r\n')]));
  const o = r.next()!;
  t.equal(o.kind, 'literal');
  r.acceptLiteral();
  const done = r.next();
  t.ok(done?.kind === 'request' && done.request.literals[0]!.equals(bin));
});

t.test('a refused synchronising literal ends the request at once', async (t) => {
  const r = receiver();
  const outs = feed(r, 'a1 LOGIN {100000}\r\n', rejectAll);
  t.same(outs, [
    { kind: 'literal', firstLine: 'a1 LOGIN {100000}', index: 0, size: 100000, sync: true },
    { kind: 'error', firstLine: 'a1 LOGIN {100000}', reason: 'literal-rejected', size: 100000 },
  ]);
  t.equal(r.inLiteral, false);
  // The client never got `+`, so what it sends next is a new command.
  t.same(feed(r, 'a2 NOOP\r\n'), [req(['a2 NOOP'])]);
});

t.test('RFC 7888 §4: a refused LITERAL+ literal is read and thrown away, then reported', async (t) => {
  const r = receiver();
  r.push(Buffer.from('a1 LOGIN {9+}\r\n'));
  t.same(plain(r.next()!), { kind: 'literal', firstLine: 'a1 LOGIN {9+}', index: 0, size: 9, sync: false });
  t.equal(r.rejectLiteral(), null, 'no error yet: the bytes are on their way');
  t.equal(r.inLiteral, true);
  t.same(feed(r, 'a2 NOO'), [], 'literal bytes that look like a command are discarded');
  t.equal(r.buffered, 0, 'discarded bytes are not kept');
  t.same(feed(r, 'P\r\n x'), [], 'the rest of the line is skipped too');
  t.equal(r.inLiteral, false);
  t.same(feed(r, ' y\r\na3 NOOP\r\n'), [
    { kind: 'error', firstLine: 'a1 LOGIN {9+}', reason: 'literal-rejected', size: 9 },
    req(['a3 NOOP']),
  ]);
});

t.test('a refused literal in a later line keeps the first line for the tag', async (t) => {
  const r = receiver();
  const policy: LiteralPolicy = (a) => (a.index === 0 ? 'accept' : 'reject');
  const outs = feed(r, 'a1 LOGIN {5+}\r\nalice {4+}\r\nabcd\r\na2 NOOP\r\n', policy);
  t.same(results(outs), [{ kind: 'error', firstLine: 'a1 LOGIN {5+}', reason: 'literal-rejected', size: 4 }, req(['a2 NOOP'])]);
});

t.test('LITERAL+ literals announced after a refused one are skipped too, never run as commands', async (t) => {
  const r = receiver();
  const outs = feed(r, 'a1 LOGIN {3+}\r\nabc {11+}\r\nb1 LOGOUT\r\n\r\na2 NOOP\r\n', rejectAll);
  t.same(results(outs), [{ kind: 'error', firstLine: 'a1 LOGIN {3+}', reason: 'literal-rejected', size: 3 }, req(['a2 NOOP'])]);
});

t.test('multiple literals, up to maxLiterals; one more is too-many-literals', async (t) => {
  const r = receiver();
  t.same(results(feed(r, 'a1 X {1}\r\na {1}\r\nb\r\n')), [req(['a1 X {1}', ' {1}', ''], ['a', 'b'])]);
  const outs = feed(r, 'a2 X {1}\r\na {1}\r\nb {1}\r\nc\r\na3 NOOP\r\n');
  t.same(results(outs), [
    { kind: 'error', firstLine: 'a2 X {1}', reason: 'too-many-literals' },
    // The third literal was never accepted (no `+`), so `c` is the next line.
    req(['c']),
    req(['a3 NOOP']),
  ]);
  // With LITERAL+ the third literal's bytes are on their way: they are discarded, not run.
  const r2 = receiver();
  const outs2 = feed(r2, 'a4 X {1+}\r\na {1+}\r\nb {11+}\r\nb1 LOGOUT\r\n\r\na5 NOOP\r\n');
  t.same(results(outs2), [{ kind: 'error', firstLine: 'a4 X {1+}', reason: 'too-many-literals' }, req(['a5 NOOP'])]);
});

t.test('request-too-large: lines of one request add up', async (t) => {
  const limits = { maxLiterals: 10, maxLineBytes: 40 };
  const r = receiver(limits);
  const part = 'x'.repeat(27); // 27 + `{0}` = 30 bytes per line; the first line has 33
  const outs = feed(r, `a1 ${part}{0}\r\n${part}{0}\r\n${part}{0}\r\n${part}{0}\r\nz\r\na2 NOOP\r\n`);
  t.same(results(outs), [
    { kind: 'error', firstLine: `a1 ${part}{0}`, reason: 'request-too-large' },
    // The request ended at the error; its last literal was never accepted (no `+`), so
    // what follows is read afresh.
    req(['z']),
    req(['a2 NOOP']),
  ]);
  // Exactly at the limit passes: 33 + 30 + 30 + 7 = 100.
  const r2 = receiver(limits);
  const outs2 = feed(r2, `a1 ${part}{0}\r\n${part}{0}\r\n${part}{0}\r\n${'y'.repeat(7)}\r\n`);
  t.same(results(outs2), [req([`a1 ${part}{0}`, `${part}{0}`, `${part}{0}`, 'y'.repeat(7)], ['', '', ''])]);
  // One byte more fails.
  const r4 = receiver(limits);
  const outs4 = feed(r4, `a1 ${part}{0}\r\n${part}{0}\r\n${part}{0}\r\n${'y'.repeat(8)}\r\n`);
  t.same(results(outs4), [{ kind: 'error', firstLine: `a1 ${part}{0}`, reason: 'request-too-large' }]);
  // A LITERAL+ literal announced by the line over the limit is discarded, not run.
  const r3 = receiver(limits);
  const outs3 = feed(r3, `a1 ${part}{0}\r\n${part}{0}\r\n${part}{0}\r\n${part}{11+}\r\nb1 LOGOUT\r\n\r\na2 NOOP\r\n`);
  t.same(results(outs3), [{ kind: 'error', firstLine: `a1 ${part}{0}`, reason: 'request-too-large' }, req(['a2 NOOP'])]);
});

t.test('line-too-long: a line at the limit passes, one byte more fails', async (t) => {
  const r = receiver();
  const max = 'm'.repeat(32);
  t.same(feed(r, `${max}\r\n`), [req([max])], 'CRLF is not counted');
  t.same(feed(r, `${max}\n`), [req([max])]);
  t.same(feed(r, `a1 ${max}\r\na2 NOOP\r\n`), [
    { kind: 'error', firstLine: `a1 ${'m'.repeat(29)}`, reason: 'line-too-long' },
    req(['a2 NOOP']),
  ]);
  // A line of max bytes plus its CR, its LF still to come, is not yet too long.
  t.same(feed(r, `${max}\r`), []);
  t.equal(r.buffered, 33);
  t.same(feed(r, '\n'), [req([max])]);
});

t.test('line-too-long: reported once the line ends, memory stays bounded', async (t) => {
  const r = receiver();
  const chunk = 'a1 ' + 'x'.repeat(17); // 20 bytes a chunk
  const outs: PlainOutput[] = [];
  for (let i = 0; i < 50; i++) {
    outs.push(...feed(r, i === 0 ? chunk : 'y'.repeat(20)));
    t.ok(r.buffered <= LIMITS.maxLineBytes + 20, `buffered ${r.buffered} after chunk ${i}`);
  }
  t.same(outs, [], 'no error before the line ends');
  t.equal(r.buffered, 0, 'skipped bytes are dropped as they come');
  t.same(feed(r, 'zz\r\na2 NOOP\r\n'), [
    { kind: 'error', firstLine: `a1 ${'x'.repeat(17)}yyyyyyyyyyyy`, reason: 'line-too-long' },
    req(['a2 NOOP']),
  ]);
  // In one big chunk the buffer is dropped at once, too.
  r.push(Buffer.alloc(10_000, 0x41));
  t.equal(r.next(), null);
  t.equal(r.buffered, 0);
  t.same(feed(r, '\nok\r\n'), [{ kind: 'error', firstLine: 'A'.repeat(32), reason: 'line-too-long' }, req(['ok'])]);
});

t.test('line-too-long inside a request keeps the first line; a LITERAL+ at its end is skipped', async (t) => {
  const r = receiver();
  const outs = feed(r, `a1 LOGIN {1}\r\na ${'z'.repeat(40)}\r\na2 NOOP\r\n`);
  t.same(results(outs), [{ kind: 'error', firstLine: 'a1 LOGIN {1}', reason: 'line-too-long' }, req(['a2 NOOP'])]);
  // The overlong line announces {11+}: its bytes would otherwise be read as a command.
  t.same(results(feed(r, `a3 ${'z'.repeat(40)} {11+}\r\nb1 LOGOUT\r\n\r\na4 NOOP\r\n`)), [
    { kind: 'error', firstLine: `a3 ${'z'.repeat(29)}`, reason: 'line-too-long' },
    req(['a4 NOOP']),
  ]);
  // The same when the overlong line arrives in pieces and is skipped as it comes.
  r.push(Buffer.from(`a5 ${'z'.repeat(40)}`));
  t.same(drain(r), []);
  t.same(feed(r, 'zzzzzz {1'), []);
  t.same(feed(r, '1+}\r'), []);
  t.same(feed(r, '\nb1 LOGOUT\r\n\r\na6 NOOP\r\n'), [
    { kind: 'error', firstLine: `a5 ${'z'.repeat(29)}`, reason: 'line-too-long' },
    req(['a6 NOOP']),
  ]);
});

t.test('nextLine: line mode for DONE and SASL responses', async (t) => {
  const r = receiver();
  r.push(Buffer.from('a1 IDLE\r\nDONE\r\na2 NOOP {5}\r\n'));
  t.same(plain(r.next()!), req(['a1 IDLE']));
  t.same(plain(r.nextLine()!), { kind: 'line', line: 'DONE' });
  t.same(plain(r.nextLine()!), { kind: 'line', line: 'a2 NOOP {5}' }, 'no literal in line mode');
  t.equal(r.nextLine(), null);
  r.push(Buffer.from('dGVzdA==\n'));
  t.same(plain(r.nextLine()!), { kind: 'line', line: 'dGVzdA==' });
  // An overlong line: skipped, then reported when it ends.
  r.push(Buffer.from('q'.repeat(33) + '\r\n'));
  t.same(plain(r.nextLine()!), { kind: 'error', firstLine: 'q'.repeat(32), reason: 'line-too-long' });
  r.push(Buffer.from('q'.repeat(40)));
  t.equal(r.nextLine(), null, 'overlong and unfinished');
  t.equal(r.buffered, 0);
  r.push(Buffer.from('q'.repeat(40)));
  t.equal(r.nextLine(), null, 'still skipping');
  r.push(Buffer.from('{5+}\r\nDONE\r\n'));
  t.same(plain(r.nextLine()!), { kind: 'error', firstLine: 'q'.repeat(32), reason: 'line-too-long' });
  t.same(plain(r.nextLine()!), { kind: 'line', line: 'DONE' }, 'no literal skipped in line mode');
});

t.test('nextLine in the middle of a request is a caller bug', async (t) => {
  const r = receiver();
  r.push(Buffer.from('a1 LOGIN {5}\r\n'));
  r.next();
  r.acceptLiteral();
  t.throws(() => r.nextLine(), /middle of a request/);
  r.push(Buffer.from('alice'));
  t.equal(r.next(), null);
  t.throws(() => r.nextLine(), /middle of a request/);
});

t.test('reset drops buffered input and the request in progress (STARTTLS)', async (t) => {
  const r = receiver();
  r.push(Buffer.from('a1 LOGIN {5}\r\nal'));
  t.equal(r.next()?.kind, 'literal');
  r.acceptLiteral();
  t.equal(r.next(), null);
  t.equal(r.inLiteral, true);
  r.reset();
  t.equal(r.buffered, 0);
  t.equal(r.inLiteral, false);
  t.same(feed(r, 'a2 NOOP\r\n'), [req(['a2 NOOP'])]);
  // Reset while a literal decision is pending, and while skipping an overlong line.
  r.push(Buffer.from('a3 X {1}\r\n'));
  r.next();
  r.reset();
  t.same(feed(r, 'a4 NOOP\r\n'), [req(['a4 NOOP'])]);
  feed(r, 'x'.repeat(40));
  r.reset();
  t.same(feed(r, 'a5 NOOP\r\n'), [req(['a5 NOOP'])], 'no stale line-too-long error');
  // Pipelined plaintext after STARTTLS is dropped.
  r.push(Buffer.from('a6 STARTTLS\r\na7 LOGIN alice secret\r\n'));
  t.same(plain(r.next()!), req(['a6 STARTTLS']));
  r.reset();
  t.equal(r.next(), null);
});

t.test('a long line arriving byte by byte is scanned in linear time', async (t) => {
  const r = receiver({ maxLineBytes: 64 * 1024, maxRequestBytes: 256 * 1024 });
  const one = Buffer.from('a');
  const start = process.hrtime.bigint();
  for (let i = 0; i < 60_000; i++) {
    r.push(one);
    if (r.next() !== null) t.fail('no line yet');
  }
  r.push(Buffer.from('\r\n'));
  const out = r.next();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.equal(out?.kind, 'request');
  // Quadratic rescanning took tens of seconds here; linear takes well under one.
  t.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
});

t.test('outputs are the documented shapes', async (t) => {
  const r = receiver();
  r.push(Buffer.from('a1 NOOP\r\n'));
  const out: ReceiverOutput | null = r.next();
  t.ok(out && out.kind === 'request' && Array.isArray(out.request.lines) && Array.isArray(out.request.literals));
});
