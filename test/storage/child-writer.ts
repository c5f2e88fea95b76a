// A second process writing to a store, for the cross-process tests:
//   child-writer.ts once PATH MAILBOX_ID   append one message, print its UID, exit
//   child-writer.ts loop PATH MAILBOX_ID   append forever, printing each acknowledged UID

import { openMailStore } from '../../src/storage/index.js';
import { storageConfig } from './fixture.js';

const [mode, path, id] = process.argv.slice(2);
if (path === undefined || id === undefined) throw new Error('usage: child-writer.ts once|loop PATH MAILBOX_ID');
const mailboxId = Number(id);
const store = openMailStore(storageConfig(path));

const body = (n: number) => Buffer.from(`Subject: child ${process.pid} ${n}\r\n\r\n${'x'.repeat(n % 500)}\r\n`);

if (mode === 'once') {
  const { uids } = await store.append(mailboxId, [{ body: body(0), flags: [] }]);
  process.stdout.write(`${uids.join(' ')}\n`);
  await store.close();
} else {
  // Mixes single awaited appends with small concurrent bursts (one batched commit), and
  // flag changes and expunges, so a kill can land anywhere in the write pipeline.
  let n = 0;
  for (;;) {
    n += 1;
    if (n % 3 === 0) {
      const burst = await Promise.all(
        [1, 2, 3].map((k) => store.append(mailboxId, [{ body: body(n * 10 + k), flags: k === 2 ? ['\\Seen'] : [] }])),
      );
      for (const r of burst) process.stdout.write(`${r.uids[0]}\n`);
    } else {
      const { uids } = await store.append(mailboxId, [{ body: body(n), flags: [] }]);
      process.stdout.write(`${uids[0]}\n`);
      if (n % 5 === 0) await store.setFlags(mailboxId, uids, 'add', ['\\Seen', 'Kept']);
    }
  }
}
