// Back-ends: lmdb tables across processes, file tables, pass_table results and timing,
// auth.external helpers, and auth.pam with a real system account where possible.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthBackendError } from '../../src/auth/authenticator.js';
import { ExternalAuthenticator, accountForDomainRules } from '../../src/auth/external.js';
import { hashPassword } from '../../src/auth/hash.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { DEFAULT_PAM_HELPER, PamAuthenticator } from '../../src/auth/pam.js';
import { PassTableAuthenticator } from '../../src/auth/pass-table.js';
import { FileTable } from '../../src/auth/tables/file-table.js';
import { LmdbTable } from '../../src/auth/tables/lmdb-table.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const lmdbTableModule = new URL('../../src/auth/tables/lmdb-table.ts', import.meta.url).href;
const source = { file: 'test.conf', line: 1 };

/** Runs a TypeScript snippet in a separate node process (tsx), synchronously. */
function runChild(dir: string, code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, STATE_DIR: dir },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('lmdb table: a write by another process is seen by the next read', async (t) => {
  const stateDir = t.testdir(); // contains dots: the path heuristic must not kick in
  const table = LmdbTable.open(stateDir, 'local_authdb');
  t.teardown(() => table.close());
  t.equal(await table.get('alice'), undefined, 'absent; this read opened a read transaction');

  // spawnSync blocks the event loop, so the next get() runs in the same turn: only a fresh
  // read transaction can see the child's commit.
  const child = runChild(
    stateDir,
    `const { LmdbTable } = await import(${JSON.stringify(lmdbTableModule)});
     const table = LmdbTable.open(process.env.STATE_DIR, 'local_authdb');
     await table.set('alice', 'bcrypt:from-child');
     await table.close();`,
  );
  t.equal(child.status, 0, child.stderr);
  t.equal(await table.get('alice'), 'bcrypt:from-child');
  t.same(await table.keys(), ['alice']);

  await table.set('bob', 'argon2:from-parent');
  const reader = runChild(
    stateDir,
    `const { LmdbTable } = await import(${JSON.stringify(lmdbTableModule)});
     const table = LmdbTable.open(process.env.STATE_DIR, 'local_authdb');
     console.log(JSON.stringify(await table.keys()), await table.get('bob'));
     await table.close();`,
  );
  t.equal(reader.stdout.trim(), '["alice","bob"] argon2:from-parent', reader.stderr);
});

t.test('lmdb table: add, delete, separate sub-databases', async (t) => {
  const stateDir = t.testdir();
  const a = LmdbTable.open(stateDir, 'a');
  const b = LmdbTable.open(stateDir, 'b');
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  t.equal(await a.add('x', '1'), true);
  t.equal(await a.add('x', '2'), false, 'add does not overwrite');
  t.equal(await a.get('x'), '1');
  t.equal(await b.get('x'), undefined, 'tables do not share keys');
  t.equal(await a.delete('x'), true);
  t.equal(await a.delete('x'), false);
  t.ok(existsSync(join(stateDir, 'tables', 'data.mdb')), 'environment is a directory under state_dir');
});

t.test('pass_table over lmdb: ok, bad, unknown, normalised names', async (t) => {
  const stateDir = t.testdir();
  const seed = LmdbTable.open(stateDir, 'users');
  await seed.set('alice', await hashPassword('wonderland'));
  await seed.set('josé', await hashPassword('s3cret', 'bcrypt'));
  await seed.close();

  const auth = createAuthenticator(
    { kind: 'pass_table', name: 'local_authdb', table: { kind: 'lmdb', name: 'users' }, source },
    { stateDir },
  );
  t.teardown(() => auth.close());
  t.same(await auth.authenticate('alice', 'wonderland'), { ok: true, username: 'alice' });
  t.same(await auth.authenticate('ALICE', 'wonderland'), { ok: true, username: 'alice' });
  t.same(await auth.authenticate('Alice', 'wonderland'), { ok: true, username: 'alice' });
  t.same(await auth.authenticate('JOSE\u0301', 's3cret'), { ok: true, username: 'josé' }, 'NFD + upper case');
  t.same(await auth.authenticate('alice', 'Wonderland'), { ok: false, reason: 'bad-credentials' });
  t.same(await auth.authenticate('mallory', 'wonderland'), { ok: false, reason: 'unknown-user' });
  t.same(await auth.authenticate('', 'x'), { ok: false, reason: 'unknown-user' });
  t.same(await auth.authenticate('a\nb', 'x'), { ok: false, reason: 'unknown-user' });
});

