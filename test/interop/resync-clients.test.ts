// Real clients resynchronising with CONDSTORE and QRESYNC (RFC 7162):
//   - imapflow with `qresync: true` keeps a cache, goes away while another session changes
//     flags, expunges and delivers, reconnects with SELECT (QRESYNC …) and, applying only the
//     events it gets (flags, expunge with `vanished`), ends with exactly the server's state;
//   - Python's imapclient uses FETCH (CHANGEDSINCE) and STORE (UNCHANGEDSINCE), including the
//     MODIFIED answer to a conditional STORE that lost. imapclient is a PyPI package (no Debian
//     package exists for it): the test uses it when Python can import it or pip can install
//     it, and otherwise reports itself skipped with that reason, CI included.

import t from 'tap';
import { ImapFlow } from 'imapflow';
import { startTestServer } from '../helpers/server.js';
import { run } from '../helpers/interop.js';
import { WireClient } from '../helpers/wire-client.js';

const srv = await startTestServer({ users: { alice: 'secret' } });
t.teardown(() => srv.close());
// Decided before any test starts: tap wants every subtest declared up front.
const imapclientMissing = await imapclientAvailable();

/** A message's flags as a cache keeps them: \Recent is the session's, not the message's. */
const kept = (flags: Set<string> | undefined): string[] => [...(flags ?? [])].filter((f) => f !== '\\Recent').sort();

function flow(qresync: boolean): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: srv.port(),
    secure: false,
    auth: { user: 'alice', pass: 'secret' },
    logger: false,
    qresync,
  });
}

async function wire(): Promise<WireClient> {
  return WireClient.login(srv.port(), 'alice', 'secret');
}

async function appendTo(c: WireClient, mailbox: string, subject: string, flags = ''): Promise<void> {
  const text = `Subject: ${subject}\r\n\r\n${subject}\r\n`;
  c.write(`ap APPEND ${mailbox} (${flags}) {${text.length}+}\r\n${text}\r\n`);
  await c.readTagged('ap');
}

/** UID → sorted flags, as a fresh full fetch sees the mailbox. */
async function serverState(mailbox: string): Promise<Array<[number, string[]]>> {
  const client = flow(false);
  await client.connect();
  const lock = await client.getMailboxLock(mailbox, { readOnly: true });
  const out: Array<[number, string[]]> = [];
  try {
    for await (const m of client.fetch('1:*', { uid: true, flags: true })) out.push([m.uid, kept(m.flags)]);
  } finally {
    lock.release();
  }
  await client.logout();
  return out.sort((a, b) => a[0] - b[0]);
}

t.test('imapflow with qresync: true reconnects and sees exactly what changed while it was away', async (t) => {
  const setup = await wire();
  t.teardown(() => setup.close());
  await setup.command('c', 'CREATE Synced');
  for (let i = 1; i <= 12; i++) await appendTo(setup, 'Synced', `m${i}`);

  // First visit: the client fills its cache.
  const first = flow(true);
  await first.connect();
  t.ok(first.enabled.has('QRESYNC'), 'imapflow enabled QRESYNC');
  const opened = await first.mailboxOpen('Synced');
  const uidValidity = opened.uidValidity;
  const modseq = opened.highestModseq;
  t.type(modseq, 'bigint', 'HIGHESTMODSEQ seen at SELECT');
  const cache = new Map<number, string[]>();
  for await (const m of first.fetch('1:*', { uid: true, flags: true })) cache.set(m.uid, kept(m.flags));
  const uidNext = opened.uidNext;
  await first.logout();

  // While it is away: flags, expunges, a new message.
  await setup.command('s', 'SELECT Synced');
  await setup.command('f1', 'UID STORE 2,4,6 +FLAGS (\\Flagged)');
  await setup.command('f2', 'UID STORE 3 +FLAGS ($Important)');
  await setup.command('d', 'UID STORE 5,9:10 +FLAGS.SILENT (\\Deleted)');
  await setup.command('x', 'UID EXPUNGE 5,9:10');
  await appendTo(setup, 'Synced', 'm13', '\\Seen');

  // Back: SELECT (QRESYNC (uidvalidity modseq)) through imapflow, applying only its events.
  const back = flow(true);
  const changed: number[] = [];
  const vanished: number[] = [];
  back.on('flags', (e: { uid?: number; flags: Set<string> }) => {
    if (e.uid === undefined) return;
    changed.push(e.uid);
    cache.set(e.uid, kept(e.flags));
  });
  back.on('expunge', (e: { uid?: number; vanished: boolean }) => {
    if (e.uid === undefined || !e.vanished) return;
    vanished.push(e.uid);
    cache.delete(e.uid);
  });
  await back.connect();
  const reopened = await back.mailboxOpen('Synced', { uidValidity, changedSince: modseq });
  t.equal(reopened.uidValidity, uidValidity);
  t.same(
    vanished.sort((a, b) => a - b),
    [5, 9, 10],
    'exactly the expunged UIDs, as VANISHED',
  );
  t.same(
    changed.sort((a, b) => a - b),
    [2, 3, 4, 6, 13],
    'exactly the changed messages and the new one, as FETCH during SELECT',
  );
  // New messages: what a client fetches above the UIDNEXT it knew.
  for await (const m of back.fetch(`${uidNext}:*`, { uid: true, flags: true }, { uid: true })) cache.set(m.uid, kept(m.flags));
  await back.logout();
  t.same(
    [...cache.entries()].sort((a, b) => a[0] - b[0]),
    await serverState('Synced'),
    'the cache equals the server',
  );
});

