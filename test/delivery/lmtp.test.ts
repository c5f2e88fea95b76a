// LMTP delivery (RFC 2033) against the real server on loopback, with swaks as the MTA:
// per-recipient replies, unknown recipients refused at RCPT, trace fields, IMAP filters
// (maddy-imap-filters(5) plus time-out, stderr, validation, folder creation), a hostile
// Subject reaching a filter as one unchanged argument, quarantine to Junk without filters,
// XCLIENT over the trusted unix socket, and an IDLE session hearing of a delivered message.

import t from 'tap';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { needTool, run } from '../helpers/interop.js';

const SWAKS = needTool('swaks', 'swaks');

const dir = t.testdir();
const DOMAIN = 'example.org';
const USERS = ['alice', 'move', 'flag', 'none', 'fail', 'hang', 'newfolder', 'badfolder', 'hostile', 'multi', 'xclient'];
const addr = (u: string) => `${u}@${DOMAIN}`;

// The first filter acts by account: each account is one scenario. Every run is recorded (the
// subject, for the quarantine check) and the arguments of the hostile case are written with
// NUL separators, so the test sees exactly the argv the command got.
writeFileSync(
  join(dir, 'filter.sh'),
  `#!/bin/sh
printf '%s\\n' "$2" >> '${dir}/ran.log'
case "$1" in
  ${addr('move')}) cat > '${dir}/stdin-move'; echo Archive; echo '$Work'; echo '\\Flagged' ;;
  ${addr('flag')}) printf '\\n$Important\\nnot a keyword\\n\\\\Recent\\n' ;;
  ${addr('none')}) ;;
  ${addr('fail')}) echo Junk; echo '$Never'; echo 'filter exploded' >&2; exit 1 ;;
  ${addr('hang')}) echo $$ > '${dir}/hang.pid'; sleep 30; echo Junk ;;
  ${addr('newfolder')}) echo 'Projects/New'; echo '$Fresh' ;;
  ${addr('badfolder')}) echo 'a//b*'; echo '$Kept' ;;
  ${addr('hostile')}|${addr('xclient')}) printf '%s\\0' "$@" > "${dir}/args-$1" ;;
  ${addr('multi')}) echo ''; echo '$First' ;;
esac
exit 0
`,
);
// The second filter only speaks for "multi", where the first filter named no folder: its
// folder wins there, and the flags of both are added. For everyone else it prints nothing.
writeFileSync(
  join(dir, 'second.sh'),
  `#!/bin/sh
[ "$1" = '${addr('multi')}' ] && { echo Archive; echo '$Second'; }
exit 0
`,
);
chmodSync(join(dir, 'filter.sh'), 0o755);
chmodSync(join(dir, 'second.sh'), 0o755);

const CONFIG = `
state_dir $STATE
log stderr
auth.pass_table local_authdb { table lmdb credentials }
storage.lmdb local_mailboxes {
    path mail
    imap_filter {
        command ${dir}/filter.sh {account_name} {subject} {rcpt_to} {original_rcpt_to} {sender} {source_ip} {source_host} {source_rdns} {auth_user} {address} {msg_id} literal-{unknown} {
            timeout 1500ms
        }
        command ${dir}/second.sh {account_name}
    }
}
imap tcp://127.0.0.1:0 {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
lmtp tcp://127.0.0.1:0 unix://lmtp.sock {
    hostname mx.example.org
    max_message_size 64K
    deliver_to &local_mailboxes
    quarantine_header X-Spam-Flag YES
}
`;

let srv: TestServer;
let lmtpPort = 0;
let socketPath = '';

async function login(user: string): Promise<WireClient> {
  const c = await WireClient.connect(srv.port());
  await c.readLine();
  const r = await c.command('l', `LOGIN ${addr(user)} secret`);
  if (!r.tagged.startsWith('l OK')) throw new Error(r.tagged);
  return c;
}

interface Stored {
  flags: string[];
  header: string;
}

/** The messages of a mailbox, oldest first: flags and header text. */
async function contents(user: string, mailbox: string): Promise<Stored[] | null> {
  const c = await login(user);
  try {
    const s = await c.command('s', `EXAMINE "${mailbox}"`);
    if (!s.tagged.startsWith('s OK')) return null;
    const f = await c.command('f', 'FETCH 1:* (FLAGS BODY.PEEK[HEADER])');
    const out: Stored[] = [];
    const text = f.untagged.join('\r\n');
    for (const m of text.matchAll(/FETCH \(FLAGS \(([^)]*)\) BODY\[HEADER\] \{(\d+)\}\r\n/g)) {
      const start = (m.index ?? 0) + m[0].length;
      out.push({ flags: m[1] === '' ? [] : m[1]!.split(' '), header: text.slice(start, start + Number(m[2])) });
    }
    return out;
  } finally {
    c.close();
  }
}

