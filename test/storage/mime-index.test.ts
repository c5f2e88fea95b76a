// The MIME index is stored with a message's bytes: written with the first reference, shared
// by COPY, added later for bytes stored without one, and freed with the last reference.

import t from 'tap';
import { freshStore, message } from './fixture.js';

t.test('stored, shared, backfilled, freed', async (t) => {
  const { store } = freshStore(t);
  const account = await store.createAccount('alice', [{ name: 'Archive', specialUse: '\\Archive' }]);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const archive = store.getMailbox(account.id, 'Archive')!;
  const index = { parts: [{ type: 'text', subtype: 'plain', size: 10 }], envelope: { subject: 'x' } };
  const summary = { v: 1, envelope: '(NIL "x" NIL NIL NIL NIL NIL NIL NIL NIL)' };
  const mime = { index, summary };

  const { uids } = await store.append(inbox.id, [{ body: message('one'), flags: [], mime }]);
  const first = store.getMessage(inbox.id, uids[0]!)!;
  t.same(store.getMimeIndex(first), index, 'stored with the bytes');
  t.same(store.getMimeSummary(first), summary, 'and its summary beside it');

  const copied = await store.copy(inbox.id, uids, archive.id);
  const copy = store.getMessage(archive.id, copied.pairs[0]![1])!;
  t.same(store.getMimeIndex(copy), index, 'a COPY shares it');

  const { uids: plain } = await store.append(inbox.id, [{ body: message('two'), flags: [] }]);
  const second = store.getMessage(inbox.id, plain[0]!)!;
  t.equal(store.getMimeIndex(second), null, 'absent when not given');
  await store.setMimeIndex(second, mime);
  t.same(store.getMimeIndex(second), index, 'backfilled later');
  t.same(store.getMimeSummary(second), summary);

  await store.expunge(inbox.id, uids);
  t.same(store.getMimeIndex(copy), index, 'kept while a reference remains');
  await store.expunge(archive.id, [copied.pairs[0]![1]]);
  t.equal(store.getMimeIndex(copy), null, 'freed with the last reference');
  t.equal(store.getMimeSummary(copy), null);
});

t.test('the header block is kept apart, backfilled and freed with the bytes', async (t) => {
  const { store } = freshStore(t);
  const account = await store.createAccount('bob', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const header = 'From: a@example.org\r\nSubject: kept apart\r\n\r\n';
  const body = Buffer.from(`${header}the body, which a header FETCH must not need\r\n`);
  const mime = { index: {}, summary: {}, headerEnd: Buffer.byteLength(header) };

  const { uids } = await store.append(inbox.id, [{ body, flags: [], mime }]);
  const stored = store.getMessage(inbox.id, uids[0]!)!;
  t.equal(store.readHeader(stored)?.toString('latin1'), header, 'the exact bytes up to the body');

  const other = Buffer.from('Subject: later\r\n\r\nno index at first\r\n');
  const { uids: plain } = await store.append(inbox.id, [{ body: other, flags: [] }]);
  const later = store.getMessage(inbox.id, plain[0]!)!;
  t.equal(store.readHeader(later), null, 'none without MIME data: the caller reads the body');
  await store.setMimeIndex(later, { index: {}, summary: {}, headerEnd: 18 });
  t.equal(store.readHeader(later)?.toString('latin1'), 'Subject: later\r\n\r\n', 'backfilled from the stored bytes');

  await store.expunge(inbox.id, [...uids, ...plain]);
  t.equal(store.readHeader(stored), null, 'freed with the last reference');
  t.equal(store.readHeader(later), null);
});
