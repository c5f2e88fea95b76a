// `gannet creds` and `gannet hash` end to end, with injected streams.
import t from 'tap';
import { PassThrough } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthModuleConfig, GannetConfig, ImapEndpointConfig } from '../../src/config/schema.js';
import type { CliContext } from '../../src/cli/context.js';
import { credsCommand, hashCommand } from '../../src/cli/creds.js';
import { verifyPassword } from '../../src/auth/hash.js';
import { createAuthenticator } from '../../src/auth/index.js';
import { LmdbTable } from '../../src/auth/tables/lmdb-table.js';

const source = { file: 'test.conf', line: 1 };

function endpoint(auth: string): ImapEndpointConfig {
  return {
    addresses: [{ scheme: 'tcp', host: '127.0.0.1', port: 0, original: 'tcp://127.0.0.1:0' }],
    tls: null,
    ioDebug: false,
    ioErrors: false,
    debug: false,
    insecureAuth: true,
    auth,
    storage: 'local_mailboxes',
    saslLogin: false,
    traceTransitions: null,
    source,
  };
}

function config(stateDir: string, modules: AuthModuleConfig[], imapAuth: string[] = []): GannetConfig {
  return {
    stateDir,
    runtimeDir: stateDir,
    hostname: 'mx.example.org',
    debug: false,
    log: { kind: 'off' },
    tls: null,
    workerThreads: null,
    auth: new Map(modules.map((m) => [m.name, m])),
    storage: new Map(),
    imap: imapAuth.map(endpoint),
    files: ['test.conf'],
  };
}