async function swaks(args: string[]) {
  return run('swaks', ['--protocol', 'LMTP', '--from', 'sender@remote.example', '--helo', 'mta.example', ...args], { timeoutMs: 60_000 });
}

const viaTcp = () => ['--server', '127.0.0.1', '--port', String(lmtpPort)];

t.before(async () => {
  srv = await startTestServer({ config: CONFIG, users: Object.fromEntries(USERS.map((u) => [addr(u), 'secret'])) });
  const ep = srv.server.lmtp[0]!;
  lmtpPort = ep.ports[0]!;
  const unix = ep.config.addresses[1]!;
  socketPath = unix.scheme === 'unix' ? unix.path : '';
  // Accounts are made on first login, as for IMAP users.
  for (const u of USERS) (await login(u)).close();
});
t.teardown(() => srv?.close());

/**
 * Processes of group `pgid` that are not zombies, after a short wait for SIGKILL to land. A
 * killed orphan may stay a zombie where PID 1 does not reap (containers): it runs no more.
 */
async function liveGroupMembers(pgid: number): Promise<number[]> {
  let live: number[] = [];
  for (let i = 0; i < 20; i++) {
    live = [];
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      } catch {
        continue;
      }
      // pid (comm) state ppid pgrp …; comm may contain spaces, so split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') live.push(Number(e));
    }
    if (live.length === 0) return live;
    await new Promise((r) => setTimeout(r, 50));
  }
  return live;
}

const logged = (msg: string) => srv.logs.filter((l) => typeof l.msg === 'string' && l.msg.includes(msg));

t.test('a message to one recipient is stored with trace fields; 250 after DATA', SWAKS, async (t) => {
  const r = await swaks([...viaTcp(), '--to', addr('alice'), '--header', 'Subject: first']);
  t.match(r.stdout, /RCPT TO:<alice@example\.org>\r?\n<- {2}250 2\.1\.5/);
  t.match(r.stdout, /<- {2}250 2\.6\.0 Delivered/);
  const inbox = await contents('alice', 'INBOX');
  t.equal(inbox?.length, 1);
  const header = inbox![0]!.header;
  const lines = header.split('\r\n');
  t.equal(lines[0], 'Delivered-To: alice@example.org', 'Delivered-To first, naming the account');
  t.equal(lines[1], 'Return-Path: <sender@remote.example>', 'then Return-Path (RFC 5321 §4.4)');
  t.match(
    lines[2],
    /^Received: from mta\.example \(\[127\.0\.0\.1\]\) by mx\.example\.org \(envelope-sender <sender@remote\.example>\) with E?LMTP id [0-9a-f]{16}; \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/,
  );
  t.match(header, /\r\nSubject: first\r\n/);
});

t.test('multi-recipient: the unknown one gets 550 5.1.1 at RCPT, the others one 250 each after DATA', SWAKS, async (t) => {
  const r = await swaks([
    ...viaTcp(),
    '--to',
    `${addr('alice')},nobody@${DOMAIN},${addr('none')},ALICE@Example.ORG`,
    '--header',
    'Subject: several',
  ]);
  t.match(r.stdout, /RCPT TO:<nobody@example\.org>\r?\n<\*\* 550 5\.1\.1 User unknown/);
  const after = r.stdout.slice(r.stdout.indexOf(' -> .'));
  t.equal((after.match(/250 2\.6\.0 Delivered/g) ?? []).length, 3, 'one reply per accepted RCPT, the repeated address included');
  const alice = await contents('alice', 'INBOX');
  t.equal(alice?.filter((m) => m.header.includes('Subject: several')).length, 1, 'two addresses of one account: one copy');
  const none = await contents('none', 'INBOX');
  t.equal(none?.length, 1, 'a filter that prints nothing leaves delivery alone');
  t.same(none![0]!.flags, ['\\Recent']);
});

t.test('a filter moves and flags; it got the stored message on stdin', SWAKS, async (t) => {
  await swaks([...viaTcp(), '--to', addr('move'), '--header', 'Subject: to archive']);
  const archive = await contents('move', 'Archive');
  t.equal(archive?.length, 1);
  t.same(archive![0]!.flags.sort(), ['$Work', '\\Flagged', '\\Recent'].sort());
  t.same(await contents('move', 'INBOX'), []);
  const stdin = readFileSync(join(dir, 'stdin-move'), 'latin1');
  t.match(stdin, /^Delivered-To: move@example\.org\r\nReturn-Path: <sender@remote\.example>\r\nReceived: /);
  t.match(stdin, /Subject: to archive\r\n/);
});

