// Shared set-up for the storage tests: a store in a fresh directory, a test account, and a
// consistency check of a mailbox's counters against its messages.

import type { Test } from 'tap';
import { join } from 'node:path';
import type { StorageModuleConfig } from '../../src/config/schema.js';
import { DEFAULT_TOMBSTONE_RETENTION } from '../../src/config/modules.js';
import { openMailStore, type LmdbMailStore } from '../../src/storage/index.js';

export function storageConfig(path: string, overrides: Partial<StorageModuleConfig> = {}): StorageModuleConfig {
  return {
    kind: 'lmdb',
    name: 'local_mailboxes',
    path,
    appendLimit: 1024 * 1024,
    tombstoneRetention: { ...DEFAULT_TOMBSTONE_RETENTION },
    searchIndex: true,
    junkMailbox: 'Junk',
    defaultMailboxes: ['Sent', 'Drafts', 'Trash', 'Junk', 'Archive'],
    source: { file: 'test.conf', line: 1 },
    ...overrides,
  };
}

/** A store in a new test directory (a sub-directory: the test directory's name has dots). */
export function freshStore(t: Test, overrides: Partial<StorageModuleConfig> = {}): { store: LmdbMailStore; cfg: StorageModuleConfig } {
  const cfg = storageConfig(join(t.testdir(), 'mail'), overrides);
  const store = openMailStore(cfg);
  t.teardown(() => store.close());
  return { store, cfg };
}

export function message(subject: string, extra = ''): Buffer {
  return Buffer.from(`From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\n\r\nBody of ${subject}.\r\n${extra}`);
}

/** Recomputes a mailbox's counters from its messages; returns a list of problems (empty when consistent). */
export function checkCounters(store: LmdbMailStore, mailboxId: number): string[] {
  const mailbox = store.getMailboxById(mailboxId);
  if (mailbox === null) return ['mailbox missing'];
  const uids = [...store.uids(mailboxId)];
  let size = 0;
  let unseen = 0;
  let maxModseq = 0;
  const problems: string[] = [];
  for (const uid of uids) {
    const m = store.getMessage(mailboxId, uid);
    if (m === null) {
      problems.push(`uid ${uid} listed but missing`);
      continue;
    }
    size += m.size;
    if (!m.flags.includes('\\Seen')) unseen += 1;
    maxModseq = Math.max(maxModseq, m.modseq);
    if (store.blobReferences(m.blob) < 1) problems.push(`uid ${uid} blob has no reference`);
    if (store.readBody(m).length !== m.size) problems.push(`uid ${uid} body size differs`);
  }
  if (mailbox.messages !== uids.length) problems.push(`messages ${mailbox.messages} != ${uids.length}`);
  if (mailbox.size !== size) problems.push(`size ${mailbox.size} != ${size}`);
  if (mailbox.unseen !== unseen) problems.push(`unseen ${mailbox.unseen} != ${unseen}`);
  if (mailbox.highestModseq < maxModseq) problems.push(`highestModseq ${mailbox.highestModseq} < ${maxModseq}`);
  const last = uids[uids.length - 1];
  if (last !== undefined && mailbox.uidNext <= last) problems.push(`uidNext ${mailbox.uidNext} <= ${last}`);
  for (let i = 1; i < uids.length; i++) if (uids[i]! <= uids[i - 1]!) problems.push('uids not ascending');
  const deleted = uids.filter((uid) => store.getMessage(mailboxId, uid)?.flags.includes('\\Deleted'));
  const indexed = store.deletedIndex(mailboxId);
  if (indexed.join() !== deleted.join()) problems.push(`\\Deleted index [${indexed.join()}] != [${deleted.join()}]`);
  const firstUnseen = uids.find((uid) => !store.getMessage(mailboxId, uid)?.flags.includes('\\Seen')) ?? null;
  if (store.firstUnseen(mailboxId) !== firstUnseen) problems.push(`first unseen ${store.firstUnseen(mailboxId)} != ${firstUnseen}`);
  return problems;
}
