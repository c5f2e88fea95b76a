// The mailboxes a new account gets (`gannet imap-acct create`, or the first login): INBOX
// plus the storage module's `default_mailboxes`, with the special-use attribute (RFC 6154)
// that each well-known name implies.

import type { StorageModuleConfig } from '../config/schema.js';
import type { SpecialUse } from './types.js';

/** Well-known names and their special use, compared case-insensitively. */
const SPECIAL_BY_NAME: Record<string, SpecialUse> = {
  sent: '\\Sent',
  drafts: '\\Drafts',
  trash: '\\Trash',
  junk: '\\Junk',
  spam: '\\Junk',
  archive: '\\Archive',
};

export function defaultMailboxesFor(cfg: StorageModuleConfig, specialUse: boolean): Array<{ name: string; specialUse: SpecialUse | null }> {
  const out: Array<{ name: string; specialUse: SpecialUse | null }> = [];
  const names = [...cfg.defaultMailboxes];
  // Quarantined mail goes to the junk mailbox, so every account has one.
  if (!names.includes(cfg.junkMailbox)) names.push(cfg.junkMailbox);
  for (const name of names) {
    if (name.toUpperCase() === 'INBOX') continue;
    let use: SpecialUse | null = SPECIAL_BY_NAME[name.toLowerCase()] ?? null;
    if (name === cfg.junkMailbox) use = '\\Junk';
    out.push({ name, specialUse: specialUse ? use : null });
  }
  return out;
}