t.test('an empty first line only adds flags; invalid flag lines are skipped with a warning', SWAKS, async (t) => {
  await swaks([...viaTcp(), '--to', addr('flag'), '--header', 'Subject: flag me']);
  const inbox = await contents('flag', 'INBOX');
  t.equal(inbox?.length, 1);
  t.same(inbox![0]!.flags.sort(), ['$Important', '\\Recent'].sort());
  t.ok(
    logged('filter output skipped').some((l) => String(l.msg).includes('not a keyword')),
    'warning for the bad keyword',
  );
  t.ok(
    logged('filter output skipped').some((l) => String(l.msg).includes('\\\\Recent')),
    'warning for \\Recent',
  );
});

t.test('a filter that exits 1 is logged with its stderr and ignored', SWAKS, async (t) => {
  const r = await swaks([...viaTcp(), '--to', addr('fail'), '--header', 'Subject: failing filter']);
  t.match(r.stdout, /250 2\.6\.0 Delivered/, 'a filter never rejects');
  const inbox = await contents('fail', 'INBOX');
  t.equal(inbox?.length, 1);
  t.same(inbox![0]!.flags, ['\\Recent'], 'its flags are not applied either');
  t.ok(logged('filter failed; ignored').some((l) => l.exitCode === 1 && l.user === addr('fail')));
  t.ok(logged('filter wrote to stderr').some((l) => l.stderr === 'filter exploded'));
});

t.test('a filter that hangs is killed with its process group at the time-out', SWAKS, async (t) => {
  const started = Date.now();
  const r = await swaks([...viaTcp(), '--to', addr('hang'), '--header', 'Subject: slow']);
  t.match(r.stdout, /250 2\.6\.0 Delivered/);
  t.ok(Date.now() - started < 10_000, 'delivered within the time-out, not after sleep 30');
  const inbox = await contents('hang', 'INBOX');
  t.equal(inbox?.length, 1, 'delivered to INBOX: the killed filter is ignored');
  t.ok(logged('filter timed out').some((l) => l.timeoutMs === 1500));
  const pgid = Number(readFileSync(join(dir, 'hang.pid'), 'utf8'));
  t.same(await liveGroupMembers(pgid), [], 'no process of the group is left running (sleep included)');
});

t.test('a filter naming a folder that does not exist gets it created', SWAKS, async (t) => {
  t.equal(await contents('newfolder', 'Projects/New'), null, 'not there before');
  await swaks([...viaTcp(), '--to', addr('newfolder'), '--header', 'Subject: new folder']);
  const box = await contents('newfolder', 'Projects/New');
  t.equal(box?.length, 1);
  t.same(box![0]!.flags.sort(), ['$Fresh', '\\Recent'].sort());
  t.ok(logged('created the folder a filter named').some((l) => l.mailbox === 'Projects/New'));
});

t.test('an invalid folder name falls back to INBOX; the flags still apply', SWAKS, async (t) => {
  await swaks([...viaTcp(), '--to', addr('badfolder'), '--header', 'Subject: bad folder']);
  const inbox = await contents('badfolder', 'INBOX');
  t.same(inbox?.[0]?.flags.sort(), ['$Kept', '\\Recent'].sort());
  t.ok(logged('filter output skipped').some((l) => String(l.msg).includes('invalid folder')));
});

t.test('filters run in order: the first folder given wins, the flags of all are added', SWAKS, async (t) => {
  await swaks([...viaTcp(), '--to', addr('multi'), '--header', 'Subject: two filters']);
  const archive = await contents('multi', 'Archive');
  t.equal(archive?.length, 1);
  t.same(archive![0]!.flags.sort(), ['$First', '$Second', '\\Recent'].sort());
});