const lmdbModule = (name: string, table = name): AuthModuleConfig => ({
  kind: 'pass_table',
  name,
  table: { kind: 'lmdb', name: table },
  source,
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

type FakeStdin = PassThrough & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown; rawCalls?: boolean[] };

/** Runs a command with `input` on stdin (a string ends the stream; chunks are fed as typed). */
async function run(
  cfg: GannetConfig,
  command: typeof credsCommand,
  argv: string[],
  input: string | { tty: string[] } = '',
): Promise<Run & { stdin: FakeStdin }> {
  const stdin: FakeStdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  if (typeof input === 'string') {
    stdin.end(input);
  } else {
    stdin.isTTY = true;
    stdin.rawCalls = [];
    stdin.setRawMode = (mode: boolean) => stdin.rawCalls?.push(mode);
    // Keystrokes arrive as separate chunks, and the stream never ends, like a terminal.
    for (const chunk of input.tty) stdin.write(chunk);
  }
  const ctx: CliContext = { config: cfg, stdin, stdout, stderr };
  const code = await command(argv, ctx);
  return { code, stdout: out, stderr: err, stdin };
}

async function login(cfg: GannetConfig, module: string, user: string, password: string) {
  const m = cfg.auth.get(module);
  if (m === undefined) throw new Error(`no module ${module}`);
  const auth = createAuthenticator(m, { stateDir: cfg.stateDir });
  try {
    return await auth.authenticate(user, password);
  } finally {
    await auth.close();
  }
}

t.test('create, list, password, remove on an lmdb table', async (t) => {
  const cfg = config(t.testdir(), [lmdbModule('local_authdb')], ['local_authdb']);

  let r = await run(cfg, credsCommand, ['list']);
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.match(r.stderr, 'No users.');

  r = await run(cfg, credsCommand, ['create', '--password', 'wonderland', 'ALICE']);
  t.equal(r.code, 0, r.stderr);
  t.same(await login(cfg, 'local_authdb', 'Alice', 'wonderland'), { ok: true, username: 'alice' });

  r = await run(cfg, credsCommand, ['create', 'bob'], 'builder\n');
  t.equal(r.code, 0, 'password as one line from a pipe');
  t.same(await login(cfg, 'local_authdb', 'bob', 'builder'), { ok: true, username: 'bob' });

  r = await run(cfg, credsCommand, ['create', '-p', 'x', 'alice']);
  t.equal(r.code, 1);
  t.match(r.stderr, 'user alice already exists');

  r = await run(cfg, credsCommand, ['create', '--hash', 'bcrypt', '--password=s3cret', 'carol']);
  t.equal(r.code, 0);
  const table = LmdbTable.open(cfg.stateDir, 'local_authdb');
  t.match(await table.get('carol'), /^bcrypt:\$2b\$10\$/);
  t.match(await table.get('alice'), /^argon2:2:19456:1:/);
  await table.close();

  r = await run(cfg, credsCommand, ['list']);
  t.equal(r.stdout, 'alice\nbob\ncarol\n');

  r = await run(cfg, credsCommand, ['password', '--password', 'looking-glass', 'Alice']);
  t.equal(r.code, 0, r.stderr);
  t.same(await login(cfg, 'local_authdb', 'alice', 'wonderland'), { ok: false, reason: 'bad-credentials' });
  t.same(await login(cfg, 'local_authdb', 'alice', 'looking-glass'), { ok: true, username: 'alice' });

  r = await run(cfg, credsCommand, ['password', '--password', 'x', 'dave']);
  t.equal(r.code, 1, 'password does not create accounts');
  t.match(r.stderr, 'no such user dave');

  r = await run(cfg, credsCommand, ['remove', 'bob'], 'n\n');
  t.equal(r.code, 1);
  t.match(r.stderr, 'cancelled');
  r = await run(cfg, credsCommand, ['remove', 'bob'], 'yes\n');
  t.equal(r.code, 0, r.stderr);
  r = await run(cfg, credsCommand, ['remove', '--yes', 'carol']);
  t.equal(r.code, 0);
  r = await run(cfg, credsCommand, ['remove', '-y', 'carol']);
  t.equal(r.code, 1);
  t.match(r.stderr, 'no such user carol');
  t.same(await login(cfg, 'local_authdb', 'bob', 'builder'), { ok: false, reason: 'unknown-user' });

  r = await run(cfg, credsCommand, ['list']);
  t.equal(r.stdout, 'alice\n');
});

t.test('passwords typed on a terminal: no echo, asked twice', async (t) => {
  const cfg = config(t.testdir(), [lmdbModule('local_authdb')]);
  let r = await run(cfg, credsCommand, ['create', 'erin'], { tty: ['se', 'cret\r', 'secrex\u007ft\r'] });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, 'Password for erin: ');
  t.match(r.stderr, 'Password for erin (again): ');
  t.notMatch(r.stderr + r.stdout, 'secret', 'the password is never written back');
  t.same(r.stdin.rawCalls, [true, false, true, false], 'raw mode on while typing, restored after');
  t.same(await login(cfg, 'local_authdb', 'erin', 'secret'), { ok: true, username: 'erin' });

  r = await run(cfg, credsCommand, ['create', 'frank'], { tty: ['one\r', 'two\r'] });
  t.equal(r.code, 1);
  t.match(r.stderr, 'the passwords do not match');
  r = await run(cfg, credsCommand, ['create', 'frank'], { tty: ['on\u0003'] });
  t.equal(r.code, 1);
  t.match(r.stderr, 'cancelled');
  t.same(r.stdin.rawCalls, [true, false], 'raw mode restored after Ctrl-C');
  r = await run(cfg, credsCommand, ['create', 'frank'], '');
  t.equal(r.code, 1);
  t.match(r.stderr, 'no password on standard input');
  r = await run(cfg, credsCommand, ['create', 'frank'], '\n');
  t.equal(r.code, 1);
  t.match(r.stderr, 'the password is empty');
});