t.test('imapflow: FETCH with changedSince under QRESYNC reports flags and VANISHED (EARLIER)', async (t) => {
  const setup = await wire();
  t.teardown(() => setup.close());
  await setup.command('c', 'CREATE Since');
  for (let i = 1; i <= 6; i++) await appendTo(setup, 'Since', `s${i}`);
  const client = flow(true);
  await client.connect();
  const opened = await client.mailboxOpen('Since');
  const since = opened.highestModseq;
  await setup.command('s', 'SELECT Since');
  await setup.command('f', 'UID STORE 1 +FLAGS (\\Answered)');
  await setup.command('d', 'UID STORE 2 +FLAGS.SILENT (\\Deleted)');
  await setup.command('x', 'UID EXPUNGE 2');
  const vanished: number[] = [];
  client.on('expunge', (e: { uid?: number; earlier?: boolean }) => {
    if (e.uid !== undefined) vanished.push(e.uid);
  });
  const fetched: Array<[number, string[]]> = [];
  for await (const m of client.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: since })) {
    fetched.push([m.uid, kept(m.flags)]);
  }
  t.same(fetched, [[1, ['\\Answered']]], 'only the changed message');
  t.same(vanished, [2], 'the expunged one, by UID');
  await client.logout();
});

/** Whether Python can use imapclient, installing it with pip when it can; else why not. */
async function imapclientAvailable(): Promise<string | null> {
  const probe = await run('python3', ['-c', 'import imapclient'], { timeoutMs: 20_000 }).catch(() => null);
  if (probe === null) return 'python3 is not installed';
  if (probe.status === 0) return null;
  const pip = await run('python3', ['-m', 'pip', 'install', '--quiet', '--user', 'imapclient'], { timeoutMs: 60_000 }).catch(() => null);
  const again = await run('python3', ['-c', 'import imapclient'], { timeoutMs: 20_000 });
  if (again.status === 0) return null;
  // pip colours its messages: the reason is its last line of text, without the escapes.
  const lines = (pip?.stderr ?? '')
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const why = pip === null ? 'pip could not run' : (lines.pop() ?? `pip exited with ${pip.status}`);
  return `imapclient (a PyPI package, not packaged by Debian) is not installed and pip could not install it: ${why}`;
}

t.test(
  'Python imapclient: FETCH CHANGEDSINCE and STORE UNCHANGEDSINCE',
  imapclientMissing ? { skip: imapclientMissing } : {},
  async (t) => {
    const setup = await wire();
    t.teardown(() => setup.close());
    await setup.command('c', 'CREATE Py');
    for (let i = 1; i <= 4; i++) await appendTo(setup, 'Py', `p${i}`);
    const script = `
import sys
from imapclient import IMAPClient
c = IMAPClient('127.0.0.1', port=int(sys.argv[1]), ssl=False)
c.login('alice', 'secret')
print('condstore', c.has_capability('CONDSTORE'))
sel = c.select_folder('Py')
base = sel[b'HIGHESTMODSEQ']
print('highest', base)
c.add_flags([2], [b'$Seen1'])
changed = c.fetch('1:*', ['FLAGS'], modifiers=['CHANGEDSINCE %d' % base])
print('changed', sorted(changed.keys()), [sorted(v[b'FLAGS']) for k, v in sorted(changed.items())])
ok = c.add_flags([3], [b'$Ok'], silent=False)
typ, data = c._imap.uid('STORE', '2,3', '(UNCHANGEDSINCE %d)' % base, '+FLAGS', '(\\\\Flagged)')
print('conditional', typ, c._imap.untagged_responses.get('MODIFIED') or data[-1])
flags = c.get_flags([2, 3])
print('flags', [sorted(flags[2]), sorted(flags[3])])
c.logout()
`;
    const r = await run('python3', ['-c', script, String(srv.port())]);
    t.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.equal(lines[0], 'condstore True');
    t.match(lines[1], /^highest \d+$/);
    t.equal(lines[2], "changed [2] [[b'$Seen1']]", 'CHANGEDSINCE returns just the changed message');
    t.match(lines[3], /^conditional OK .*2:3|^conditional OK .*2,3|MODIFIED/, 'the conditional STORE is refused for both');
    t.equal(lines[4], "flags [[b'$Seen1'], [b'$Ok']]", 'nothing was applied');
  },
);
