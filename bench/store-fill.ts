// Filling a mailbox through the mail store directly (src/storage, the LMDB store the server's
// configuration names), in batched appends: for benches that need a very large mailbox and
// must not spend their time on a million APPENDs. The store is opened from the server's own
// configuration file and closed again, so run it before the server starts or beside it (the
// server sees the messages as another process's changes).

import { loadConfig } from '../src/config/load.js';
import { openMailStore } from '../src/storage/index.js';

/** A small plain message, distinct per `i` (so no two bodies share a blob), of about `size` bytes. */
export function benchMessage(i: number, size = 2048): Buffer {
  const head = `From: bench@example.org\r\nTo: user@example.org\r\nSubject: message ${i}\r\nMessage-ID: <${i}@bench>\r\n\r\n`;
  return Buffer.from(head + 'x'.repeat(Math.max(0, size - head.length - 2)) + '\r\n');
}

export interface DirectFillOptions {
  /** Bytes per message (default 300). */
  size?: number;
  /** Messages per append call, one transaction each (default 2,000). */
  batch?: number;
  /** The flags of message i (default: none). */
  flags?: (i: number) => string[];
}

/**
 * Appends `count` messages to `user`'s `mailbox` (both created when missing) through the store
 * of the first storage module in `configFile`; resolves with the mailbox's message count after.
 */
export async function fillMailboxDirect(
  configFile: string,
  user: string,
  mailbox: string,
  count: number,
  opts: DirectFillOptions = {},
): Promise<number> {
  const size = opts.size ?? 300;
  const batch = opts.batch ?? 2000;
  const flags = opts.flags ?? (() => []);
  const cfg = loadConfig({ file: configFile });
  const store = openMailStore([...cfg.storage.values()][0]!);
  try {
    const account = store.getAccount(user) ?? (await store.createAccount(user, []));
    const mb = store.getMailbox(account.id, mailbox) ?? (await store.createMailbox(account.id, mailbox));
    for (let i = 0; i < count; i += batch) {
      const items = Array.from({ length: Math.min(batch, count - i) }, (_, k) => ({
        body: benchMessage(i + k, size),
        flags: flags(i + k),
      }));
      await store.append(mb.id, items);
    }
    return store.getMailboxById(mb.id)?.messages ?? 0;
  } finally {
    await store.close();
  }
}
