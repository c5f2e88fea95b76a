// Entry point of the command parser: tag and command name (RFC 3501 §2.2.1, §9 `command`),
// then dispatch to the argument parser of each command.

import type { CommandName, NoArgCommandName, ParsedCommand } from '../args.js';
import { hasUidForm, isCommandName } from '../commands.js';
import type { RawRequest } from '../raw-request.js';
import { isAtomChar, isTagChar } from '../syntax.js';
import { ParseError } from './errors.js';
import { parseAppend, parseList, parseOneMailbox, parseRename, parseSelect, parseStatus } from './mailbox.js';
import { parseCopyMove, parseExpunge, parseFetch, parseSearch, parseStore } from './message.js';
import { Reader } from './reader.js';
import { parseAuthenticate, parseEnable, parseId, parseLogin } from './session.js';

export { ParseError } from './errors.js';
export type { ParsedCommand } from '../args.js';

/** Options that change how arguments are read. */
export interface ParseOptions {
  /**
   * UTF8=ACCEPT is enabled (RFC 6855 §3, RFC 9051): mailbox names are UTF-8 as sent and are
   * not decoded from modified UTF-7.
   */
  utf8?: boolean;
}

type ArgParser = (r: Reader, tag: string, uid: boolean) => ParsedCommand;

const PARSERS: Record<Exclude<CommandName, NoArgCommandName>, ArgParser> = {
  LOGIN: parseLogin,
  AUTHENTICATE: parseAuthenticate,
  ID: parseId,
  ENABLE: parseEnable,
  SELECT: parseSelect('SELECT'),
  EXAMINE: parseSelect('EXAMINE'),
  CREATE: parseOneMailbox('CREATE'),
  DELETE: parseOneMailbox('DELETE'),
  SUBSCRIBE: parseOneMailbox('SUBSCRIBE'),
  UNSUBSCRIBE: parseOneMailbox('UNSUBSCRIBE'),
  RENAME: parseRename,
  LIST: parseList('LIST'),
  LSUB: parseList('LSUB'),
  STATUS: parseStatus,
  APPEND: parseAppend,
  EXPUNGE: parseExpunge,
  SEARCH: parseSearch,
  FETCH: parseFetch,
  STORE: parseStore,
  COPY: parseCopyMove('COPY'),
  MOVE: parseCopyMove('MOVE'),
};

/** tag = 1*<any ASTRING-CHAR except "+">; null when the line does not start with a valid tag + SP. */
function readTag(line: string): { tag: string; valid: boolean } | null {
  let end = 0;
  while (end < line.length && isTagChar(line.charAt(end))) end++;
  if (end === 0) return null;
  const next = line.charAt(end);
  if (next !== '' && next !== ' ') return null;
  return { tag: line.slice(0, end), valid: next === ' ' };
}

/**
 * Parses one framed command into its typed form.
 *
 * command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
 *
 * @throws ParseError for any syntax error (answered with BAD); its `tag` is null when the tag
 *   itself is missing or invalid, so the caller answers `* BAD`. An unknown command name
 *   throws ParseError with the text `Unknown command`.
 */
export function parseCommand(raw: RawRequest, options: ParseOptions = {}): ParsedCommand {
  const first = raw.lines[0] ?? '';
  const head = readTag(first);
  if (head === null) throw new ParseError(null, first === '' ? 'Empty command' : 'Invalid tag');
  const { tag } = head;
  if (!head.valid) throw new ParseError(tag, 'Expected SP after tag');
  const r = new Reader(raw, tag, options.utf8 === true);
  r.advance(tag.length + 1);
  let name = r.take(isAtomChar).toUpperCase();
  if (name === '') r.fail('Expected command name');
  let uid = false;
  if (name === 'UID') {
    r.sp();
    name = r.take(isAtomChar).toUpperCase();
    // uid = "UID" SP (copy / move / fetch / search / store / uid-expunge): the registry says which.
    if (!hasUidForm(name)) r.fail('Unknown command');
    uid = true;
  }
  if (!isCommandName(name)) return r.fail('Unknown command');
  let command: ParsedCommand;
  if (Object.hasOwn(PARSERS, name)) {
    command = PARSERS[name as keyof typeof PARSERS](r, tag, uid);
  } else {
    command = { tag, name: name as NoArgCommandName };
  }
  r.end();
  return command;
}

/**
 * Reads the tag and the upper-cased command name from the first line of a command, without
 * parsing arguments; `UID FETCH` is reported as `UID FETCH`. Returns null when the line does
 * not start with `tag SP name`. Used to choose literal limits per command and for logs.
 */
export function parseTagAndName(line: string): { tag: string; name: string } | null {
  const head = readTag(line);
  if (head === null || !head.valid) return null;
  let rest = line.slice(head.tag.length + 1);
  const word = (): string => {
    let end = 0;
    while (end < rest.length && isAtomChar(rest.charAt(end))) end++;
    const w = rest.slice(0, end).toUpperCase();
    rest = rest.slice(end);
    return w;
  };
  const name = word();
  if (name === '') return null;
  if (name === 'UID' && rest.startsWith(' ')) {
    rest = rest.slice(1);
    const sub = word();
    if (sub !== '') return { tag: head.tag, name: `UID ${sub}` };
  }
  return { tag: head.tag, name };
}
