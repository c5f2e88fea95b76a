// mbsync (isync) syncs a local Maildir both ways with a Gannet account: local mail and
// folders go up, server-side mail and flags come down, and a second run changes nothing.

import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { needTool, run, which } from '../helpers/interop.js';

t.test('mbsync two-way sync', needTool('mbsync', 'isync'), async (t) => {
  t.ok(which('mbsync'), 'mbsync is installed');
  const srv = await startTestServer({ users: { sync: 'secret' } });
  t.teardown(() => srv.close());
  const dir = mkdtempSync(join(tmpdir(), 'gannet-mbsync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  const maildir = (name: string) => {
    const base = join(dir, 'mail', name);
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(base, sub), { recursive: true });
    return base;
  };
  const message = (subject: string) =>
    `From: a@example.org\r\nTo: sync@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.org>\r\n\r\n${subject} body\r\n`;
  const inbox = maildir('INBOX');
  const work = maildir('Work');
  writeFileSync(join(inbox, 'cur', '1700000000.1.host:2,S'), message('local-one'));
  writeFileSync(join(inbox, 'new', '1700000000.2.host'), message('local-two'));
  writeFileSync(join(work, 'cur', '1700000000.3.host:2,'), message('work-one'));

  const rc = join(dir, 'mbsyncrc');
  writeFileSync(
    rc,
    `IMAPAccount gannet
Host 127.0.0.1
Port ${srv.port()}
User sync
Pass secret
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account gannet

MaildirStore local
Path ${join(dir, 'mail')}/
Inbox ${inbox}
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *
`,
  );
  const mbsync = () => run('mbsync', ['-c', rc, '-a'], { timeoutMs: 60_000 });

  const first = await mbsync();
  t.equal(first.status, 0, `first sync: ${first.stderr}`);
  t.comment(first.stdout + first.stderr);

  const c = await WireClient.connect(srv.port());
  await c.readLine();
  await c.command('a1', 'LOGIN sync secret');
  t.same((await c.command('a2', 'STATUS INBOX (MESSAGES UNSEEN)')).untagged, ['* STATUS INBOX (MESSAGES 2 UNSEEN 1)']);
  t.same((await c.command('a3', 'STATUS Work (MESSAGES)')).untagged, ['* STATUS Work (MESSAGES 1)']);

  // Server-side changes: a new message, and the unseen local message marked \Seen.
  const body = message('server-one');
  c.write(`a4 APPEND INBOX {${Buffer.byteLength(body)}+}\r\n${body}\r\n`);
  t.match((await c.readTagged('a4')).tagged, /^a4 OK \[APPENDUID /);
  await c.command('a5', 'SELECT INBOX');
  const search = await c.command('a6', 'UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
  t.match(search.tagged, /^a6 OK/);
  const joined = search.untagged.join('\n');
  const m = /\* \d+ FETCH \(UID (\d+) FLAGS \(([^)]*)\)[^\n]*\nSubject: local-two/.exec(joined);
  t.ok(m, 'local-two arrived on the server');
  await c.command('a7', `UID STORE ${m?.[1]} +FLAGS (\\Seen)`);

  const second = await mbsync();
  t.equal(second.status, 0, `second sync: ${second.stderr}`);
  const files = () => [...readdirSync(join(inbox, 'cur')), ...readdirSync(join(inbox, 'new'))].sort();
  const after = files();
  t.equal(after.length, 3, 'the server message came down');
  t.equal(after.filter((f) => /:2,[A-Z]*S/.test(f)).length, 2, 'both seen flags are local now');

  const uidnext = (await c.command('a8', 'STATUS INBOX (MESSAGES UIDNEXT UNSEEN)')).untagged;
  const third = await mbsync();
  t.equal(third.status, 0, `third sync: ${third.stderr}`);
  t.same(files(), after, 'a second run changes nothing locally');
  t.same((await c.command('a9', 'STATUS INBOX (MESSAGES UIDNEXT UNSEEN)')).untagged, uidnext, 'nor on the server');
  c.close();
});
