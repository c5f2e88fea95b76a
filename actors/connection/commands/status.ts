// STATUS (RFC 3501 §6.3.10; SIZE RFC 8438, APPENDLIMIT RFC 7889): a mailbox's counters
// without selecting it. Answered from the counters the store keeps in the mailbox record.

import type { StatusItem } from '../../../src/protocol/args.js';
import { encodeMailboxStatus } from '../../../src/protocol/encode/mailbox.js';
import { mailboxObjectId } from '../../../src/protocol/encode/object-id.js';
import { selectableMailbox, accountOf } from './mail-common.js';
import { enableCondstore } from './resync.js';
import type { CommandHandler } from './types.js';

export const handleStatus: CommandHandler<'STATUS'> = (cmd, scope) => {
  const { store, config } = scope.deps.mail;
  const mb = selectableMailbox(scope, cmd.mailbox);
  const account = accountOf(scope);
  const values: Array<[StatusItem, number | string]> = [];
  let completion = {};
  for (const item of cmd.items) {
    switch (item) {
      case 'MESSAGES':
        values.push(['MESSAGES', mb.messages]);
        break;
      case 'RECENT': {
        // Messages no session has seen as \Recent yet.
        const floor = scope.deps.mail.registry.recentFloor(mb.id);
        const uids = store.uids(mb.id);
        let n = 0;
        for (let i = uids.length - 1; i >= 0 && uids[i]! >= floor; i--) n++;
        values.push(['RECENT', n]);
        break;
      }
      case 'UIDNEXT':
        values.push(['UIDNEXT', mb.uidNext]);
        break;
      case 'UIDVALIDITY':
        values.push(['UIDVALIDITY', mb.uidValidity]);
        break;
      case 'UNSEEN':
        values.push(['UNSEEN', mb.unseen]);
        break;
      case 'SIZE':
        values.push(['SIZE', mb.size]);
        break;
      case 'APPENDLIMIT':
        values.push(['APPENDLIMIT', account.appendLimit ?? config.appendLimit]);
        break;
      case 'HIGHESTMODSEQ':
        // RFC 7162 §3.1.6; a CONDSTORE-enabling command (§3.1).
        values.push(['HIGHESTMODSEQ', mb.highestModseq]);
        completion = enableCondstore(scope);
        break;
      case 'MAILBOXID':
        values.push(['MAILBOXID', `(${mailboxObjectId(mb.uidValidity)})`]);
        break;
    }
  }
  scope.out.write(encodeMailboxStatus(mb.name, values, scope.session.enabled.includes('UTF8=ACCEPT')));
  return completion;
};
