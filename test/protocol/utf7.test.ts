// Modified UTF-7 (RFC 3501 §5.1.3): the RFC example, surrogate pairs, strict rejection of
// non-canonical input, and round trips for arbitrary Unicode.

import t from 'tap';
import fc from 'fast-check';
import { decodeMailboxName, encodeMailboxName } from '../../src/protocol/utf7.js';

const numRuns = Number(process.env['GANNET_FUZZ_RUNS'] ?? '') || 200;

t.test('RFC 3501 §5.1.3 example', async (t) => {
  t.equal(encodeMailboxName('~peter/mail/台北/日本語'), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
  t.equal(decodeMailboxName('~peter/mail/&U,BTFw-/&ZeVnLIqe-'), '~peter/mail/台北/日本語');
});

t.test('ampersand, ASCII and control characters', async (t) => {
  t.equal(encodeMailboxName('A&B'), 'A&-B');
  t.equal(decodeMailboxName('A&-B'), 'A&B');
  t.equal(decodeMailboxName('&-&-'), '&&');
  t.equal(encodeMailboxName('Entwürfe'), 'Entw&APw-rfe');
  t.equal(decodeMailboxName('Entw&APw-rfe'), 'Entwürfe');
  t.equal(encodeMailboxName('a\tb'), 'a&AAk-b');
  t.equal(decodeMailboxName('a&AAk-b'), 'a\tb');
  t.equal(encodeMailboxName(''), '');
  t.equal(decodeMailboxName(''), '');
  t.equal(encodeMailboxName(' ~ '), ' ~ ');
});

t.test('surrogate pairs are encoded as their UTF-16 units', async (t) => {
  t.equal(encodeMailboxName('😀'), '&2D3eAA-');
  t.equal(decodeMailboxName('&2D3eAA-'), '😀');
  t.equal(decodeMailboxName('x&2D3eANg93gE-y'), 'x😀😁y');
});

t.test('strict decoder rejects non-canonical or malformed input', async (t) => {
  const invalid = {
    'lone &': '&',
    unterminated: '&Jjo',
    'shifted printable ASCII': '&AGE-',
    'adjacent shifted runs': '&AOk-&AOk-',
    'too many leftover bits': '&AOkA-',
    'non-zero padding bits': '&AOl-',
    'empty shift body of one char': '&,-',
    'lone high surrogate': '&2D0-',
    'lone low surrogate': '&3gA-',
    'high surrogate then BMP': '&2D0A6Q-',
    'raw 8-bit': 'café',
    'raw control': 'a\tb',
    'bad base64 char': '&A/k-',
  };
  for (const [why, s] of Object.entries(invalid)) t.equal(decodeMailboxName(s), null, why);
});

t.test('property: decode(encode(s)) === s and the encoding is printable ASCII', async () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const e = encodeMailboxName(s);
      return /^[\x20-\x7e]*$/.test(e) && decodeMailboxName(e) === s;
    }),
    { numRuns },
  );
});

t.test('property: whatever decodes is canonical (encode(decode(x)) === x)', async () => {
  const unit = fc.constantFrom(...'&-AOkADgAPw2D3eAA,+/abz09 '.split(''));
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 24 }), (x) => {
      const d = decodeMailboxName(x);
      return d === null || encodeMailboxName(d) === x;
    }),
    { numRuns: numRuns * 5 },
  );
});
