// loadConfig turns maddy-syntax configuration into GannetConfig: the maddy-imap(5) example, module
// definitions and references, TLS forms, defaults, and errors that name FILE:LINE.

import t from 'tap';
import path from 'node:path';
import { describeConfig } from '../../src/config/describe.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { GannetConfig, ImapEndpointConfig } from '../../src/config/schema.js';

const CWD = '/srv/gannet';

/** Loads text as if it were /srv/gannet/gannet.conf (never read: the text is given). */
function load(text: string, env: NodeJS.ProcessEnv = {}): GannetConfig {
  return loadConfig({ text, file: 'gannet.conf', cwd: CWD, env });
}

function loadError(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    load(text, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const MODULES = `
auth.pass_table local_authdb {
    table lmdb credentials
}
storage.lmdb local_mailboxes {
}
`;

/** A minimal working file with `imapBody` inside an imap block on line 7. */
function withImap(imapBody: string, args = 'tcp://127.0.0.1:1143'): string {
  return `${MODULES}imap ${args} {\n${imapBody}\n}\n`;
}

t.test('the maddy-imap(5) example block', async (t) => {
  const text = `storage.lmdb local_mailboxes {
}

imap tcp://0.0.0.0:143 tls://0.0.0.0:993 {
    tls /etc/ssl/private/cert.pem /etc/ssl/private/pkey.key
    io_debug no
    debug no
    insecure_auth no
    auth pam
    storage &local_mailboxes
    auth_map identity
    auth_map_normalize auto
    storage_map identity
    storage_map_normalize auto
}
`;
  const cfg = load(text);
  const expected: ImapEndpointConfig = {
    addresses: [
      { scheme: 'tcp', host: '0.0.0.0', port: 143, original: 'tcp://0.0.0.0:143' },
      { scheme: 'tls', host: '0.0.0.0', port: 993, original: 'tls://0.0.0.0:993' },
    ],
    tls: {
      cert: '/etc/ssl/private/cert.pem',
      key: '/etc/ssl/private/pkey.key',
      source: { file: 'gannet.conf', line: 5 },
    },
    ioDebug: false,
    ioErrors: false,
    debug: false,
    insecureAuth: false,
    auth: 'auth.pam@gannet.conf:9',
    storage: 'local_mailboxes',
    saslLogin: false,
    traceTransitions: null,
    source: { file: 'gannet.conf', line: 4 },
  };
  t.same(cfg.imap, [expected]);
  t.same(cfg.auth.get('auth.pam@gannet.conf:9'), {
    kind: 'pam',
    name: 'auth.pam@gannet.conf:9',
    helper: '/usr/sbin/pwauth',
    debug: false,
    source: { file: 'gannet.conf', line: 9 },
  });
  t.same(cfg.storage.get('local_mailboxes'), {
    kind: 'lmdb',
    name: 'local_mailboxes',
    path: path.join(CWD, 'gannet-data/mail'),
    appendLimit: 32 * 1024 * 1024,
    tombstoneRetention: { maxAge: 30 * 24 * 3_600_000, maxCount: 100_000 },
    searchIndex: true,
    junkMailbox: 'Junk',
    defaultMailboxes: ['Sent', 'Drafts', 'Trash', 'Junk', 'Archive'],
    source: { file: 'gannet.conf', line: 1 },
  });
  t.same(cfg.files, [path.join(CWD, 'gannet.conf')]);
  t.equal(cfg.tls, null, 'no global tls');
});

t.test('the embedded default configuration', async (t) => {
  const cfg = loadConfig({ env: {}, cwd: CWD });
  t.equal(cfg.imap.length, 1);
  const ep = cfg.imap[0] as ImapEndpointConfig;
  t.same(ep.addresses, [{ scheme: 'tcp', host: '127.0.0.1', port: 1143, original: 'tcp://127.0.0.1:1143' }]);
  t.equal(ep.tls, null);
  t.equal(ep.insecureAuth, true, 'plaintext endpoint: insecure_auth on');
  t.same(cfg.auth.get(ep.auth), {
    kind: 'pass_table',
    name: 'local_authdb',
    table: { kind: 'lmdb', name: 'credentials' },
    source: { file: '<default config>', line: 3 },
  });
  t.equal(cfg.storage.get(ep.storage)?.path, path.join(CWD, 'gannet-data/mail'));
  t.equal(cfg.stateDir, path.join(CWD, 'gannet-data'));
  t.equal(cfg.runtimeDir, path.join(CWD, 'gannet-data/run'));
  t.same(cfg.log, { kind: 'stderr' });
  t.equal(cfg.debug, false);
  t.same(cfg.files, []);

  const fromEnv = loadConfig({ env: { GANNET_STATE_DIR: '/var/lib/gannet' }, cwd: CWD });
  t.equal(fromEnv.stateDir, '/var/lib/gannet', 'GANNET_STATE_DIR is the default state_dir');
  t.equal(fromEnv.storage.get('local_mailboxes')?.path, '/var/lib/gannet/mail');
});

t.test('global directives', async (t) => {
  const cfg = load(
    `state_dir {env:DATA}
runtime_dir /run/gannet
hostname mx.example.org
log gannet.log
debug
${MODULES}
imap tcp://[::1]:143 unix://imap.sock unix:///abs/imap.sock tcp://:1143 {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
`,
    { DATA: 'data' },
  );
  t.equal(cfg.stateDir, path.join(CWD, 'data'));
  t.equal(cfg.runtimeDir, '/run/gannet');
  t.equal(cfg.hostname, 'mx.example.org');
  t.same(cfg.log, { kind: 'file', path: path.join(CWD, 'data/gannet.log') });
  t.equal(cfg.debug, true, 'bare debug means yes');
  t.equal(cfg.imap[0]?.debug, true, 'endpoint debug defaults to global debug');
  t.same(cfg.imap[0]?.addresses, [
    { scheme: 'tcp', host: '::1', port: 143, original: 'tcp://[::1]:143' },
    { scheme: 'unix', path: '/run/gannet/imap.sock', original: 'unix://imap.sock' },
    { scheme: 'unix', path: '/abs/imap.sock', original: 'unix:///abs/imap.sock' },
    { scheme: 'tcp', host: '', port: 1143, original: 'tcp://:1143' },
  ]);
  t.same(load(`log off\n${MODULES}imap tcp://:1 {\ntls off\nauth &local_authdb\nstorage &local_mailboxes\n}`).log, { kind: 'off' });
  t.same(load(`log stderr\n${MODULES}imap tcp://:1 {\ntls off\nauth &local_authdb\nstorage &local_mailboxes\n}`).log, { kind: 'stderr' });
});

t.test('hibernate_after', async (t) => {
  const minimal = `${MODULES}imap tcp://:1 {\ntls off\nauth &local_authdb\nstorage &local_mailboxes\n}`;
  t.equal(load(minimal).hibernateAfterMs, undefined, 'absent: the server default applies');
  t.equal(load(`hibernate_after 90s\n${minimal}`).hibernateAfterMs, 90_000);
  t.equal(load(`hibernate_after 1m30s\n${minimal}`).hibernateAfterMs, 90_000);
  t.equal(load(`hibernate_after off\n${minimal}`).hibernateAfterMs, null, 'off: never');
  t.match(loadError(`hibernate_after 500ms\n${minimal}`), /gannet\.conf:1: hibernate_after must be at least 1s/);
  t.match(loadError(`hibernate_after soon\n${minimal}`), /gannet\.conf:1: hibernate_after: invalid duration/);
});

t.test('imap block options', async (t) => {
  const cfg = load(
    withImap(`    tls off
    io_debug yes
    io_errors true
    debug off
    insecure_auth no
    auth &local_authdb
    storage &local_mailboxes
    sasl_login
    trace_transitions trace/transitions.jsonl`),
  );
  const ep = cfg.imap[0] as ImapEndpointConfig;
  t.equal(ep.ioDebug, true);
  t.equal(ep.ioErrors, true);
  t.equal(ep.debug, false);
  t.equal(ep.insecureAuth, true, 'TLS off forces insecure_auth, as maddy does');
  t.equal(ep.saslLogin, true);
  t.equal(ep.traceTransitions, path.join(CWD, 'gannet-data/trace/transitions.jsonl'));

  const two = load(`${MODULES}
imap tcp://127.0.0.1:143 { 
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
imap tcp://127.0.0.1:144 {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
`);
  t.equal(two.imap.length, 2, 'several imap blocks');
});

t.test('modules: inline definitions, aliases, tables, helpers', async (t) => {
  const cfg = load(`auth.external ext {
    helper ../bin/check-password
    perdomain yes
    domains example.org example.com
}
auth.pam pam_users {
    use_helper yes
    debug yes
    helper /usr/local/bin/pam-helper
}
storage.lmdb mail other_name {
    path /var/mail/gannet
    appendlimit 64K
    junk_mailbox Spam
    default_mailboxes Sent Trash
}
imap tcp://127.0.0.1:1 {
    tls off
    auth pass_table lmdb creds
    storage &other_name
}
imap tcp://127.0.0.1:2 {
    tls off
    auth pass_table {
        table file users.txt
    }
    storage lmdb {
        path mail2
    }
}
imap tcp://127.0.0.1:3 {
    tls off
    auth auth.pass_table file {
        file /etc/gannet/passwd
    }
    storage &mail
}
`);
  t.same(cfg.auth.get('ext'), {
    kind: 'external',
    name: 'ext',
    helper: '/srv/bin/check-password',
    perDomain: true,
    domains: ['example.org', 'example.com'],
    source: { file: 'gannet.conf', line: 1 },
  });
  t.same(cfg.auth.get('pam_users'), {
    kind: 'pam',
    name: 'pam_users',
    helper: '/usr/local/bin/pam-helper',
    debug: true,
    source: { file: 'gannet.conf', line: 6 },
  });
  t.same(cfg.storage.get('mail'), {
    kind: 'lmdb',
    name: 'mail',
    path: '/var/mail/gannet',
    appendLimit: 64 * 1024,
    tombstoneRetention: { maxAge: 30 * 24 * 3_600_000, maxCount: 100_000 },
    searchIndex: true,
    junkMailbox: 'Spam',
    defaultMailboxes: ['Sent', 'Trash'],
    source: { file: 'gannet.conf', line: 11 },
  });
  t.notOk(cfg.storage.has('other_name'), 'an alias is not a second instance');

  const [ep1, ep2, ep3] = cfg.imap as [ImapEndpointConfig, ImapEndpointConfig, ImapEndpointConfig];
  t.equal(ep1.storage, 'mail', 'a reference by alias resolves to the instance name');
  t.same(cfg.auth.get(ep1.auth), {
    kind: 'pass_table',
    name: 'auth.pass_table@gannet.conf:19',
    table: { kind: 'lmdb', name: 'creds' },
    source: { file: 'gannet.conf', line: 19 },
  });
  t.same(cfg.auth.get(ep2.auth)?.kind === 'pass_table' && cfg.auth.get(ep2.auth), {
    kind: 'pass_table',
    name: 'auth.pass_table@gannet.conf:24',
    table: { kind: 'file', path: '/srv/gannet/users.txt' },
    source: { file: 'gannet.conf', line: 24 },
  });
  t.equal(ep2.storage, 'storage.lmdb@gannet.conf:27');
  t.equal(cfg.storage.get(ep2.storage)?.path, path.join(CWD, 'gannet-data/mail2'));
  const auth3 = cfg.auth.get(ep3.auth);
  t.same(auth3?.kind === 'pass_table' ? auth3.table : undefined, { kind: 'file', path: '/etc/gannet/passwd' });
  t.equal(ep3.storage, 'mail');
});

t.test('imports: paths relative to the file that names them', async (t) => {
  const dir = t.testdir({
    'gannet.conf':
      'import conf.d/tls.conf\nimport modules\nimap tls://127.0.0.1:993 {\n  auth &local_authdb\n  storage &local_mailboxes\n}\n',
    'conf.d': { 'tls.conf': 'tls file certs/cert.pem certs/key.pem\n' },
    'modules.conf': MODULES,
    'cycle.conf': 'import cycle2.conf\n',
    'cycle2.conf': '\nimport cycle.conf\n',
    'missing.conf': `${MODULES}imap tcp://:1 {\n  import tls-settings\n}\n`,
  });
  const cfg = loadConfig({ file: path.join(dir, 'gannet.conf'), env: {}, cwd: '/' });
  t.same(cfg.tls, {
    cert: path.join(dir, 'conf.d/certs/cert.pem'),
    key: path.join(dir, 'conf.d/certs/key.pem'),
    source: { file: path.join(dir, 'conf.d/tls.conf'), line: 1 },
  });
  t.equal(cfg.imap[0]?.tls, cfg.tls, 'the endpoint inherits the global tls');
  t.same(cfg.files, [path.join(dir, 'gannet.conf'), path.join(dir, 'conf.d/tls.conf'), path.join(dir, 'modules.conf')]);

  t.throws(() => loadConfig({ file: 'cycle.conf', cwd: dir, env: {} }), {
    name: 'ConfigError',
    message: 'cycle2.conf:2: import cycle: cycle.conf -> cycle2.conf -> cycle.conf',
  });
  t.throws(() => loadConfig({ file: 'missing.conf', cwd: dir, env: {} }), {
    name: 'ConfigError',
    message: 'missing.conf:8: import "tls-settings": no such snippet or file',
  });
});

t.test('TLS forms and option mapping', async (t) => {
  const tlsOf = (tlsText: string): unknown => load(withImap(`${tlsText}\nauth &local_authdb\nstorage &local_mailboxes`)).imap[0]?.tls;
  const at = { file: 'gannet.conf', line: 8 };
  t.same(tlsOf('tls cert.pem key.pem'), { cert: '/srv/gannet/cert.pem', key: '/srv/gannet/key.pem', source: at });
  t.same(tlsOf('tls file /c.pem /k.pem'), { cert: '/c.pem', key: '/k.pem', source: at });
  t.equal(tlsOf('tls off'), null);
  t.same(
    tlsOf(`tls file /c.pem /k.pem {
    protocols tls1.2 tls1.3
    ciphers ECDHE-RSA-WITH-AES128-GCM-SHA256 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ECDHE-RSA-WITH-CHACHA20-POLY1305
    curve X25519 p256 p384 p521
}`),
    {
      cert: '/c.pem',
      key: '/k.pem',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305',
      curves: 'X25519:prime256v1:secp384r1:secp521r1',
      source: at,
    },
  );
  t.same(
    tlsOf(`tls {
    loader file /c.pem /k.pem
    protocols tls1.3
    curves X25519
}`),
    { cert: '/c.pem', key: '/k.pem', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', curves: 'X25519', source: at },
  );
  t.same(tlsOf('tls cert.pem key.pem {\n  protocols tls1.0 tls1.1\n}'), {
    cert: '/srv/gannet/cert.pem',
    key: '/srv/gannet/key.pem',
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.1',
    source: at,
  });

  const tlsError = (tlsText: string): string => loadError(withImap(`${tlsText}\nauth &local_authdb\nstorage &local_mailboxes`));
  t.equal(
    tlsError('tls c k {\n  protocols tls1.4\n}'),
    'gannet.conf:9: invalid TLS version "tls1.4": use tls1.0, tls1.1, tls1.2 or tls1.3',
  );
  t.equal(tlsError('tls c k {\n  protocols tls1.3 tls1.2\n}'), 'gannet.conf:9: minimum TLS version tls1.3 is above the maximum tls1.2');
  t.equal(tlsError('tls c k {\n  ciphers AES-FOO\n}'), 'gannet.conf:9: unknown cipher "AES-FOO"');
  t.equal(
    tlsError('tls c k {\n  ciphers RSA-WITH-RC4128-SHA\n}'),
    "gannet.conf:9: cipher RSA-WITH-RC4128-SHA is not available in this Node.js build's OpenSSL",
  );
  t.equal(tlsError('tls c k {\n  curve p192\n}'), 'gannet.conf:9: unknown curve "p192": use X25519, p256, p384 or p521');
  t.equal(tlsError('tls c k {\n  cipher X\n}'), 'gannet.conf:9: unknown directive "cipher" in tls block');
  t.equal(tlsError('tls acme'), 'gannet.conf:8: TLS loader "acme" is not supported by Gannet; use "tls file CERT KEY"');
  t.equal(
    tlsError('tls file a b c d'),
    'gannet.conf:8: several certificates (SNI) are not supported by Gannet; give one certificate and key',
  );
  t.equal(
    tlsError('tls {\n  protocols tls1.2\n}'),
    'gannet.conf:8: tls needs a certificate and key: "tls CERT KEY", "tls file CERT KEY", a loader in its block, or "tls off"',
  );
});

t.test('errors name FILE:LINE', async (t) => {
  const auth = 'auth &local_authdb';
  const storage = 'storage &local_mailboxes';
  t.equal(loadError(withImap(`tls off\ntsl off\n${auth}\n${storage}`)), 'gannet.conf:9: unknown directive "tsl" in imap block');
  t.equal(loadError(withImap(`tls off\nauth &nope\n${storage}`)), 'gannet.conf:9: unknown module reference "&nope"');
  t.equal(
    loadError(withImap(`tls off\nauth &local_mailboxes\n${storage}`)),
    'gannet.conf:9: &local_mailboxes is a storage module, not an auth module',
  );
  t.equal(loadError(withImap(`tls off\n${storage}`)), 'gannet.conf:7: imap block needs an auth directive, like "auth &local_authdb"');
  t.equal(loadError(withImap(`tls off\n${auth}`)), 'gannet.conf:7: imap block needs a storage directive, like "storage &local_mailboxes"');
  t.equal(
    loadError(withImap(`${auth}\n${storage}`)),
    'gannet.conf:7: imap block needs a tls directive (here or at top level); write "tls off" to serve without TLS',
  );
  t.equal(
    loadError(withImap(`tls off\n${auth}\n${storage}`, 'tcp://127.0.0.1:143 tls://127.0.0.1:993')),
    'gannet.conf:7: tls://127.0.0.1:993 needs TLS, but TLS is off for this imap block',
  );
  t.equal(
    loadError(`tls off\n${withImap(`${auth}\n${storage}`, 'tls://127.0.0.1:993')}`),
    'gannet.conf:8: tls://127.0.0.1:993 needs TLS, but TLS is off for this imap block',
    'global tls off',
  );
  t.equal(loadError(withImap(`tls off\nio_debug maybe\n${auth}\n${storage}`)), 'gannet.conf:9: io_debug: expected yes or no, got "maybe"');
  t.equal(
    loadError(withImap(`tls off\ntls off\n${auth}\n${storage}`)),
    'gannet.conf:9: duplicate directive "tls" in imap block (first at line 8)',
  );
  t.equal(
    loadError('storage.lmdb m {\n  appendlimit 32Q\n}'),
    'gannet.conf:2: appendlimit: unknown size unit "Q" in "32Q": use G, M, K or B',
  );
  t.equal(
    loadError('storage.lmdb m {\n  appendlimit 1024\n}'),
    'gannet.conf:2: appendlimit: size "1024" needs a unit suffix: G, M, K or B',
  );
  t.equal(loadError(`${MODULES}imap {\n}`), 'gannet.conf:7: imap needs at least one address, like tcp://0.0.0.0:143');
  t.equal(
    loadError(withImap(`tls off\n${auth}\n${storage}`, 'tcp://::1:143')),
    'gannet.conf:7: invalid address "tcp://::1:143": expected tcp://HOST:PORT (write IPv6 addresses in brackets: [::1]:143)',
  );
  t.equal(
    loadError(withImap(`tls off\n${auth}\n${storage}`, 'http://x:1')),
    'gannet.conf:7: unsupported address scheme in "http://x:1": use tcp://, tls:// or unix://',
  );
  t.equal(loadError('frobnicate 1'), 'gannet.conf:1: unknown directive "frobnicate"');
  t.equal(
    loadError('pass_table x {\n}'),
    'gannet.conf:1: unknown directive "pass_table"; a top-level module definition is written auth.pass_table',
  );
  t.equal(loadError('hostname a\nhostname b'), 'gannet.conf:2: duplicate directive "hostname" (first at gannet.conf:1)');
  t.equal(loadError(`${MODULES}auth.pam local_authdb {\n}`), 'gannet.conf:7: module name "local_authdb" is already used at gannet.conf:2');
  t.equal(loadError('state_dir {env:UNSET}'), 'gannet.conf:1: state_dir must not be empty');
  t.equal(loadError('log syslog'), 'gannet.conf:1: log syslog is not supported by Gannet; use stderr and the service manager');
  t.equal(loadError('auth.external x {\n  perdomain yes\n}'), 'gannet.conf:1: auth.external needs a helper: "helper /path/to/program"');
  t.equal(loadError(MODULES), 'gannet.conf: no imap block, so Gannet would serve nothing');
  t.equal(
    loadError(withImap(`tls off\nauth_map email_localpart\n${auth}\n${storage}`)),
    'gannet.conf:9: auth_map email_localpart is not supported by Gannet; only "identity" (login names are used as they are)',
  );
  t.equal(
    loadError(
      `${MODULES}imap tcp://127.0.0.1:1 {\ntls off\n${auth}\n${storage}\n}\nimap tcp://127.0.0.1:1 {\ntls off\n${auth}\n${storage}\n}`,
    ),
    'gannet.conf:12: address tcp://127.0.0.1:1 is already used by the imap block at gannet.conf:7',
  );
});

t.test('maddy modules Gannet lacks are named as unsupported', async (t) => {
  t.equal(
    loadError('smtp tcp://0.0.0.0:25 {\n}'),
    'gannet.conf:1: smtp is not supported by Gannet: Gannet is an IMAP server; keep mail delivery in maddy or another MTA',
  );
  t.equal(
    loadError('submission tcp://0.0.0.0:587 {\n}'),
    'gannet.conf:1: submission is not supported by Gannet: Gannet is an IMAP server; keep message submission in maddy or another MTA',
  );
  t.equal(loadError('target.queue remote_queue {\n}'), 'gannet.conf:1: module target.queue is not supported by Gannet');
  t.equal(
    loadError('storage.imapsql local_mailboxes {\n  driver sqlite3\n}'),
    'gannet.conf:1: module storage.imapsql is not supported by Gannet; use storage.lmdb',
  );
  t.equal(
    loadError('auth.ldap x {\n}'),
    'gannet.conf:1: module auth.ldap is not supported by Gannet (supported: auth.pass_table, auth.external, auth.pam)',
  );
  t.equal(
    loadError('auth.pass_table local_authdb {\n  table sql_table {\n    driver sqlite3\n  }\n}'),
    'gannet.conf:2: table module "sql_table" is not supported by Gannet; use "table lmdb NAME" or "table file PATH"',
  );
  t.equal(
    loadError(withImap('tls off\nauth dummy\nstorage &local_mailboxes')),
    'gannet.conf:9: module auth.dummy is not supported by Gannet (supported: auth.pass_table, auth.external, auth.pam)',
  );
});

t.test('describeConfig summarizes endpoints, modules, state dir and log', async (t) => {
  const cfg = load(`hostname mx.example.org
${MODULES}
imap tcp://0.0.0.0:143 tls://0.0.0.0:993 {
    tls /etc/ssl/cert.pem /etc/ssl/key.pem {
        protocols tls1.2 tls1.3
    }
    auth &local_authdb
    storage &local_mailboxes
}
`);
  t.equal(
    describeConfig(cfg),
    `configuration: /srv/gannet/gannet.conf
state directory: /srv/gannet/gannet-data
runtime directory: /srv/gannet/gannet-data/run
hostname: mx.example.org
log: stderr

imap endpoint 1 (gannet.conf:9):
  listen tcp://0.0.0.0:143 (plaintext with STARTTLS)
  listen tls://0.0.0.0:993 (implicit TLS)
  tls: cert /etc/ssl/cert.pem
       key  /etc/ssl/key.pem
       versions TLSv1.2 to TLSv1.3
  insecure_auth: no
  auth: local_authdb (pass_table over lmdb table "credentials")
  storage: local_mailboxes (lmdb at /srv/gannet/gannet-data/mail, appendlimit 32M, junk "Junk", default mailboxes Sent Drafts Trash Junk Archive)
`,
  );
  const plain = describeConfig(loadConfig({ env: {}, cwd: CWD }));
  t.match(plain, /configuration: built-in default\n/);
  t.match(plain, / {2}tls: off\n {2}insecure_auth: yes \(passwords may cross the network unencrypted\)\n/);
});

t.test('storage.lmdb tombstone_retention and tombstone_limit (CONDSTORE/QRESYNC resynchronisation)', async (t) => {
  const block = (lines: string) =>
    `${MODULES.replace('storage.lmdb local_mailboxes {', `storage.lmdb local_mailboxes {\n${lines}`)}imap tcp://:1 {\ntls off\nauth &local_authdb\nstorage &local_mailboxes\n}`;
  const cfg = load(block('    tombstone_retention 48h\n    tombstone_limit 500'));
  t.same(cfg.storage.get('local_mailboxes')!.tombstoneRetention, { maxAge: 48 * 3_600_000, maxCount: 500 });
  t.match(loadError(block('    tombstone_retention 0')), /tombstone_retention must be above zero/);
  t.match(loadError(block('    tombstone_retention 3d')), /tombstone_retention: unknown unit "d"/);
  t.match(loadError(block('    tombstone_limit 0')), /tombstone_limit must be a whole number above zero/);
  t.match(loadError(block('    tombstone_limit many')), /tombstone_limit must be a whole number above zero/);
});

t.test('storage.lmdb search_index (the SEARCH text index, default yes)', async (t) => {
  const block = (lines: string) =>
    `${MODULES.replace('storage.lmdb local_mailboxes {', `storage.lmdb local_mailboxes {\n${lines}`)}imap tcp://:1 {\ntls off\nauth &local_authdb\nstorage &local_mailboxes\n}`;
  t.equal(load(block('')).storage.get('local_mailboxes')!.searchIndex, true);
  t.equal(load(block('    search_index no')).storage.get('local_mailboxes')!.searchIndex, false);
  t.match(loadError(block('    search_index maybe')), /search_index/);
});
