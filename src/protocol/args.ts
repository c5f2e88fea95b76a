// The typed result of parsing one client command: the ParsedCommand union (RFC 3501 §6 and
// the extensions Gannet speaks: UIDPLUS, MOVE, IDLE, UNSELECT, ENABLE, ID, NAMESPACE, ESEARCH,
// LITERAL+, BINARY, STATUS=SIZE, APPENDLIMIT, SASL-IR).

import type { FetchItem } from './fetch-item.js';
import type { MailboxName } from './mailbox-name.js';
import type { SearchKey, SearchReturnOption } from './search-key.js';
import type { SequenceSet } from './sequence-set.js';

export type { FetchItem, PartialRange, Section, SectionText, SimpleFetchItemName } from './fetch-item.js';
export type { SearchDate, SearchDateKeyName, SearchFlagKeyName, SearchKey, SearchReturnOption, SearchTextKeyName } from './search-key.js';
export type { SequenceSet } from './sequence-set.js';
export type { MailboxName, UndecodableName } from './mailbox-name.js';

/**
 * STATUS data items (RFC 3501 §6.3.10; SIZE from RFC 8438, APPENDLIMIT from RFC 7889,
 * HIGHESTMODSEQ from RFC 7162 §3.1.6, MAILBOXID from RFC 8474 §4.3).
 */
export type StatusItem =
  'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'SIZE' | 'APPENDLIMIT' | 'HIGHESTMODSEQ' | 'MAILBOXID';

/**
 * The QRESYNC parameter of SELECT/EXAMINE (RFC 7162 §3.2.5): what the client last knew of the
 * mailbox. `knownUids` null means every UID; `seqMatch` pairs message numbers with the UIDs the
 * client had for them.
 */
export interface QresyncParams {
  uidValidity: number;
  modseq: number;
  knownUids: SequenceSet | null;
  seqMatch: { seqs: SequenceSet; uids: SequenceSet } | null;
}

/** Commands that take no arguments. */
export type NoArgCommandName = 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'IDLE' | 'NAMESPACE';

interface Tagged {
  /** The client's tag, echoed on the completion response. */
  tag: string;
}

/**
 * One parsed command. UID forms share the name of the plain command with `uid: true`.
 * Mailbox names are Unicode (decoded from modified UTF-7 unless UTF-8 was enabled), with
 * any case of `INBOX` normalised to `INBOX`; a well-formed name that is not valid modified
 * UTF-7 is an UndecodableName, which no mailbox has.
 */
export type ParsedCommand = Tagged &
  (
    | { name: NoArgCommandName }
    | { name: 'LOGIN'; username: string; password: string }
    /** `mechanism` is upper-cased; `initialResponse` is the SASL-IR base64 text, `''` for `=`. */
    | { name: 'AUTHENTICATE'; mechanism: string; initialResponse: string | null }
    /** `null` for `ID NIL`. */
    | { name: 'ID'; params: Array<[string, string | null]> | null }
    /** Capability names are upper-cased. */
    | { name: 'ENABLE'; capabilities: string[] }
    /** `condstore`: the CONDSTORE parameter (RFC 7162 §3.1.8); `qresync`: the QRESYNC one (§3.2.5). */
    | { name: 'SELECT' | 'EXAMINE'; mailbox: MailboxName; condstore: boolean; qresync: QresyncParams | null }
    | { name: 'CREATE' | 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'; mailbox: MailboxName }
    | { name: 'RENAME'; from: MailboxName; to: MailboxName }
    /** `reference` and `pattern` are decoded but not INBOX-normalised; wildcards stay. */
    | { name: 'LIST' | 'LSUB'; reference: MailboxName; pattern: MailboxName }
    | { name: 'STATUS'; mailbox: MailboxName; items: StatusItem[] }
    | { name: 'APPEND'; mailbox: MailboxName; flags: string[]; date: Date | null; message: Buffer }
    /** `sequence` is the UID set of UID EXPUNGE (RFC 4315 §2.1), null for EXPUNGE. */
    | { name: 'EXPUNGE'; uid: boolean; sequence: SequenceSet | null }
    /** `returnOptions`: null for a plain SEARCH; `[]` for `RETURN ()`, which means ALL (RFC 4731 §3.1). */
    | {
        name: 'SEARCH';
        uid: boolean;
        charset: string | null;
        criteria: SearchKey;
        returnOptions: SearchReturnOption[] | null;
      }
    /**
     * `changedSince`: the CHANGEDSINCE modifier (RFC 7162 §3.1.4.1), null without it; `vanished`:
     * the VANISHED modifier (§3.2.6).
     */
    | { name: 'FETCH'; uid: boolean; sequence: SequenceSet; items: FetchItem[]; changedSince: number | null; vanished: boolean }
    | {
        name: 'STORE';
        uid: boolean;
        sequence: SequenceSet;
        /** The UNCHANGEDSINCE modifier (RFC 7162 §3.1.3), null without it. */
        unchangedSince: number | null;
        mode: 'set' | 'add' | 'remove';
        silent: boolean;
        flags: string[];
      }
    | { name: 'COPY' | 'MOVE'; uid: boolean; sequence: SequenceSet; mailbox: MailboxName }
  );

/** The name of any command Gannet parses. */
export type CommandName = ParsedCommand['name'];

/** The variant of ParsedCommand with a given name (variants may share one shape for several names). */
export type CommandOf<N extends CommandName> = ParsedCommand extends infer C
  ? C extends { name: infer M }
    ? N extends M
      ? C & { name: N }
      : never
    : never
  : never;
