// A mailbox as an actor: a thin xstate callback actor around MailboxWriter. The actor is
// the unit the registry starts and stops; the writer holds the logic (testable alone).

import { fromCallback } from 'xstate';
import type { MailStore } from '../../src/storage/types.js';
import { MailboxWriter } from './mailbox-writer.js';
import type { MailboxActorEvent } from './messages.js';

export interface MailboxActorInput {
  store: MailStore;
  mailboxId: number;
  /** Called whenever the last in-flight write finished (the registry may then stop the actor). */
  onIdle: () => void;
}

export const mailboxActor = fromCallback<MailboxActorEvent, MailboxActorInput>(({ input, receive }) => {
  const writer = new MailboxWriter(input.store, input.mailboxId, input.onIdle);
  receive((event) => {
    if (event.type === 'mailbox.write') writer.handle(event);
  });
  return () => {
    // Writes already issued complete in the store; nothing is left half-done here.
  };
});
