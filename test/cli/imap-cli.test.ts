// `gannet imap-acct`, `imap-mboxes` and `imap-msgs` end to end against a real store, with
// injected streams.

import t, { type Test } from 'tap';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { GannetConfig, StorageModuleConfig } from '../../src/config/schema.js';
import type { CliContext } from '../../src/cli/context.js';
import { imapAcctCommand } from '../../src/cli/imap-acct.js';
import { defaultMailboxesFor } from '../../src/storage/default-mailboxes.js';
import { imapMboxesCommand } from '../../src/cli/imap-mboxes.js';
import { imapMsgsCommand } from '../../src/cli/imap-msgs.js';
import { indexCommand } from '../../src/cli/index-cmd.js';
import { decodeEncodedWords } from '../../src/cli/imap-headers.js';
import { openMailStore } from '../../src/storage/index.js';
import { storageConfig } from '../storage/fixture.js';

function config(modules: StorageModuleConfig[]): GannetConfig {
  return {
    stateDir: '/nonexistent',
    runtimeDir: '/nonexistent',
    hostname: 'mx.example.org',
    debug: false,
    log: { kind: 'off' },
    tls: null,
    workerThreads: null,
    auth: new Map(),
    storage: new Map(modules.map((m) => [m.name, m])),
    imap: [],
    files: ['test.conf'],
  };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

type Command = (argv: string[], ctx: CliContext) => Promise<number>;

async function run(cfg: GannetConfig, command: Command, argv: string[], input: string | Buffer = ''): Promise<Run> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  let err = '';
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdin.end(input);
  const code = await command(argv, { config: cfg, stdin, stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: err };
}

function setup(t: Test) {
  const module = storageConfig(join(t.testdir(), 'mail'));
  const cfg = config([module]);
  return {
    module,
    acct: (argv: string[], input?: string) => run(cfg, imapAcctCommand, argv, input),
    mboxes: (argv: string[], input?: string) => run(cfg, imapMboxesCommand, argv, input),
    msgs: (argv: string[], input?: string | Buffer) => run(cfg, imapMsgsCommand, argv, input),
  };
}

t.test('defaultMailboxesFor maps special-use by name', async (t) => {
  const module = storageConfig('/x', { defaultMailboxes: ['Sent', 'drafts', 'Spam', 'Papers', 'Archive'], junkMailbox: 'Spam' });
  t.same(defaultMailboxesFor(module, true), [
    { name: 'Sent', specialUse: '\\Sent' },
    { name: 'drafts', specialUse: '\\Drafts' },
    { name: 'Spam', specialUse: '\\Junk' },
    { name: 'Papers', specialUse: null },
    { name: 'Archive', specialUse: '\\Archive' },
  ]);
  t.ok(defaultMailboxesFor(module, false).every((m) => m.specialUse === null));
});

t.test('imap-acct', async (t) => {
  const { acct, mboxes, module } = setup(t);
  let r = await acct(['list']);
  t.same([r.code, r.stdout, r.stderr], [0, '', 'No accounts.\n']);
  r = await acct(['create', 'Alice@Example.org']);
  t.equal(r.code, 0, r.stderr);
  r = await acct(['create', 'alice@example.org']);
  t.same([r.code, r.stderr], [1, 'gannet imap-acct: account alice@example.org already exists\n']);
  r = await acct(['create', '--no-specialuse', 'bob@example.org']);
  t.equal(r.code, 0);
  r = await acct(['list']);
  t.equal(r.stdout, 'alice@example.org\nbob@example.org\n');

  r = await mboxes(['list', 'alice@example.org']);
  t.equal(r.stdout, 'Archive\t\\Archive\nDrafts\t\\Drafts\nINBOX\nJunk\t\\Junk\nSent\t\\Sent\nTrash\t\\Trash\n');
  r = await mboxes(['list', 'bob@example.org']);
  t.equal(r.stdout, 'Archive\nDrafts\nINBOX\nJunk\nSent\nTrash\n');

  r = await acct(['appendlimit', 'alice@example.org']);
  t.same([r.code, r.stdout], [0, `${module.appendLimit}\n`]);
  r = await acct(['appendlimit', 'ALICE@example.org', '2M']);
  t.equal(r.code, 0, r.stderr);
  r = await acct(['appendlimit', 'alice@example.org']);
  t.equal(r.stdout, `${2 * 1024 * 1024}\n`);
  r = await acct(['appendlimit', 'alice@example.org', '--reset']);
  t.equal(r.code, 0);
  r = await acct(['appendlimit', 'alice@example.org']);
  t.equal(r.stdout, `${module.appendLimit}\n`);
  r = await acct(['appendlimit', 'alice@example.org', '0']);
  t.equal(r.code, 2);
  r = await acct(['appendlimit', 'alice@example.org', '5', '--reset']);
  t.equal(r.code, 2);

  r = await acct(['remove', 'bob@example.org'], 'n\n');
  t.same([r.code, r.stderr.includes('cancelled')], [1, true]);
  r = await acct(['remove', 'bob@example.org'], 'yes\n');
  t.equal(r.code, 0);
  r = await acct(['remove', '--yes', 'bob@example.org']);
  t.same(
    [r.code, r.stderr],
    [1, "gannet imap-acct: no account bob@example.org (create it with 'gannet imap-acct create bob@example.org')\n"],
  );

  r = await acct(['frobnicate']);
  t.equal(r.code, 2);
  r = await acct(['list', '--yes']);
  t.same([r.code, r.stderr.startsWith("gannet imap-acct: --yes is not an option of 'list'")], [2, true]);
  r = await acct(['create']);
  t.equal(r.code, 2);
  r = await acct(['list', '--cfg-block', 'other']);
  t.same([r.code, r.stderr], [1, "gannet imap-acct: no storage module named 'other' (configured: local_mailboxes)\n"]);
});

t.test('imap-mboxes', async (t) => {
  const { acct, mboxes, msgs, module } = setup(t);
  await acct(['create', '--no-specialuse', 'alice@example.org']);
  let r = await mboxes(['create', '--special', 'archive', 'alice@example.org', 'Old/2023']);
  t.equal(r.code, 0, r.stderr);
  r = await mboxes(['create', 'alice@example.org', 'Old/2023']);
  t.same([r.code, r.stderr], [1, 'gannet imap-mboxes: Mailbox Old/2023 already exists\n']);
  r = await mboxes(['create', '--special', 'bogus', 'alice@example.org', 'X']);
  t.equal(r.code, 2);
  r = await mboxes(['create', 'alice@example.org', 'bad/']);
  t.equal(r.code, 1);
  r = await msgs(['add', 'alice@example.org', 'Old'], 'Subject: x\n\nhello\n');
  t.equal(r.code, 0);

  r = await mboxes(['remove', '--yes', 'alice@example.org', 'Old']);
  t.equal(r.code, 0);
  t.match(r.stderr, /stays as \\Noselect/);
  r = await mboxes(['list', 'alice@example.org']);
  t.match(r.stdout, /^Old\t\\Noselect\nOld\/2023\t\\Archive\n/m);
  r = await mboxes(['remove', '--yes', 'alice@example.org', 'Old']);
  t.same([r.code, r.stderr], [1, 'gannet imap-mboxes: Mailbox Old has inferior mailboxes\n']);
  r = await mboxes(['remove', '--yes', 'alice@example.org', 'INBOX']);
  t.same([r.code, r.stderr], [1, 'gannet imap-mboxes: INBOX cannot be deleted\n']);

  r = await mboxes(['rename', 'alice@example.org', 'Old', 'Attic/Old']);
  t.equal(r.code, 0, r.stderr);
  r = await mboxes(['list', 'alice@example.org']);
  t.match(r.stdout, /^Attic\nAttic\/Old\t\\Noselect\nAttic\/Old\/2023\t\\Archive\n/m);
  r = await mboxes(['rename', 'alice@example.org', 'Nope', 'X']);
  t.equal(r.code, 1);
  r = await mboxes(['rename', 'alice@example.org', 'Attic', 'Trash']);
  t.same([r.code, r.stderr], [1, 'gannet imap-mboxes: Mailbox Trash already exists\n']);

  const store = openMailStore(module);
  const account = store.getAccount('alice@example.org')!;
  await store.setSubscribed(account.id, 'Gone', true);
  await store.setSubscribed(account.id, 'INBOX', true);
  await store.close();
  r = await mboxes(['list', '--subscribed', 'alice@example.org']);
  t.equal(r.stdout, 'Gone\nINBOX\n');
  r = await mboxes(['list', 'alice@example.org']);
  t.match(r.stdout, /^INBOX\t\\Subscribed$/m);
});

t.test('imap-msgs', async (t) => {
  const { acct, mboxes, msgs } = setup(t);
  await acct(['create', '--no-specialuse', 'alice@example.org']);
  const mail = (n: number) =>
    `From: Bob <bob@example.org>\nTo: alice@example.org\nSubject: =?UTF-8?Q?M=C3=A9ssage?= ${n}\nMessage-ID: <${n}@example.org>\n\nBody ${n}\n`;

  let r = await msgs(
    ['add', '--flag', '\\seen', '--flag', 'Work', '--date', '02-Jan-2024 10:00:00 +0100', 'alice@example.org', 'INBOX'],
    mail(1),
  );
  t.same([r.code, r.stdout], [0, '1\n'], r.stderr);
  for (let n = 2; n <= 5; n++) {
    r = await msgs(['add', 'alice@example.org', 'inbox'], mail(n));
    t.equal(r.stdout, `${n}\n`);
  }
  r = await msgs(['add', 'alice@example.org', 'INBOX'], '');
  t.equal(r.code, 1);
  r = await msgs(['add', '--date', 'yesterday', 'alice@example.org', 'INBOX'], mail(9));
  t.equal(r.code, 2);
  r = await msgs(['add', '--flag', '\\Recent', 'alice@example.org', 'INBOX'], mail(9));
  t.equal(r.code, 2);
  r = await msgs(['add', 'alice@example.org', 'Nope'], mail(9));
  t.same([r.code, r.stderr], [1, 'gannet imap-msgs: no mailbox "Nope" in account alice@example.org\n']);

  r = await msgs(['list', 'alice@example.org', 'INBOX', '1']);
  const size = Buffer.byteLength(mail(1).replace(/\n/g, '\r\n'));
  t.equal(r.stdout, `1\t2024-01-02T09:00:00.000Z\t${size}\t(\\Seen Work)\t2\tMéssage 1\n`, 'the MODSEQ is the fifth column');
  r = await msgs(['list', '--full', 'alice@example.org', 'INBOX', '1']);
  t.match(
    r.stdout,
    /\n {2}From: Bob <bob@example.org>\n {2}To: alice@example.org\n {2}Message-ID: <1@example.org>\n {2}Modseq: 2\n {2}Saved: \d{4}-\d\d-\d\dT[\d:.]+Z\n$/,
  );
  r = await msgs(['list', 'alice@example.org', 'INBOX']);
  t.equal(r.stdout.split('\n').length - 1, 5);

  r = await msgs(['dump', 'alice@example.org', 'INBOX', '2']);
  t.equal(r.stdout, mail(2).replace(/\n/g, '\r\n'), 'stored with CRLF line ends');

  r = await msgs(['remove', '--yes', 'alice@example.org', 'INBOX', '2,4']);
  t.equal(r.code, 0);
  r = await msgs(['list', '--seq', 'alice@example.org', 'INBOX', '2:3']);
  t.same(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]),
    ['3', '5'],
    'sequence numbers map to UIDs',
  );
  r = await msgs(['dump', '--seq', 'alice@example.org', 'INBOX', '9']);
  t.equal(r.code, 1);
  r = await msgs(['remove', '--yes', 'alice@example.org', 'INBOX', '2']);
  t.same([r.code, r.stderr], [1, 'gannet imap-msgs: no message in INBOX matches 2\n']);
  r = await msgs(['remove', '--yes', 'alice@example.org', 'INBOX', 'x:y']);
  t.equal(r.code, 2);

  await mboxes(['create', 'alice@example.org', 'Saved']);
  r = await msgs(['copy', 'alice@example.org', 'INBOX', '1:*', 'Saved']);
  t.same([r.code, r.stderr], [0, 'Copied 3 message(s) to Saved (UIDs 1:3).\n']);
  r = await msgs(['move', '--seq', 'alice@example.org', 'Saved', '1', 'INBOX']);
  t.same([r.code, r.stderr], [0, 'Moved 1 message(s) to INBOX (UIDs 6).\n']);
  r = await msgs(['list', 'alice@example.org', 'INBOX', '6']);
  t.match(r.stdout, /^6\t2024-01-02T09:00:00.000Z\t\d+\t\(\\Seen Work\)\t\d+\tMéssage 1\n$/, 'flags and date survive copy and move');

  const modseqOf = async (uid: string) => Number((await msgs(['list', 'alice@example.org', 'INBOX', uid])).stdout.split('\t')[4]);
  const before = await modseqOf('3');
  r = await msgs(['add-flags', 'alice@example.org', 'INBOX', '3,5', '\\Flagged', 'urgent']);
  t.same([r.code, r.stderr], [0, 'Changed the flags of 2 of 2 message(s).\n']);
  t.ok((await modseqOf('3')) > before, 'a flag change made with the CLI gets a new MODSEQ (RFC 7162 §3.1)');
  r = await msgs(['rem-flags', 'alice@example.org', 'INBOX', '*', 'URGENT']);
  t.equal(r.stderr, 'Changed the flags of 0 of 1 message(s).\n', '* is the highest UID (6)');
  r = await msgs(['rem-flags', 'alice@example.org', 'INBOX', '5', 'URGENT']);
  t.equal(r.stderr, 'Changed the flags of 1 of 1 message(s).\n', 'keywords are case-insensitive');
  r = await msgs(['set-flags', 'alice@example.org', 'INBOX', '3']);
  t.equal(r.code, 0);
  r = await msgs(['list', 'alice@example.org', 'INBOX', '3,5']);
  t.same(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[3]),
    ['()', '(\\Flagged)'],
  );
  r = await msgs(['add-flags', 'alice@example.org', 'INBOX', '3']);
  t.equal(r.code, 2);
  r = await msgs(['add-flags', 'alice@example.org', 'INBOX', '3', '\\Bogus']);
  t.same([r.code, r.stderr], [1, 'gannet imap-msgs: Unknown system flag \\Bogus\n']);

  await acct(['appendlimit', 'alice@example.org', '100']);
  r = await msgs(['add', 'alice@example.org', 'INBOX'], 'Subject: big\n\n' + 'x'.repeat(200));
  t.same([r.code, /over the limit of 100 bytes/.test(r.stderr)], [1, true]);
});