t.test('a hostile Subject reaches the command as one unchanged argument', SWAKS, async (t) => {
  const subject = `$(touch ${dir}/pwned); rm -rf / && \`id\` | {account_name} "dq" 'sq' \\back *glob* {subject} %s`;
  const r = await swaks([...viaTcp(), '--to', addr('hostile'), '--header', `Subject: ${subject}`]);
  t.match(r.stdout, /250 2\.6\.0 Delivered/);
  const argv = readFileSync(join(dir, `args-${addr('hostile')}`), 'utf8').split('\0');
  argv.pop(); // after the last NUL
  t.equal(argv.length, 12, 'one argv entry per configured argument');
  t.equal(argv[0], addr('hostile'));
  t.equal(argv[1], subject, 'the Subject exactly, placeholders and shell syntax in it untouched');
  t.equal(argv[2], addr('hostile'), '{rcpt_to}');
  t.equal(argv[3], addr('hostile'), '{original_rcpt_to} without ORCPT');
  t.equal(argv[4], 'sender@remote.example');
  t.equal(argv[5], '127.0.0.1', '{source_ip}');
  t.equal(argv[6], 'mta.example', '{source_host}');
  t.equal(argv[9], addr('hostile'), '{address}');
  t.match(argv[10], /^[0-9a-f]{16}$/, '{msg_id}');
  t.equal(argv[11], 'literal-{unknown}', 'unknown placeholders stay as written');
  t.notOk(existsSync(join(dir, 'pwned')), 'nothing was run by a shell');
});

t.test('quarantined mail (quarantine_header) goes to Junk and skips the filters', SWAKS, async (t) => {
  const marker = `quarantined-${Date.now()}`;
  const r = await swaks([...viaTcp(), '--to', addr('move'), '--header', `Subject: ${marker}`, '--add-header', 'X-Spam-Flag: yes']);
  t.match(r.stdout, /250 2\.6\.0 Delivered/);
  const junk = await contents('move', 'Junk');
  t.equal(junk?.filter((m) => m.header.includes(marker)).length, 1, 'in the \\Junk mailbox');
  t.notOk(readFileSync(join(dir, 'ran.log'), 'utf8').includes(marker), 'no filter ran for it');
  const archive = await contents('move', 'Archive');
  t.notOk(
    archive?.some((m) => m.header.includes(marker)),
    'not where the filter would have put it',
  );
});

t.test('over the unix socket a forwarding MTA is trusted: XCLIENT names the client', SWAKS, async (t) => {
  const r = await swaks([
    '--socket',
    socketPath,
    '--to',
    addr('xclient'),
    '--header',
    'Subject: forwarded',
    '--xclient-addr',
    '192.0.2.7',
    '--xclient-name',
    'client.example.net',
    '--xclient-helo',
    'client-helo.example.net',
    '--xclient-login',
    'someone',
  ]);
  t.match(r.stdout, /250 2\.6\.0 Delivered/);
  const argv = readFileSync(join(dir, `args-${addr('xclient')}`), 'utf8').split('\0');
  t.equal(argv[5], '192.0.2.7', '{source_ip} from XCLIENT ADDR');
  t.equal(argv[6], 'client-helo.example.net', '{source_host} from XCLIENT HELO');
  t.equal(argv[7], 'client.example.net', '{source_rdns} from XCLIENT NAME');
  t.equal(argv[8], 'someone', '{auth_user} from XCLIENT LOGIN');
  const inbox = await contents('xclient', 'INBOX');
  t.match(inbox?.[0]?.header, /Received: from client-helo\.example\.net \(client\.example\.net \[192\.0\.2\.7\]\) by mx\.example\.org/);
});

t.test('XCLIENT from an untrusted TCP peer is refused', SWAKS, async (t) => {
  const r = await swaks([...viaTcp(), '--to', addr('alice'), '--xclient-addr', '192.0.2.9']);
  t.notMatch(r.stdout, /XCLIENT[^\n]*\n<- {2}2/, 'no 2xx to XCLIENT');
});

t.test('a message over max_message_size gets 552 for each recipient', SWAKS, async (t) => {
  const r = await swaks([...viaTcp(), '--to', `${addr('alice')},${addr('none')}`, '--body', 'x'.repeat(70 * 1024)]);
  const after = r.stdout.slice(r.stdout.lastIndexOf(' -> .'));
  t.equal((after.match(/<\*\* 552 /g) ?? []).length, 2);
});

t.test('an IDLE session on INBOX sees EXISTS for a delivered message', SWAKS, async (t) => {
  const c = await login('alice');
  const sel = await c.command('s', 'SELECT INBOX');
  const exists = Number(/\* (\d+) EXISTS/.exec(sel.untagged.join('\n'))?.[1]);
  c.write('i IDLE\r\n');
  t.equal(await c.readLine(), '+ idling');
  const delivered = swaks([...viaTcp(), '--to', addr('alice'), '--header', 'Subject: while idle']);
  t.equal(await c.readLine(15_000), `* ${exists + 1} EXISTS`);
  await delivered;
  c.write('DONE\r\n');
  await c.readTagged('i');
  c.close();
});
