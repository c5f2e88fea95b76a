// Arguments of the mailbox commands: SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE, LIST, LSUB, STATUS, APPEND (RFC 3501 §6.3; STATUS SIZE RFC 8438, APPENDLIMIT
// RFC 7889; APPEND of a literal8 RFC 3516 §4.4).

import type { CommandOf, QresyncParams, SequenceSet, StatusItem } from '../args.js';
import type { Reader } from './reader.js';
import { readDateTime, readFlagList, readListMailbox, readMailbox, readReference, readSequenceSet } from './values.js';

type OneMailbox = 'CREATE' | 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE';

/**
 * select        = "SELECT" SP mailbox [select-params]                       ; RFC 4466 §2.1
 * select-params = SP "(" select-param *(SP select-param) ")"
 * select-param  = "CONDSTORE"                                                ; RFC 7162 §3.1.8
 *               / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
 *                 [SP seq-match-data] ")"                                    ; RFC 7162 §3.2.5
 * seq-match-data = "(" known-sequence-set SP known-uid-set ")"
 * (and likewise EXAMINE)
 */
export function parseSelect<N extends 'SELECT' | 'EXAMINE'>(name: N) {
  return (r: Reader, tag: string): CommandOf<N> => {
    r.sp();
    const mailbox = readMailbox(r);
    let condstore = false;
    let qresync: QresyncParams | null = null;
    if (r.peek() === ' ' && r.peek(1) === '(') {
      r.sp();
      r.expect('(', 'select parameters');
      do {
        if (r.peek() === ' ') r.advance();
        if (!condstore && r.tryWord('CONDSTORE')) condstore = true;
        else if (qresync === null && r.tryWord('QRESYNC')) qresync = readQresync(r);
        else r.fail('Unknown or repeated select parameter');
      } while (r.peek() === ' ');
      r.expect(')', '")" closing select parameters');
    }
    const cmd: CommandOf<'SELECT' | 'EXAMINE'> = { tag, name, mailbox, condstore, qresync };
    return cmd as CommandOf<N>;
  };
}

function readQresync(r: Reader): QresyncParams {
  r.sp();
  r.expect('(', 'QRESYNC parameters');
  const uidValidity = r.nzNumber('uidvalidity');
  r.sp();
  const modseq = r.modseq('mod-sequence', false);
  let knownUids: SequenceSet | null = null;
  let seqMatch: QresyncParams['seqMatch'] = null;
  if (r.peek() === ' ' && r.peek(1) !== '(') {
    r.advance();
    knownUids = readSequenceSet(r);
  }
  if (r.peek() === ' ') {
    r.advance();
    r.expect('(', 'sequence match data');
    const seqs = readSequenceSet(r);
    r.sp();
    const uids = readSequenceSet(r);
    r.expect(')', '")" closing sequence match data');
    seqMatch = { seqs, uids };
  }
  r.expect(')', '")" closing QRESYNC parameters');
  return { uidValidity, modseq, knownUids, seqMatch };
}

/** create = "CREATE" SP mailbox (and likewise DELETE, SUBSCRIBE, UNSUBSCRIBE) */
export function parseOneMailbox<N extends OneMailbox>(name: N) {
  return (r: Reader, tag: string): CommandOf<N> => {
    r.sp();
    const cmd: CommandOf<OneMailbox> = { tag, name, mailbox: readMailbox(r) };
    return cmd as CommandOf<N>;
  };
}

/** rename = "RENAME" SP mailbox SP mailbox */
export function parseRename(r: Reader, tag: string): CommandOf<'RENAME'> {
  r.sp();
  const from = readMailbox(r);
  r.sp();
  return { tag, name: 'RENAME', from, to: readMailbox(r) };
}

/** list = "LIST" SP mailbox SP list-mailbox (and LSUB) */
export function parseList<N extends 'LIST' | 'LSUB'>(name: N) {
  return (r: Reader, tag: string): CommandOf<N> => {
    r.sp();
    const reference = readReference(r);
    r.sp();
    const cmd: CommandOf<'LIST' | 'LSUB'> = { tag, name, reference, pattern: readListMailbox(r) };
    return cmd as CommandOf<N>;
  };
}

const STATUS_ITEMS = new Set<string>([
  'MESSAGES',
  'RECENT',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'SIZE',
  'APPENDLIMIT',
  'HIGHESTMODSEQ',
  'MAILBOXID',
]);

/**
 * status     = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
 * status-att = "MESSAGES" / "RECENT" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "SIZE" / "APPENDLIMIT" /
 *              "HIGHESTMODSEQ" (RFC 7162 §7) / "MAILBOXID" (RFC 8474 §7)
 */
export function parseStatus(r: Reader, tag: string): CommandOf<'STATUS'> {
  r.sp();
  const mailbox = readMailbox(r);
  r.sp();
  r.expect('(', 'status item list');
  const items: StatusItem[] = [];
  do {
    if (items.length > 0) r.advance();
    const item = r.atom('status item').toUpperCase();
    if (!STATUS_ITEMS.has(item)) r.fail('Unknown status item');
    items.push(item as StatusItem);
  } while (r.peek() === ' ');
  r.expect(')', '")" closing status item list');
  return { tag, name: 'STATUS', mailbox, items };
}

/**
 * append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP (literal / literal8)
 * literal8 = "~{" number ["+"] "}" CRLF *OCTET   ; RFC 3516 §4.4
 */
export function parseAppend(r: Reader, tag: string): CommandOf<'APPEND'> {
  r.sp();
  const mailbox = readMailbox(r);
  r.sp();
  let flags: string[] = [];
  if (r.peek() === '(') {
    flags = readFlagList(r);
    r.sp();
  }
  let date: Date | null = null;
  if (r.peek() === '"') {
    date = readDateTime(r);
    r.sp();
  }
  if (r.peek() === '~' && r.peek(1) === '{') r.advance();
  const message = r.literal('message literal');
  return { tag, name: 'APPEND', mailbox, flags, date, message };
}
