// The pure rules of delivery: filter argument expansion (one pass, never a shell), filter
// output (maddy-imap-filters(5) plus validation), combining filters, recipient mapping
// (maddy's delivery_normalize and delivery_map), ORCPT (RFC 3461 §4.2), the Received value,
// the filter worker itself, and the configuration directives.

import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { combineDecisions, expandArgs, parseFilterOutput, type PlaceholderValues } from '../../src/delivery/filters.js';
import { accountNameFor, normalizeRecipient, openRecipientMap } from '../../src/delivery/recipients.js';
import { orcptAddress } from '../../src/delivery/lmtp-server.js';
import { receivedValue, rfc5322Date, toCrlf } from '../../src/delivery/headers.js';
import { exitStatus } from '../../src/cli/deliver.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import runFilter from '../../workers/filter.js';

const values: PlaceholderValues = {
  source_ip: '192.0.2.1',
  source_host: 'helo.example',
  source_rdns: '',
  msg_id: 'abc',
  auth_user: '',
  sender: 's@example.org',
  rcpt_to: 'r@example.org',
  original_rcpt_to: 'o@example.org',
  address: 'r@example.org',
  subject: '{account_name} $(id) `x` "q"\u0000end',
  account_name: 'acct',
};

t.test('expandArgs: one pass, unknown names kept, values never re-expanded, NUL dropped', async (t) => {
  t.same(expandArgs(['{account_name}', 'x-{rcpt_to}-{original_rcpt_to}', '{nope}', '{subject}', '{{sender}}'], values), [
    'acct',
    'x-r@example.org-o@example.org',
    '{nope}',
    '{account_name} $(id) `x` "q"end',
    '{s@example.org}',
  ]);
});

t.test('parseFilterOutput', async (t) => {
  t.same(parseFilterOutput(''), { folder: null, flags: [], warnings: [] }, 'no output: no effect');
  t.same(parseFilterOutput('Junk\n'), { folder: 'Junk', flags: [], warnings: [] });
  t.same(parseFilterOutput('\n$Label1\n'), { folder: null, flags: ['$Label1'], warnings: [] }, 'empty first line: flags only');
  t.same(parseFilterOutput('inbox/Sub\r\n\\seen\r\n\r\n'), { folder: 'INBOX/Sub', flags: ['\\Seen'], warnings: [] });
  const bad = parseFilterOutput('a//b\nbad flag\n\\Recent\n\\Custom\nok');
  t.equal(bad.folder, null);
  t.same(bad.flags, ['ok']);
  t.equal(bad.warnings.length, 4);
  for (const f of ['/x', 'x/', 'a*', 'b%', 'c\u0001'])
    t.equal(parseFilterOutput(`${f}\n`).folder, null, `folder ${JSON.stringify(f)} refused`);
});

t.test('combineDecisions: first folder wins, flags of all added once', async (t) => {
  t.same(
    combineDecisions([
      { folder: null, flags: ['$A'], warnings: [] },
      { folder: 'One', flags: ['$b', '$a'], warnings: [] },
      { folder: 'Two', flags: ['\\Flagged'], warnings: [] },
    ]),
    { folder: 'One', flags: ['$A', '$b', '\\Flagged'] },
  );
});

