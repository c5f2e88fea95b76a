// The summary stored beside a MIME index (src/protocol/encode/mime-summary.ts): stored as a tuple, read
// back whole, and summaries stored as objects before that are still read.

import t from 'tap';
import { MESSAGE_INDEX_VERSION, parseMessage } from '../../src/mime/index.js';
import { mimeData, readSummary, summarize } from '../../src/protocol/encode/mime-summary.js';
import { freshStore } from '../storage/fixture.js';

const RAW = Buffer.from(
  'From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: Tuple\r\nDate: Tue, 1 Jan 2025 10:00:00 +0000\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n',
);

t.test('mimeData stores the summary as a tuple that readSummary turns back into the summary', async (t) => {
  const index = parseMessage(RAW);
  const summary = summarize(index);
  const stored = mimeData(index).summary;
  t.same(stored, [MESSAGE_INDEX_VERSION, summary.envelope, summary.bodystructure, summary.body]);
  t.same(readSummary(stored), summary);
  t.match(summary.envelope, /^\("Tue, 1 Jan 2025 10:00:00 \+0000" "Tuple" /);
});

t.test('readSummary: objects as stored before are read; other index versions and nothing are not', async (t) => {
  const summary = summarize(parseMessage(RAW));
  t.same(readSummary({ ...summary }), summary, 'an object of the current version');
  t.equal(readSummary({ ...summary, v: MESSAGE_INDEX_VERSION + 1 }), null, 'an object of another version');
  t.equal(readSummary([MESSAGE_INDEX_VERSION - 1, 'a', 'b', 'c']), null, 'a tuple of another version');
  t.equal(readSummary(null), null);
  t.equal(readSummary(undefined), null);
});

t.test('through a store: the tuple comes back as stored', async (t) => {
  const { store } = freshStore(t);
  const account = await store.createAccount('alice', []);
  const inbox = store.getMailbox(account.id, 'INBOX')!;
  const index = parseMessage(RAW);
  const { uids } = await store.append(inbox.id, [{ body: RAW, flags: [], mime: mimeData(index) }]);
  const msg = store.getMessage(inbox.id, uids[0]!)!;
  t.same(readSummary(store.getMimeSummary(msg)), summarize(index));
});
