// Stored hash formats (maddy interop), user-name normalisation and the table file parser.
import t from 'tap';
import {
  ARGON2_HASH_BYTES,
  ARGON2_MEMORY_KIB,
  ARGON2_PARALLELISM,
  ARGON2_TIME_COST,
  MalformedHashError,
  hashPassword,
  verifyPassword,
} from '../../src/auth/hash.js';
import { MAX_USERNAME_BYTES, normalizeUsername } from '../../src/auth/normalize.js';
import { TableFileError, parseTableFile } from '../../src/auth/tables/file-table.js';

const PASSWORD = 'correct horse ✓';

// Produced with golang.org/x/crypto exactly as maddy's pass_table computes them:
// argon2.IDKey(pass, salt "0123456789abcdef", time 2, memory 1024, threads 1, 64 bytes) (the
// parameters `maddy hash --hash argon2` uses), bcrypt.GenerateFromPassword(pass, 10), and
// SHA-256 over salt bytes 0..31 followed by the password.
const MADDY_ARGON2 =
  'argon2:2:1024:1:MDEyMzQ1Njc4OWFiY2RlZg==:EvQEYF8za5c07g8V/CM60FQedQOKLK8YjGLvvF/Ysv/z3vF2jatcaRBT6ebgUsqdS32xO/tP0MvtnxdnX+DpEQ==';
const MADDY_BCRYPT = 'bcrypt:$2a$10$icTy4E.8BrjUfuuUZMDPVeSJtqsKdXcDaWEcSS0iSFMVdUHfyACZm';
const MADDY_SHA256 = 'sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:ks8FsUYsqzvPgoeYDVmIkhIoqs+6qlXwpE/oOtwFbV0=';

t.test('maddy pass_table formats verify, wrong passwords fail', async (t) => {
  for (const [name, stored] of [
    ['argon2', MADDY_ARGON2],
    ['bcrypt', MADDY_BCRYPT],
    ['sha256', MADDY_SHA256],
  ] as const) {
    t.equal(await verifyPassword(stored, PASSWORD), true, `${name}: right password`);
    t.equal(await verifyPassword(stored, 'correct horse'), false, `${name}: wrong password`);
    t.equal(await verifyPassword(stored, ''), false, `${name}: empty password`);
  }
});