t.test('recipient normalisation and maps', async (t) => {
  t.equal(normalizeRecipient('Ali\u0301ce@EXAMPLE.org', 'precis_casefold_email'), 'al\u00edce@example.org');
  t.equal(normalizeRecipient('Alice@xn--bcher-kva.example', 'precis_email'), 'Alice@bücher.example');
  t.equal(normalizeRecipient('Alice@X', 'noop'), 'Alice@X');
  const identity = openRecipientMap(undefined, '/nonexistent');
  t.equal(await accountNameFor('Alice@Example.org', 'precis_casefold_email', identity), 'alice@example.org');
  const local = openRecipientMap({ kind: 'email_localpart', optional: false }, '/nonexistent');
  t.equal(await accountNameFor('"Bob Smith"@example.org', 'noop', local), 'bob smith');
  t.equal(await accountNameFor('bob', 'noop', local), null, 'email_localpart: not an address, no entry');
  const optional = openRecipientMap({ kind: 'email_localpart', optional: true }, '/nonexistent');
  t.equal(await accountNameFor('bob', 'noop', optional), 'bob');
  const fixed = openRecipientMap({ kind: 'static', entries: [['postmaster@example.org', 'Admin']] }, '/nonexistent');
  t.equal(await accountNameFor('Postmaster@example.org', 'precis_casefold_email', fixed), 'admin');
  t.equal(await accountNameFor('other@example.org', 'precis_casefold_email', fixed), null);
  const dir = t.testdir({ aliases: 'sales@example.org: carol\n# comment\n' });
  const file = openRecipientMap({ kind: 'table', table: { kind: 'file', path: join(dir, 'aliases') } }, dir);
  t.equal(await accountNameFor('SALES@example.org', 'precis_casefold_email', file), 'carol');
  await file.close();
});

t.test('ORCPT (RFC 3461 §4.2) decoding', async (t) => {
  t.equal(orcptAddress('rfc822;a+2Bb@example.org'), 'a+b@example.org');
  t.equal(orcptAddress('RFC822;x@y'), 'x@y');
  t.equal(orcptAddress('x400;whatever'), null);
  t.equal(orcptAddress(undefined), null);
});

t.test('trace fields', async (t) => {
  const date = new Date(Date.UTC(2024, 0, 5, 7, 8, 9));
  t.equal(rfc5322Date(date), 'Fri, 5 Jan 2024 07:08:09 +0000');
  const base = {
    hostname: 'mx.example',
    sender: 'a@b',
    heloName: 'h\r\nX-Injected: 1',
    sourceIp: '192.0.2.1',
    sourceRdns: '',
    protocol: 'LMTP',
    id: 'id1',
    date,
  };
  t.equal(
    receivedValue(base),
    'from hX-Injected: 1 ([192.0.2.1]) by mx.example (envelope-sender <a@b>) with LMTP id id1; Fri, 5 Jan 2024 07:08:09 +0000',
  );
  t.equal(
    receivedValue({ ...base, heloName: '', sourceIp: '', sender: '', protocol: 'local' }),
    'by mx.example with local id id1; Fri, 5 Jan 2024 07:08:09 +0000',
  );
  t.equal(toCrlf(Buffer.from('a\nb\r\nc\n')).toString(), 'a\r\nb\r\nc\r\n');
});

t.test('exit status: a retry beats a bounce', async (t) => {
  const ok = { status: 'delivered', account: 'a', mailbox: 'INBOX', uid: 1 } as const;
  t.equal(exitStatus([ok]), 0);
  t.equal(exitStatus([ok, { status: 'unknown', text: '' }]), 67);
  t.equal(
    exitStatus([
      { status: 'unknown', text: '' },
      { status: 'temporary', code: 451, text: '' },
    ]),
    75,
  );
});

t.test('the filter worker: stdin, stdout, stderr, exit status, missing program', async (t) => {
  const dir = t.testdir();
  const script = join(dir, 'echo.sh');
  writeFileSync(script, '#!/bin/sh\nhead -c 5\necho\necho "$1"\necho warn >&2\nexit 3\n');
  chmodSync(script, 0o755);
  const out = await runFilter({
    executable: script,
    args: ['a b; c'],
    stdin: Buffer.from('hello world'),
    timeoutMs: 5000,
    maxOutputBytes: 1024,
  });
  t.equal(out.stdout, 'hello\na b; c\n');
  t.equal(out.stderr, 'warn\n');
  t.equal(out.exitCode, 3);
  t.equal(out.timedOut, false);
  const missing = await runFilter({ executable: join(dir, 'nope'), args: [], stdin: Buffer.alloc(0), timeoutMs: 1000, maxOutputBytes: 10 });
  t.equal(missing.spawnError, 'ENOENT');
  const big = await runFilter({ executable: 'yes', args: ['x'], stdin: Buffer.alloc(0), timeoutMs: 300, maxOutputBytes: 10 });
  t.equal(big.stdout.length, 10);
  t.ok(big.truncated && big.timedOut);
});