t.test('pass_table: unknown users cost about as much as wrong passwords', async (t) => {
  const stateDir = t.testdir();
  const table = LmdbTable.open(stateDir, 'users');
  await table.set('alice', await hashPassword('wonderland'));
  const auth = new PassTableAuthenticator(table);
  t.teardown(() => auth.close());
  await auth.authenticate('nobody', 'warm-up'); // first call hashes the dummy
  const time = async (user: string): Promise<number> => {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      await auth.authenticate(user, 'wrong');
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return samples.sort((x, y) => x - y)[1] ?? 0;
  };
  const wrong = await time('alice');
  const unknown = await time('nobody');
  // Without the dummy verification an unknown user takes microseconds, not milliseconds.
  t.ok(unknown > wrong / 4, `unknown ${unknown.toFixed(1)} ms vs wrong password ${wrong.toFixed(1)} ms`);
});

t.test('pass_table: malformed stored hash and unreadable table reject', async (t) => {
  const stateDir = t.testdir();
  const table = LmdbTable.open(stateDir, 'users');
  await table.set('eve', 'rot13:nopqr');
  const auth = new PassTableAuthenticator(table);
  await t.rejects(auth.authenticate('eve', 'x'), AuthBackendError);
  await auth.close();
  await t.rejects(auth.authenticate('eve', 'x'), AuthBackendError, 'closed table');
});

t.test('pass_table over a file table, re-read when the file changes', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'passwd');
  await writeFile(path, `# maddy table\nalice: ${await hashPassword('one', 'bcrypt')}\n`);
  const auth = createAuthenticator({ kind: 'pass_table', name: 'files', table: { kind: 'file', path }, source }, { stateDir: dir });
  t.teardown(() => auth.close());
  t.same(await auth.authenticate('Alice', 'one'), { ok: true, username: 'alice' });
  t.same(await auth.authenticate('bob', 'two'), { ok: false, reason: 'unknown-user' });

  // Replaced atomically, as editors and config management do.
  await writeFile(`${path}.new`, `alice: ${await hashPassword('uno', 'bcrypt')}\nbob: ${await hashPassword('two')}\n`);
  await rename(`${path}.new`, path);
  t.same(await auth.authenticate('alice', 'one'), { ok: false, reason: 'bad-credentials' });
  t.same(await auth.authenticate('alice', 'uno'), { ok: true, username: 'alice' });
  t.same(await auth.authenticate('bob', 'two'), { ok: true, username: 'bob' });

  const missing = new FileTable(join(dir, 'absent'));
  t.equal(await missing.get('alice'), undefined, 'a missing file is an empty table, as in maddy');
});

t.test('auth.external domain rules follow maddy', async (t) => {
  t.equal(accountForDomainRules('alice', false, []), 'alice');
  t.equal(accountForDomainRules('alice@example.org', false, []), undefined, 'domain needs domains');
  t.equal(accountForDomainRules('alice@example.org', false, ['Example.ORG']), 'alice', 'domain removed');
  t.equal(accountForDomainRules('alice@other.org', false, ['example.org']), undefined);
  t.equal(accountForDomainRules('alice', true, ['example.org']), undefined, 'perdomain requires a domain');
  t.equal(accountForDomainRules('alice@example.org', true, ['example.org']), 'alice@example.org');
  t.equal(accountForDomainRules('alice@evil@example.org', false, ['example.org']), undefined);
  t.equal(accountForDomainRules('@example.org', false, ['example.org']), undefined);
});