t.test('PHC argon2id strings and bare bcrypt strings verify', async (t) => {
  const { hash } = await import('@node-rs/argon2');
  const phc = await hash(PASSWORD, { memoryCost: 1024, timeCost: 1, parallelism: 1 });
  t.match(phc, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  t.equal(await verifyPassword(phc, PASSWORD), true);
  t.equal(await verifyPassword(phc, 'nope'), false);
  t.equal(await verifyPassword(MADDY_BCRYPT.slice('bcrypt:'.length), PASSWORD), true);
});

t.test('new argon2 hashes use the maddy layout with the OWASP parameters', async (t) => {
  const stored = await hashPassword(PASSWORD);
  const parts = stored.split(':');
  t.equal(parts.length, 6);
  t.same(parts.slice(0, 4), ['argon2', String(ARGON2_TIME_COST), String(ARGON2_MEMORY_KIB), String(ARGON2_PARALLELISM)]);
  t.equal(Buffer.from(parts[4] ?? '', 'base64').length, 16, '16-byte salt');
  t.equal(Buffer.from(parts[5] ?? '', 'base64').length, ARGON2_HASH_BYTES, '64-byte hash');
  t.equal(await verifyPassword(stored, PASSWORD), true);
  t.equal(await verifyPassword(stored, PASSWORD.toUpperCase()), false);
  t.not(await hashPassword(PASSWORD), stored, 'fresh salt every time');
});

t.test('new bcrypt hashes verify and refuse over-long passwords', async (t) => {
  const stored = await hashPassword(PASSWORD, 'bcrypt');
  t.match(stored, /^bcrypt:\$2b\$10\$/);
  t.equal(await verifyPassword(stored, PASSWORD), true);
  t.equal(await verifyPassword(stored, 'x'), false);
  await t.rejects(hashPassword('x'.repeat(73), 'bcrypt'), RangeError);
});

t.test('malformed stored values reject instead of reading as a wrong password', async (t) => {
  for (const bad of [
    'plaintext',
    'md5:abc',
    'argon2:2:1024:1:MDEyMzQ1Njc4OWFiY2RlZg==',
    'argon2:x:1024:1:MDEyMzQ1Njc4OWFiY2RlZg==:AAAA',
    'argon2:2:1024:1:MDEyMzQ1Njc4OWFiY2RlZg==:AAAA',
    'argon2:2:99999999999:1:MDEyMzQ1Njc4OWFiY2RlZg==:' + 'A'.repeat(88),
    'sha256:onlyone',
    'sha256:!!!:AAAA',
    'bcrypt:$2a$10$short',
    '$argon2id$garbage',
  ]) {
    await t.rejects(verifyPassword(bad, PASSWORD), MalformedHashError, bad);
  }
});

t.test('normalisation: NFC, lower case, nothing trimmed', async (t) => {
  const nfd = 'J\u0301ose\u0301'; // J + combining acute, e + combining acute
  const nfc = 'j\u0301os\u00e9';
  t.same(normalizeUsername('Alice'), { ok: true, username: 'alice' });
  t.same(normalizeUsername('ALICE'), { ok: true, username: 'alice' });
  t.same(normalizeUsername('alice'), { ok: true, username: 'alice' });
  t.same(normalizeUsername(nfd), { ok: true, username: nfc });
  t.same(normalizeUsername('Ame\u0301lie@Example.ORG'), { ok: true, username: 'am\u00e9lie@example.org' });
  t.same(normalizeUsername(' bob '), { ok: true, username: ' bob ' }, 'no trimming');
  const turkish = normalizeUsername('\u0130stanbul');
  t.ok(turkish.ok && normalizeUsername(turkish.username).ok, 'idempotent for İ');
  if (turkish.ok) t.same(normalizeUsername(turkish.username), turkish);
});

t.test('normalisation refuses empty, control characters, lone surrogates and long names', async (t) => {
  t.same(normalizeUsername(''), { ok: false, reason: 'empty' });
  for (const c of ['a\u0000b', 'a\nb', 'a\rb', 'a\u007fb', 'a\u0085b', '\tx']) {
    t.same(normalizeUsername(c), { ok: false, reason: 'control-character' }, JSON.stringify(c));
  }
  t.same(normalizeUsername('a\ud800b'), { ok: false, reason: 'malformed-unicode' });
  t.same(normalizeUsername('😀'), { ok: true, username: '😀' }, 'paired surrogates are fine');
  t.equal(normalizeUsername('a'.repeat(MAX_USERNAME_BYTES)).ok, true);
  t.same(normalizeUsername('a'.repeat(MAX_USERNAME_BYTES + 1)), { ok: false, reason: 'too-long' });
  t.same(normalizeUsername('é'.repeat(MAX_USERNAME_BYTES / 2 + 1)), { ok: false, reason: 'too-long' }, 'counted in bytes');
});

t.test('table file parser follows maddy', async (t) => {
  const text = [
    '# comment',
    '',
    'alice: bcrypt:$2a$10$abc',
    '  bob@example.org :  argon2:1:2:3:x:y  ',
    'carol',
    'dave: first, second',
    '   # indented comment',
    'alice: replaced\r',
  ].join('\n');
  const m = parseTableFile(text, 'users');
  t.same(
    [...m.entries()],
    [
      ['alice', 'replaced'],
      ['bob@example.org', 'argon2:1:2:3:x:y'],
      ['carol', ''],
      ['dave', 'first'],
    ],
  );
  t.throws(() => parseTableFile('ok: 1\n: orphan\n', 'users'), TableFileError);
  t.throws(() => parseTableFile('ok: 1\n: orphan\n', 'users'), { message: 'users:2: empty key before colon' });
});