const BASE = `
state_dir /tmp/gannet-x
auth.pass_table local_authdb { table lmdb credentials }
imap tcp://127.0.0.1:1143 { tls off
 auth &local_authdb
 storage &local_mailboxes }
`;

t.test('configuration: storage delivery directives and the lmtp block', async (t) => {
  const cfg = loadConfig({
    cwd: '/etc/gannet',
    text: `${BASE}
storage.lmdb local_mailboxes {
    delivery_normalize casefold
    delivery_map static {
        entry alice@example.org alice
        entry alice@example.org alicia
    }
    imap_filter {
        command ./sieve.sh {account_name} { timeout 5s }
        command spamc-wrapper {subject}
    }
}
lmtp tcp://127.0.0.1:2424 unix://lmtp.sock {
    hostname mx.example.org
    max_message_size 64M
    deliver_to &local_mailboxes
    quarantine_header X-Spam-Flag YES
    trusted_forwarders 127.0.0.1 ::1
}
`,
  });
  const s = cfg.storage.get('local_mailboxes')!;
  t.equal(s.deliveryNormalize, 'casefold');
  t.same(s.deliveryMap, { kind: 'static', entries: [['alice@example.org', 'alicia']] }, 'the last entry wins');
  t.same(
    s.imapFilters?.map((f) => [f.executable, f.args, f.timeoutMs]),
    [
      ['/etc/gannet/sieve.sh', ['{account_name}'], 5000],
      ['spamc-wrapper', ['{subject}'], 30_000],
    ],
  );
  const ep = cfg.lmtp![0]!;
  t.equal(ep.hostname, 'mx.example.org');
  t.equal(ep.maxMessageSize, 64 * 1024 * 1024);
  t.equal(ep.storage, 'local_mailboxes');
  t.same(ep.quarantineHeader, { name: 'X-Spam-Flag', value: 'YES' });
  t.same(ep.trustedForwarders, ['127.0.0.1', '::1']);
  t.same(
    ep.addresses.map((a) => a.original),
    ['tcp://127.0.0.1:2424', 'unix://lmtp.sock'],
  );
});

t.test('configuration mistakes are reported with file:line', async (t) => {
  const bad = (text: string, re: RegExp): void => {
    try {
      loadConfig({ text: `${BASE}\n${text}` });
      t.fail(`accepted: ${text}`);
    } catch (err) {
      t.ok(err instanceof ConfigError && re.test(err.message) && /:\d+: /.test(err.message), `${re}: ${(err as Error).message}`);
    }
  };
  bad('storage.lmdb local_mailboxes { delivery_normalize fancy }', /unknown normalization "fancy"/);
  bad('storage.lmdb local_mailboxes { delivery_map regexp a b }', /not supported for delivery_map/);
  bad('storage.lmdb local_mailboxes { imap_filter { } }', /needs at least one filter/);
  bad('storage.lmdb local_mailboxes { imap_filter { command /x { timeout 0s } } }', /timeout must be above zero/);
  bad('storage.lmdb local_mailboxes { }\nlmtp tcp://127.0.0.1:2424 { }', /needs a deliver_to/);
  bad('storage.lmdb local_mailboxes { }\nlmtp tcp://127.0.0.1:1143 { deliver_to &local_mailboxes }', /already used by the imap block/);
  bad(
    'storage.lmdb local_mailboxes { }\nlmtp tcp://127.0.0.1:2424 { deliver_to &local_mailboxes\n tls off }',
    /tls in lmtp block is not supported/,
  );
});