t.test('auth.external helpers', async (t) => {
  const dir = t.testdir();
  const script = async (name: string, body: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  };
  const input = join(dir, 'input');
  const recorder = await script('record.sh', `cat > '${input}'\nexit 0`);
  const checker = await script(
    'check.sh',
    'read -r user; read -r pass\n[ "$user" = alice ] && [ "$pass" = "open sesame" ] && exit 0\nexit 1',
  );
  const failing = await script('fail.sh', 'echo "ldap server unreachable" >&2\nexit 2');
  const hanging = await script('hang.sh', 'sleep 30\nexit 0');
  const external = (helper: string, more: { perDomain?: boolean; domains?: string[]; timeoutMs?: number } = {}) =>
    new ExternalAuthenticator(
      { helper, perDomain: more.perDomain ?? false, domains: more.domains ?? [] },
      more.timeoutMs === undefined ? {} : { timeoutMs: more.timeoutMs },
    );

  t.same(await external(recorder).authenticate('Alice', 'pa:ss word'), { ok: true, username: 'alice' });
  t.equal(await readFile(input, 'utf8'), 'alice\npa:ss word\n', 'stdin is username\\npassword\\n');

  t.same(await external(checker).authenticate('ALICE', 'open sesame'), { ok: true, username: 'alice' });
  t.same(await external(checker).authenticate('alice', 'open says me'), { ok: false, reason: 'bad-credentials' });
  t.same(await external(checker).authenticate('alice', 'a\nb'), { ok: false, reason: 'bad-credentials' });

  await t.rejects(external(failing).authenticate('alice', 'x'), {
    name: 'AuthBackendError',
    message: /exited with status 2: ldap server unreachable/,
  });
  await t.rejects(external(join(dir, 'missing.sh')).authenticate('alice', 'x'), AuthBackendError);

  const start = Date.now();
  await t.rejects(external(hanging, { timeoutMs: 300 }).authenticate('alice', 'x'), {
    name: 'AuthBackendError',
    message: /did not finish within 300 ms/,
  });
  t.ok(Date.now() - start < 5_000, 'the helper and its sleep were killed, not waited for');

  const domains = external(recorder, { domains: ['example.org'] });
  t.same(await domains.authenticate('Alice@Example.org', 'x'), { ok: true, username: 'alice' });
  t.same(await domains.authenticate('alice@other.org', 'x'), { ok: false, reason: 'unknown-user' });
  const perDomain = external(recorder, { perDomain: true, domains: ['example.org'] });
  t.same(await perDomain.authenticate('alice@example.org', 'x'), { ok: true, username: 'alice@example.org' });
  t.equal(await readFile(input, 'utf8'), 'alice@example.org\nx\n');
  t.same(await perDomain.authenticate('alice', 'x'), { ok: false, reason: 'unknown-user' });
});

const PAM_USER = 'gannet-pamtest';
const requireInterop = process.env.GANNET_REQUIRE_INTEROP === '1';
const pamSkip = !existsSync(DEFAULT_PAM_HELPER)
  ? `${DEFAULT_PAM_HELPER} is not installed (Debian package pwauth)`
  : process.getuid?.() !== 0
    ? 'needs root to create a system account'
    : false;

t.test('auth.pam through pwauth with a real system account', { skip: requireInterop ? false : pamSkip }, async (t) => {
  if (pamSkip !== false) {
    t.fail(`GANNET_REQUIRE_INTEROP=1 but ${pamSkip}`);
    return;
  }
  const run = (cmd: string, args: string[], stdin?: string): void => {
    const r = spawnSync(cmd, args, { input: stdin ?? '', encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  // A leftover from an interrupted run would make useradd fail.
  spawnSync('userdel', [PAM_USER]);
  run('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', PAM_USER]);
  t.teardown(() => {
    spawnSync('userdel', [PAM_USER]);
  });
  run('chpasswd', [], `${PAM_USER}:Pam-Test-Passw0rd\n`);

  const auth = createAuthenticator(
    { kind: 'pam', name: 'system', helper: DEFAULT_PAM_HELPER, debug: false, source },
    { stateDir: t.testdir() },
  );
  t.teardown(() => auth.close());
  t.same(await auth.authenticate(PAM_USER, 'Pam-Test-Passw0rd'), { ok: true, username: PAM_USER });
  t.same(await auth.authenticate(PAM_USER.toUpperCase(), 'Pam-Test-Passw0rd'), { ok: true, username: PAM_USER });
  // pam_unix delays each failure by about 2 s; run both failures at once.
  const [wrong, unknown] = await Promise.all([
    auth.authenticate(PAM_USER, 'wrong-password'),
    auth.authenticate('gannet-nosuchuser', 'Pam-Test-Passw0rd'),
  ]);
  t.same(wrong, { ok: false, reason: 'bad-credentials' });
  t.same(unknown, { ok: false, reason: 'bad-credentials' }, 'PAM does not reveal unknown users');
});

t.test('auth.pam reports helper configuration errors', async (t) => {
  const dir = t.testdir();
  const helper = join(dir, 'pwauth-50.sh');
  await writeFile(helper, '#!/bin/sh\nexit 50\n');
  await chmod(helper, 0o755);
  const auth = new PamAuthenticator({ helper, debug: false });
  await t.rejects(auth.authenticate('alice', 'x'), { name: 'AuthBackendError', message: /exited with status 50/ });
  const refused = join(dir, 'pwauth-6.sh');
  await writeFile(refused, '#!/bin/sh\nexit 6\n');
  await chmod(refused, 0o755);
  t.same(await new PamAuthenticator({ helper: refused, debug: false }).authenticate('alice', 'x'), {
    ok: false,
    reason: 'bad-credentials',
  });
});