t.test('encoded words', async (t) => {
  t.equal(decodeEncodedWords('=?utf-8?B?w6k=?= =?ISO-8859-1?Q?=E9_x?= plain'), 'éé x plain');
  t.equal(decodeEncodedWords('=?x-unknown?Q?a?='), '=?x-unknown?Q?a?=');
});

t.test('index status and rebuild', async (t) => {
  const { acct, mboxes, msgs, module } = setup(t);
  const index = (argv: string[]) => run(config([module]), indexCommand, argv);
  await acct(['create', 'ann']);
  await mboxes(['create', 'ann', 'Work']);
  for (let i = 0; i < 3; i++) await msgs(['add', 'ann', 'Work'], `Subject: m${i}\r\n\r\nquarterly report ${i}\r\n`);
  let r = await index(['status', 'ann', 'Work']);
  t.same([r.code, r.stdout], [0, 'Work\t3 messages\t0 indexed\t0 segments\t0 B\n'], 'nothing indexed without a server');
  r = await index(['rebuild', 'ann', 'Work']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^Work\t3 of 3 messages indexed\t1 segments\t\d+(\.\d)? (B|KiB)\n$/);
  r = await index(['status', 'ann']);
  t.match(r.stdout, /^INBOX\t0 messages\t0 indexed\t0 segments\t0 B\n/m, 'every mailbox of the account');
  t.match(r.stdout, /^Work\t3 messages\t3 indexed\t1 segments\t/m);
  const store = openMailStore(module);
  t.teardown(() => store.close());
  const account = store.getAccount('ann')!;
  const work = store.getMailbox(account.id, 'Work')!;
  const grams = (await import('../../src/search/grams.js')).needleGrams('quarterly');
  t.same([...store.textLookup(work.id, [grams]).candidates[0]!], [1, 2, 3], 'the rebuilt index finds the messages');
  r = await index(['status', 'nobody']);
  t.equal(r.code, 1);
  r = await index(['frobnicate', 'ann']);
  t.equal(r.code, 2, 'an unknown verb is a usage error');
});
