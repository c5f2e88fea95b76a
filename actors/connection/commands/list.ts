// LIST and LSUB (RFC 3501 §6.3.8-9) with CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154 §2)
// attributes, hierarchy delimiter "/".

import { ResponseBuilder } from '../../../src/protocol/encode/writer.js';
import { nameText } from '../../../src/protocol/mailbox-name.js';
import type { MailboxRecord } from '../../../src/storage/types.js';
import { accountOf } from './mail-common.js';
import { allLevels, DELIMITER, listMatcher } from './list-match.js';
import type { CommandHandler } from './types.js';

function listLine(kind: 'LIST' | 'LSUB', attrs: string[], name: string, utf8: boolean): string {
  const b = new ResponseBuilder(utf8);
  b.raw(`* ${kind} (${attrs.join(' ')}) "${DELIMITER}" `)
    .mailbox(name, utf8)
    .crlf();
  return b.toString();
}

export const handleList: CommandHandler<'LIST' | 'LSUB'> = (cmd, scope) => {
  const store = scope.deps.mail.store;
  const account = accountOf(scope);
  // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root.
  if (cmd.pattern === '') {
    scope.out.write(`* ${cmd.name} (\\Noselect) "${DELIMITER}" ""\r\n`);
    return {};
  }
  const match = listMatcher(cmd.reference, cmd.pattern);
  const mailboxes = store.listMailboxes(account.id);
  const byName = new Map<string, MailboxRecord>(mailboxes.map((m) => [m.name, m]));
  const hasChildren = (name: string) => mailboxes.some((m) => m.name.startsWith(name + DELIMITER));
  const utf8 = scope.session.enabled.includes('UTF8=ACCEPT');
  let out = '';
  if (cmd.name === 'LIST') {
    for (const mb of mailboxes) {
      if (!match(mb.name)) continue;
      const attrs: string[] = [];
      if (mb.noSelect) attrs.push('\\Noselect');
      attrs.push(hasChildren(mb.name) ? '\\HasChildren' : '\\HasNoChildren');
      if (mb.specialUse) attrs.push(mb.specialUse);
      out += listLine('LIST', attrs, mb.name, utf8);
    }
  } else {
    const subscribed = store.listSubscriptions(account.id);
    const subscribedSet = new Set(subscribed);
    for (const name of [...allLevels(subscribed)].sort()) {
      if (!match(name)) continue;
      if (subscribedSet.has(name)) {
        const mb = byName.get(name);
        out += listLine('LSUB', !mb || mb.noSelect ? ['\\Noselect'] : [], name, utf8);
      } else if (nameText(cmd.pattern).endsWith('%')) {
        // RFC 3501 §6.3.9: with "%", a parent of subscribed names that is not itself
        // subscribed is returned with \Noselect.
        out += listLine('LSUB', ['\\Noselect'], name, utf8);
      }
    }
  }
  if (out) scope.out.write(out);
  return {};
};