t.test('usage errors exit 2 with the usage text', async (t) => {
  const cfg = config(t.testdir(), [lmdbModule('local_authdb')]);
  for (const argv of [
    [],
    ['frobnicate'],
    ['create'],
    ['create', 'a', 'b'],
    ['create', '--bogus', 'a'],
    ['create', '--yes', 'a'],
    ['remove', '--password', 'x', 'a'],
    ['list', 'extra'],
    ['create', '--hash', 'md5', 'a'],
    ['create', '--password'],
  ]) {
    const r = await run(cfg, credsCommand, argv);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.stderr, 'Usage:');
  }
  const help = await run(cfg, credsCommand, ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, 'gannet creds create');
  const badName = await run(cfg, credsCommand, ['create', '-p', 'x', 'a\u0007b']);
  t.equal(badName.code, 1);
  t.match(badName.stderr, 'control character');
});

t.test('choosing the pass_table module', async (t) => {
  const dir = t.testdir();
  const passwd = join(dir, 'passwd');
  await writeFile(passwd, 'zoe: bcrypt:$2a$10$icTy4E.8BrjUfuuUZMDPVeSJtqsKdXcDaWEcSS0iSFMVdUHfyACZm\n');
  const modules: AuthModuleConfig[] = [
    lmdbModule('first', 'first_users'),
    lmdbModule('second', 'second_users'),
    { kind: 'pass_table', name: 'files', table: { kind: 'file', path: passwd }, source },
    { kind: 'external', name: 'ldap', helper: '/bin/false', perDomain: false, domains: [], source },
  ];

  const ambiguous = config(dir, modules);
  let r = await run(ambiguous, credsCommand, ['list']);
  t.equal(r.code, 1);
  t.match(r.stderr, /several auth.pass_table modules.*--cfg-block/);

  const viaEndpoint = config(dir, modules, ['second']);
  r = await run(viaEndpoint, credsCommand, ['create', '-p', 'pw', 'sam']);
  t.equal(r.code, 0, 'the first imap endpoint decides');
  r = await run(viaEndpoint, credsCommand, ['list', '--cfg-block', 'second']);
  t.equal(r.stdout, 'sam\n');
  r = await run(viaEndpoint, credsCommand, ['list', '--cfg-block', 'first']);
  t.equal(r.stdout, '');

  r = await run(viaEndpoint, credsCommand, ['--cfg-block', 'files', 'list']);
  t.equal(r.stdout, 'zoe\n', 'file tables can be listed');
  r = await run(viaEndpoint, credsCommand, ['create', '--cfg-block', 'files', '-p', 'pw', 'yan']);
  t.equal(r.code, 1);
  t.match(r.stderr, /file table .* is read-only/);
  r = await run(viaEndpoint, credsCommand, ['list', '--cfg-block', 'ldap']);
  t.equal(r.code, 1);
  t.match(r.stderr, 'auth.external module');
  r = await run(viaEndpoint, credsCommand, ['list', '--cfg-block', 'nope']);
  t.equal(r.code, 1);
  t.match(r.stderr, "no auth module named 'nope'");

  r = await run(config(dir, [modules[3] as AuthModuleConfig]), credsCommand, ['list']);
  t.equal(r.code, 1);
  t.match(r.stderr, 'no auth.pass_table module');
});

t.test('gannet hash prints the stored form', async (t) => {
  const cfg = config(t.testdir(), []);
  let r = await run(cfg, hashCommand, ['--password', 'hunter2']);
  t.equal(r.code, 0);
  t.match(r.stdout, /^argon2:2:19456:1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+\n$/);
  t.equal(await verifyPassword(r.stdout.trim(), 'hunter2'), true);

  r = await run(cfg, hashCommand, ['--hash', 'bcrypt'], 'hunter2\n');
  t.equal(r.code, 0);
  t.match(r.stdout, /^bcrypt:\$2b\$10\$/);
  t.equal(await verifyPassword(r.stdout.trim(), 'hunter2'), true);

  r = await run(cfg, hashCommand, ['-p', ' padded ']);
  t.match(r.stderr, 'white space');
  r = await run(cfg, hashCommand, ['--hash', 'sha1', '-p', 'x']);
  t.equal(r.code, 2);
  r = await run(cfg, hashCommand, ['extra']);
  t.equal(r.code, 2);
});
